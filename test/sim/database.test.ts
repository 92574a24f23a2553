import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { simulate } from '../helpers/sim.js';
import { parseScenario } from '../../src/scenario/load.js';

const scenario = (file: string) => readFileSync(join(repoRoot, 'scenarios', file), 'utf8');

describe('database model', () => {
  it('an RDS Multi-AZ instance failover: clients and writes fail from the fault until the app reaches the new writer, within the endpoint TTL of the switch', async () => {
    // from the scenario: the FIS reboot with forceFailover starts the platform's failover; the app re-resolves the endpoint every ttl
    const text = scenario('db-multi-az.yaml');
    const { scenario: config } = parseScenario(text, 'db-multi-az.yaml');
    const db = config.setup.database!;
    const fault = config.faults[0]!;
    const res = config.measure.resolutionMs;
    const durations: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const { result, record } = await simulate(text, seed);
      const at = (type: string) => record.events.find((e) => e.component === 'db' && e.type === type)!;
      const [started, writer, repointed] = [at('failover.started'), at('writer'), at('route.changed')];
      const failoverMs = writer.atMs - started.atMs;
      const outageMs = repointed.atMs - fault.atMs;
      expect(started.atMs, `seed ${seed}`).toBe(fault.atMs);
      // the app follows the new writer at its next endpoint refresh
      expect(repointed.atMs - writer.atMs, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(repointed.atMs - writer.atMs, `seed ${seed}`).toBeLessThanOrEqual(db.endpoint.ttlMs);
      // every write between the fault and the repoint fails: writeRate × outage (± the one write at either edge)
      const writes = record.events.find((e) => e.type === 'writes')!.detail;
      expect(Math.abs(Number(writes.failed) - (db.writeRate * outageMs) / 1000), `seed ${seed}`).toBeLessThanOrEqual(1);
      // the app answers 503 without its database: every client request in the outage fails (± one per client at the edges)
      expect(Math.abs(result.metrics.errorCount - (config.load.ratePerSec * outageMs) / 1000), `seed ${seed}`).toBeLessThanOrEqual(config.load.clients);
      // clients recover when the app reaches the new writer: RTO ≥ detection + the platform's failover, and ends at the repoint
      const fig = result.metrics.perFault[0]!;
      expect(fig.rtoMs! + res, `seed ${seed}`).toBeGreaterThanOrEqual(fig.detectionMs! + failoverMs);
      expect(Math.abs(fig.rtoMs! - outageMs), `seed ${seed}`).toBeLessThanOrEqual(res);
      // a synchronous standby (design.md §5) loses nothing
      expect(result.metrics.lostWrites, `seed ${seed}`).toBe(0);
      durations.push(failoverMs);
    }
    // the relations hold over ten different failover times, not one
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
# the app never re-resolves, so clients are back only when the paused writer resumes, 200 s after the pause
expect: { rto: "<= 200s" }
`;
    const { result } = await simulate(text);
    const invariant = result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes')!;
    expect(invariant.pass).toBe(false);
    expect(invariant.message).toContain('pg-a acknowledged');
    // the stated expectation holds, so the broken invariant alone fails the run
    expect(result.expectations.map((e) => [e.name, e.pass])).toEqual([['rto', true]]);
    expect(result.verdict).toBe('fail');
    // the same with Patroni, which demotes the old primary: no write reaches it
    const fenced = await simulate(text.replace('engine: rds-read-replica', 'engine: postgres-streaming'));
    expect(fenced.result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes')!.pass).toBe(true);
    // …and, with the endpoint cached for 1 h in a 5 min run, the app never reaches the new writer: clients never recover
    expect(fenced.result.metrics.rtoMs).toBeNull();
    expect(fenced.result.expectations).toMatchObject([{ name: 'rto', pass: false, actual: null }]);
  });
});
