import { describe, expect, it } from 'vitest';
import { checkFault } from '../../src/explain/check.js';
import { explainScenario } from '../../src/explain/explain.js';
import type { RunEvent } from '../../src/measure/events.js';
import { parseScenario } from '../../src/scenario/load.js';
import { failoverBoundMs, patroniPromotionMs, PATRONI_RESTART_MS, type PatroniTimings } from '../../src/scenario/patroni.js';
import { simulate } from '../helpers/sim.js';

/**
 * Platform-mode PostgreSQL (postgres-streaming, layers.database: platform) is Patroni: the simulator
 * does what Patroni 3.0.2 did on the host target (src/targets/host/patroni/README.md), with the
 * scenario's timings. A leader that stops refreshing its key (node cut off, powered off, PostgreSQL
 * frozen) loses it ttl after its last refresh — at most one loop_wait before the fault — and the
 * replica takes over within ttl + loop_wait + retry_timeout; a PostgreSQL stopped under a live
 * Patroni is started again in place at the next HA loop, without a failover.
 */
const TIMINGS: PatroniTimings = { ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 5_000 };
const FAULT_AT_MS = 30_000;
const SEEDS = 200;

const scenario = (fault: string) => `
name: patroni-sim
duration: 2m
setup:
  servers: [{ id: app }, { id: db-a }, { id: db-b }]
  database:
    engine: postgres-streaming
    primary: db-a
    standby: db-b
    writeRate: 5
    endpoint: { mode: controller }
    patroni: { ttl: ${TIMINGS.ttlMs / 1000}s, loopWait: ${TIMINGS.loopWaitMs / 1000}s, retryTimeout: ${TIMINGS.retryTimeoutMs / 1000}s }
controller: { layers: { database: platform } }
load: { rate: 2, clients: 2, timeout: 1s, entry: app }
faults:
  - { id: f, at: ${FAULT_AT_MS / 1000}s, duration: 60s, target: db-a, ${fault} }
`;

const dbEvents = (events: readonly RunEvent[], type: string) => events.filter((e) => e.component === 'db' && e.type === type);

/** Fault → key lapse and fault → the replica takes writes, for one seed. */
async function failover(fault: string, seed: number): Promise<{ detectionMs: number; writerMs: number; started: RunEvent; measuredDetectionMs: number | null }> {
  const { record, result } = await simulate(scenario(fault), seed);
  const [started] = dbEvents(record.events, 'failover.started');
  const [writer] = dbEvents(record.events, 'writer');
  expect(started, `seed ${seed}`).toBeDefined();
  expect(writer?.detail, `seed ${seed}`).toMatchObject({ writer: 'db-b', previous: 'db-a' });
  return { detectionMs: started!.atMs - FAULT_AT_MS, writerMs: writer!.atMs - FAULT_AT_MS, started: started!, measuredDetectionMs: result.metrics.perFault[0]!.detectionMs };
}

