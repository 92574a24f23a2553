import { describe, expect, it } from 'vitest';
import { failoverBoundMs, keyLapseMs } from '../../src/scenario/patroni.js';
import { PATRONI_DEFAULTS } from '../../src/scenario/schema.js';
import { simulate } from '../helpers/sim.js';

/**
 * Issue 10, "Health checks": the platform detects a crashed writer after a while, then promotes. The
 * documented failover times (design.md §5, from the RDS and Aurora user guides and Patroni's settings)
 * span detection and promotion: Multi-AZ DB instance 60–120 s, Multi-AZ DB cluster under 35 s, Aurora
 * with a replica under 60 s. Patroni (defaults ttl 30, loop_wait 10, retry_timeout 10): the leader
 * key lapses ttl − loop_wait … ttl after the crash and the replica leads within ttl + loop_wait +
 * retry_timeout; its crash is the node's (a stopped PostgreSQL alone is restarted in place:
 * test/sim/patroni.test.ts).
 */
const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1);
const FAULT_AT_MS = 60_000;

const CRASH = 'service-stop';
const ENGINES = [
  ['rds-multi-az-instance', 60_000, 120_000, CRASH],
  ['rds-multi-az-cluster', 0, 35_000, CRASH],
  ['aurora', 0, 60_000, CRASH],
  ['postgres-streaming', keyLapseMs(PATRONI_DEFAULTS).min, failoverBoundMs(PATRONI_DEFAULTS), '"aws:ec2:stop-instances"'],
] as const;

const scenario = (engine: string, crash: string = CRASH) => `
name: rds-detection
duration: 4m
setup:
  servers: [{ id: app }, { id: db-a }, { id: db-b }]
  database: { id: db, engine: ${engine}, primary: db-a, standby: db-b, writeRate: 5, endpoint: { mode: dns, ttl: 5s } }
controller:
  layers: { database: platform }
load: { rate: 2, clients: 2, timeout: 1s, entry: app }
faults:
  - { id: crash, at: 60s, duration: 3m, action: ${crash}, target: db-a }
`;

describe('the database platform detects a crashed writer, then promotes', () => {
  it.each(ENGINES)('%s: detection > 0, detection + promotion within [%i ms, %i ms], both reported', async (engine, minMs, maxMs, crash) => {
    for (const seed of SEEDS) {
      const { record, result } = await simulate(scenario(engine, crash), seed);
      const at = (type: string) => record.events.find((e) => e.component === 'db' && e.type === type && e.atMs >= FAULT_AT_MS);
      const lost = at('writer.lost')!;
      const started = at('failover.started')!;
      const writer = at('writer')!;
      expect(lost.atMs, `seed ${seed}`).toBe(FAULT_AT_MS);
      const detectionMs = started.atMs - lost.atMs;
      const promotionMs = writer.atMs - started.atMs;
      expect(detectionMs, `seed ${seed}`).toBeGreaterThan(0);
      expect(started.detail.detectionMs).toBe(Math.round(detectionMs));
      expect(started.detail.expectedMs).toBe(Math.round(promotionMs));
      expect(detectionMs + promotionMs).toBeGreaterThanOrEqual(minMs);
      expect(detectionMs + promotionMs).toBeLessThanOrEqual(maxMs);
      // the measurement takes the platform's detection from failover.started, not from the crash
      expect(result.metrics.perFault[0]!.detectionMs).toBeCloseTo(detectionMs, -2);
    }
  }, 180_000);

  it('a writer back before the platform noticed is no failover', async () => {
    // Multi-AZ DB instance: detection takes at least defaults' 10 s; a 2 s blip is over before it
    const yaml = scenario('rds-multi-az-instance').replace('duration: 3m, action', 'duration: 2s, action');
    for (const seed of SEEDS.slice(0, 10)) {
      const { record } = await simulate(yaml, seed);
      expect(record.events.filter((e) => e.component === 'db' && e.type === 'failover.started')).toEqual([]);
      expect(record.events.some((e) => e.component === 'db' && e.type === 'writer.back')).toBe(true);
    }
  });
});
