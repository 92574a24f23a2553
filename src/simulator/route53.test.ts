import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { SeededRng } from '../random/seeded-rng.js';
import { Route53HealthCheck, type Route53HealthCheckSpec } from './route53.js';

const INTERVAL = 10_000;
const THRESHOLD = 3;
const spec: Route53HealthCheckSpec = {
  id: 'hc-primary',
  target: 'primary',
  intervalMs: INTERVAL,
  failureThreshold: THRESHOLD,
  regions: 8,
  checkersPerRegion: 2,
  healthyCheckerShare: 0.18,
};
const CHECKERS = spec.regions * spec.checkersPerRegion;

interface Change {
  atMs: number;
  healthy: boolean;
  healthyCheckers: number;
  checkers: number;
}

/** A health check whose checks ask `passes(nowMs)`; records every check time and every change. */
function setUp(seed: number, passes: (nowMs: number) => boolean) {
  const engine = new Engine();
  const checkTimes: number[] = [];
  const changes: Change[] = [];
  const hc = new Route53HealthCheck(
    spec,
    engine,
    new SeededRng(seed),
    () => {
      checkTimes.push(engine.nowMs);
      // an answer at once: these tests are about thresholds and phases, not timeouts
      return { ok: passes(engine.nowMs), afterMs: 0 };
    },
    (healthy, healthyCheckers, checkers) => changes.push({ atMs: engine.nowMs, healthy, healthyCheckers, checkers }),
  );
  return { engine, hc, checkTimes, changes };
}

describe('Route53HealthCheck', () => {
  it('keeps a healthy endpoint healthy, each checker checking once per interval', async () => {
    const { engine, hc, checkTimes, changes } = setUp(1, () => true);
    await engine.runUntil(10 * INTERVAL);
    expect(hc.healthy).toBe(true);
    expect(changes).toEqual([]);
    expect(checkTimes).toHaveLength(10 * CHECKERS);
  });

  it('declares an endpoint that fails from 100 s unhealthy within [120 s, 130 s)', async () => {
    const failFromMs = 100_000;
    const { engine, hc, checkTimes, changes } = setUp(1, (nowMs) => nowMs < failFromMs);
    // Each checker's first check lands at its phase in [0, interval). Its first failing check is at
    // some t in [100 s, 100 s + interval), its third in a row at t + 2 × interval: in [120 s, 130 s).
    // 2/16 healthy is not > 18 %, 3/16 is: the 14th checker to turn makes the endpoint unhealthy.
    await engine.runUntil(failFromMs + (THRESHOLD - 1) * INTERVAL);
    expect(hc.healthy).toBe(true);
    await engine.runUntil(failFromMs + THRESHOLD * INTERVAL);
    expect(hc.healthy).toBe(false);

    const phases = checkTimes.filter((t) => t < INTERVAL).sort((a, b) => a - b);
    expect(phases).toHaveLength(CHECKERS);
    const fourteenth = phases[CHECKERS - 3]!;
    expect(changes).toEqual([
      { atMs: failFromMs + (THRESHOLD - 1) * INTERVAL + fourteenth, healthy: false, healthyCheckers: 2, checkers: CHECKERS },
    ]);
  });

  it('is healthy while more than 18 % of checkers are (3 of 16), unhealthy at 2 of 16, healthy again at 3', async () => {
    // Learn each checker's phase first, then fail checkers by phase.
    const failing = new Set<number>();
    const { engine, hc, checkTimes, changes } = setUp(2, (nowMs) => !failing.has(nowMs % INTERVAL));
    await engine.runUntil(INTERVAL);
    const phases = [...checkTimes].sort((a, b) => a - b);
    expect(new Set(phases).size).toBe(CHECKERS);

    for (const phase of phases.slice(0, CHECKERS - 3)) failing.add(phase);
    await engine.runUntil(20 * INTERVAL);
    expect(hc.healthy).toBe(true);
    expect(changes).toEqual([]);

    failing.add(phases[CHECKERS - 3]!);
    await engine.runUntil(40 * INTERVAL);
    expect(hc.healthy).toBe(false);
    expect(changes).toEqual([{ atMs: expect.any(Number), healthy: false, healthyCheckers: 2, checkers: CHECKERS }]);
    const unhealthyAtMs = changes[0]!.atMs;
    expect(unhealthyAtMs % INTERVAL).toBe(phases[CHECKERS - 3]);
    expect(unhealthyAtMs).toBeGreaterThanOrEqual(20 * INTERVAL + 2 * INTERVAL);
    expect(unhealthyAtMs).toBeLessThan(20 * INTERVAL + 3 * INTERVAL);

    failing.clear();
    await engine.runUntil(60 * INTERVAL);
    expect(hc.healthy).toBe(true);
    expect(changes.slice(1)).toEqual([{ atMs: expect.any(Number), healthy: true, healthyCheckers: 3, checkers: CHECKERS }]);
    // Recovery also needs `failureThreshold` passing checks in a row from the first checker to come back.
    expect(changes[1]!.atMs).toBe(40 * INTERVAL + 2 * INTERVAL + phases[0]!);
  });
});
