import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { simulate } from '../helpers/sim.js';

const scenario = (file: string) => readFileSync(join(repoRoot, 'scenarios', file), 'utf8');

describe('database model', () => {
  it('an RDS Multi-AZ instance failover lands within 60–120 s, loses nothing, and the app follows within the endpoint TTL', async () => {
    const durations: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const { result, record } = await simulate(scenario('db-multi-az.yaml'), seed);
      const started = record.events.find((e) => e.type === 'failover.started')!;
      const writer = record.events.find((e) => e.component === 'db' && e.type === 'writer')!;
      const took = writer.atMs - started.atMs;
      expect(took, `seed ${seed}`).toBeGreaterThanOrEqual(60_000);
      expect(took, `seed ${seed}`).toBeLessThanOrEqual(120_000);
      const repointed = record.events.find((e) => e.component === 'db' && e.type === 'route.changed')!;
      expect(repointed.atMs - writer.atMs).toBeLessThanOrEqual(5_000);
      expect(result.metrics.lostWrites).toBe(0);
      durations.push(took);
    }
    expect(new Set(durations).size).toBe(10);
  });

  it('a lag spike at failover loses exactly the writes the replica had not replayed: 20 writes/s × 45 s = 900', async () => {
    const { result, record } = await simulate(scenario('db-replica-promotion.yaml'));
    expect(result.metrics.lostWrites).toBe(900);
    expect(result.metrics.rpoMs).toBe(45_000);
    expect(result.metrics.perFault[0]).toMatchObject({ lostWrites: 900, rpoMs: 45_000 });
    const alert = record.events.find((e) => e.type === 'lag.alert')!;
    expect(alert.atMs).toBe(240_000);
    expect(alert.detail).toMatchObject({ lagMs: 45_000, thresholdMs: 30_000 });
    // without the spike the same crash loses the normal 1 s of lag
    const calm = await simulate(scenario('db-replica-promotion.yaml').replace(/lagSpikes:\n.*\n/, 'lagSpikes: []\n'));
    expect(calm.result.metrics.lostWrites).toBe(20);
    expect(calm.result.metrics.rpoMs).toBe(1_000);
  });

  it('a synchronous standby loses nothing when its writer crashes', async () => {
    const text = scenario('db-replica-promotion.yaml').replace('engine: rds-read-replica', 'engine: postgres-streaming').replace(/lagSpikes:\n.*\n/, 'lagSpikes: []\n').replace('replicationLag: 1s', 'replicationLag: 0s');
    const { result } = await simulate(text);
    expect(result.metrics.lostWrites).toBe(0);
    expect(result.metrics.rpoMs).toBe(0);
  });

  it('flags a demoted primary that acknowledges writes: a paused writer resumes while the app still points at it', async () => {
    const text = `
name: stale-writer
duration: 5m
setup:
  servers: [{ id: app }, { id: pg-a }, { id: pg-b }]
  database:
    engine: rds-read-replica
    primary: pg-a
    standby: pg-b
    endpoint: { mode: dns, ttl: 1h }      # the app never re-resolves within the run
controller:
  healthCheck: { interval: 2s, timeout: 1s, unhealthyThreshold: 2 }
  layers: { database: controller }
load: { rate: 10, clients: 5 }
faults:
  - { id: freeze, at: 60s, action: process-pause, target: pg-a, duration: 200s }
expect: { errors: ">= 0" }
`;
    const { result } = await simulate(text);
    const invariant = result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes')!;
    expect(invariant.pass).toBe(false);
    expect(invariant.message).toContain('pg-a acknowledged');
    expect(result.verdict).toBe('fail');
    // the same with Patroni, which demotes the old primary: no write reaches it
    const fenced = await simulate(text.replace('engine: rds-read-replica', 'engine: postgres-streaming'));
    expect(fenced.result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes')!.pass).toBe(true);
  });
});