describe('Patroni in the simulator (platform-mode postgres-streaming)', () => {
  it(`network-drop of the leader's node, ${SEEDS} seeds: the key lapses ttl − loop_wait … ttl after the fault, spread over that window; the replica leads within ttl + loop_wait + retry_timeout`, async () => {
    const detections: number[] = [];
    const promotion = patroniPromotionMs();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { detectionMs, writerMs, started, measuredDetectionMs } = await failover('action: network-drop', seed);
      expect(detectionMs, `seed ${seed}`).toBeGreaterThanOrEqual(TIMINGS.ttlMs - TIMINGS.loopWaitMs);
      expect(detectionMs, `seed ${seed}`).toBeLessThanOrEqual(TIMINGS.ttlMs);
      expect(started.detail).toMatchObject({ from: 'db-a', to: 'db-b', reason: 'Patroni leader key lapsed', detectionMs: Math.round(detectionMs) });
      expect(measuredDetectionMs, `seed ${seed}`).toBeCloseTo(detectionMs, -1);
      // the REST check of the silent old leader (Patroni's 2 s timeout), then pg_ctl promote
      expect(writerMs - detectionMs, `seed ${seed}`).toBeGreaterThanOrEqual(promotion.min);
      expect(writerMs - detectionMs, `seed ${seed}`).toBeLessThanOrEqual(promotion.max);
      expect(writerMs, `seed ${seed}`).toBeLessThanOrEqual(failoverBoundMs(TIMINGS));
      detections.push(detectionMs);
    }
    // the leader's loop phase is not aligned to the fault: detection takes many values across the window
    expect(new Set(detections).size).toBe(SEEDS);
    expect(Math.max(...detections) - Math.min(...detections)).toBeGreaterThan(0.9 * TIMINGS.loopWaitMs);
  }, 300_000);

  it.each([
    ['process-pause of PostgreSQL (the HA loop blocks on it)', 'action: process-pause, service: postgres'],
    ['the node powered off', 'action: "aws:ec2:stop-instances"'],
    ['the node cut off (disrupt-connectivity)', 'action: "aws:network:disrupt-connectivity"'],
    ['every inbound TCP packet dropped', 'action: network-drop, protocol: tcp'],
  ])('%s: the leader is lost, the same bounds', async (_, fault) => {
    for (let seed = 1; seed <= 20; seed++) {
      const { detectionMs, writerMs } = await failover(fault, seed);
      expect(detectionMs, `seed ${seed}`).toBeGreaterThanOrEqual(TIMINGS.ttlMs - TIMINGS.loopWaitMs);
      expect(detectionMs, `seed ${seed}`).toBeLessThanOrEqual(TIMINGS.ttlMs);
      expect(writerMs, `seed ${seed}`).toBeLessThanOrEqual(failoverBoundMs(TIMINGS));
    }
  });

  it(`service-stop of PostgreSQL, ${SEEDS} seeds: no failover; Patroni starts it again in place within loop_wait + restart`, async () => {
    const backs: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { record, result } = await simulate(scenario('action: service-stop, service: postgres'), seed);
      expect(dbEvents(record.events, 'failover.started'), `seed ${seed}`).toEqual([]);
      expect(dbEvents(record.events, 'writer'), `seed ${seed}`).toEqual([]);
      const [lost] = dbEvents(record.events, 'writer.lost');
      const backEvents = dbEvents(record.events, 'writer.back');
      expect(lost?.atMs, `seed ${seed}`).toBe(FAULT_AT_MS);
      // back once, before the fault's undo, which then finds PostgreSQL running
      expect(backEvents, `seed ${seed}`).toHaveLength(1);
      const backMs = backEvents[0]!.atMs - FAULT_AT_MS;
      expect(backMs, `seed ${seed}`).toBeGreaterThanOrEqual(PATRONI_RESTART_MS.min);
      expect(backMs, `seed ${seed}`).toBeLessThanOrEqual(TIMINGS.loopWaitMs + PATRONI_RESTART_MS.max);
      const states = record.events.filter((e) => e.component === 'server' && e.type === 'state' && e.detail.server === 'db-a').map((e) => [e.atMs, e.detail.state]);
      expect(states, `seed ${seed}`).toEqual([
        [FAULT_AT_MS, 'stopped'],
        [backEvents[0]!.atMs, 'up'],
      ]);
      expect(result.metrics.perFault[0]).toMatchObject({ detectionMs: null, switchMs: null });
      backs.push(backMs);
    }
    expect(new Set(backs).size).toBe(SEEDS);
  }, 300_000);

  it.each([
    ["PostgreSQL's port dropped (Patroni talks to it over the Unix socket and to etcd on its own port)", 'action: network-drop, protocol: tcp, port: 5432'],
    ['a partition from the replica (etcd, on a third site, still reaches both)', 'action: network-partition, peer: db-b'],
  ])('%s: the leader keeps its key, nothing fails over', async (_, fault) => {
    for (let seed = 1; seed <= 10; seed++) {
      const { record } = await simulate(scenario(fault), seed);
      expect(dbEvents(record.events, 'failover.started'), `seed ${seed}`).toEqual([]);
      expect(dbEvents(record.events, 'writer'), `seed ${seed}`).toEqual([]);
    }
  });

  it('a leader back before its key lapses keeps it: a 5 s freeze (< ttl − loop_wait) is no failover', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { record } = await simulate(scenario('action: process-pause, service: postgres').replace('duration: 60s', 'duration: 5s'), seed);
      expect(dbEvents(record.events, 'failover.started'), `seed ${seed}`).toEqual([]);
      expect(dbEvents(record.events, 'writer.back').map((e) => e.atMs), `seed ${seed}`).toEqual([FAULT_AT_MS + 5_000]);
    }
  });

  it.each([
    ['network-drop', 'action: network-drop'],
    ['service-stop of PostgreSQL', 'action: service-stop, service: postgres'],
  ])(`%s, ${SEEDS} seeds: every figure lies inside the bounds faildrill explain derives from the scenario`, async (_, fault) => {
    const text = scenario(fault);
    const [explanation] = explainScenario(parseScenario(text, 'patroni.yaml').scenario);
    const outside: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { result } = await simulate(text, seed);
      for (const c of checkFault(explanation!, result.metrics.perFault[0]!)) if (!c.inside) outside.push(`seed ${seed} ${c.figure}: ${c.measured} not in ${c.occurs} [${c.minMs}, ${c.maxMs}]`);
    }
    expect(outside).toEqual([]);
  }, 300_000);

  it('is deterministic: the same seed twice gives the same events', async () => {
    for (const fault of ['action: network-drop', 'action: service-stop, service: postgres']) {
      const a = await simulate(scenario(fault), 7);
      const b = await simulate(scenario(fault), 7);
      expect(JSON.stringify(b.record.events)).toBe(JSON.stringify(a.record.events));
    }
  });
});
