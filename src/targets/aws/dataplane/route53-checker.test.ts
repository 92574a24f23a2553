import { describe, expect, it } from 'vitest';
import { defaults } from '../../../scenario/defaults.js';
import { SeededRng } from '../../../random/seeded-rng.js';
import { VirtualClock } from '../../../simulator/clock.js';
import { Engine } from '../../../simulator/engine.js';
import { Route53Checker, type CheckAttempt, type CheckResult, type HealthVerdict, type Route53CheckerSpec } from './route53-checker.js';

/** Route 53's documented figures (defaults.ts cites them): fast interval, threshold 3, 8 regions × 2, 18 %, connect 4 s, response 2 s. */
const spec: Route53CheckerSpec = {
  healthCheckId: 'hc-primary',
  intervalMs: 10_000,
  failureThreshold: defaults.route53.failureThreshold,
  regions: defaults.route53.regions,
  checkersPerRegion: defaults.route53.checkersPerRegion,
  healthyCheckerShare: defaults.route53.healthyCheckerShare,
  connectTimeoutMs: defaults.route53.connectTimeoutMs,
  responseTimeoutMs: defaults.route53.responseTimeoutMs,
};
const CHECKERS = spec.regions * spec.checkersPerRegion;
/** Unhealthy checkers needed before the endpoint is: the fewest that leave no more than 18 % healthy. */
const TO_FAIL = [...Array(CHECKERS + 1).keys()].find((k) => (CHECKERS - k) / CHECKERS <= spec.healthyCheckerShare)!;

type Behaviour = 'ok' | 'refused' | 'silent' | 'no response' | 503 | 302;

const never = <T>() => new Promise<T>(() => undefined);
const rejected = <T>(reason: string) => {
  const p = Promise.reject<T>(new Error(reason));
  p.catch(() => undefined);
  return p;
};

/** An endpoint whose behaviour at each moment is `behaviour(nowMs)`: refused at once, silent (no connection), connected but no response, or a status. */
function attempt(behaviour: Behaviour): CheckAttempt {
  const abort = () => undefined;
  switch (behaviour) {
    case 'refused':
      return { connected: rejected('refused'), response: rejected('refused'), abort };
    case 'silent':
      return { connected: never(), response: never(), abort };
    case 'no response':
      return { connected: Promise.resolve(), response: never(), abort };
    default:
      return { connected: Promise.resolve(), response: Promise.resolve(behaviour === 'ok' ? 200 : behaviour), abort };
  }
}

function setUp(seed: number, behaviour: (nowMs: number) => Behaviour) {
  const engine = new Engine();
  const clock = new VirtualClock(engine);
  const verdicts: HealthVerdict[] = [];
  const checks: CheckResult[] = [];
  const checker = new Route53Checker({
    spec,
    clock,
    rng: new SeededRng(seed),
    transport: { open: () => attempt(behaviour(clock.nowMs())) },
    onVerdict: (v) => verdicts.push(v),
    onCheck: (c) => checks.push(c),
  });
  checker.start();
  return { engine, checker, verdicts, checks };
}

/** Each checker's first check at or after `fromMs` (its k-th check is at phase + k × interval). */
function firstTickAtOrAfter(phaseMs: number, fromMs: number): number {
  return phaseMs + Math.max(0, Math.ceil((fromMs - phaseMs) / spec.intervalMs)) * spec.intervalMs;
}

describe('Route53Checker on the virtual clock', () => {
  it('keeps a healthy endpoint healthy, every checker checking once per interval from its own phase', async () => {
    const { engine, checker, verdicts, checks } = setUp(1, () => 'ok');
    await engine.runUntil(10 * spec.intervalMs);
    expect(verdicts).toEqual([]);
    expect(checker.healthy).toBe(true);
    expect(checks).toHaveLength(10 * CHECKERS);
    expect(new Set(checker.phasesMs).size).toBeGreaterThan(1);
    for (const c of checks) expect((c.startedAtMs - checker.phasesMs[c.checker]!) % spec.intervalMs).toBe(0);
  });

  // A check that gets no answer fails when its timeout runs out: no connection → connect timeout
  // (4 s); connected but no status → response timeout (2 s); refused → at once (Route 53 developer guide).
  it.each([
    ['refused', 0, 'refused'],
    ['no response', spec.responseTimeoutMs, 'response timeout'],
    ['silent', spec.connectTimeoutMs, 'connect timeout'],
  ] as const)('endpoint %s from 100 s: unhealthy after failureThreshold failed checks in a row, each failing %i ms after it started', async (behaviour, delayMs, reason) => {
    const failFromMs = 100_000;
    const backAtMs = 200_000;
    const { engine, checker, verdicts, checks } = setUp(1, (nowMs) => (nowMs >= failFromMs && nowMs < backAtMs ? behaviour : 'ok'));
    await engine.runUntil(300_000);

    const failedAt = checker.phasesMs.map((phase) => firstTickAtOrAfter(phase, failFromMs) + (spec.failureThreshold - 1) * spec.intervalMs + delayMs).sort((a, b) => a - b);
    const unhealthyAtMs = failedAt[TO_FAIL - 1]!;
    // Within the phase spread: the threshold-th failing check of the deciding checker lands in [2, 3) intervals after the fault.
    expect(unhealthyAtMs).toBeGreaterThanOrEqual(failFromMs + (spec.failureThreshold - 1) * spec.intervalMs + delayMs);
    expect(unhealthyAtMs).toBeLessThan(failFromMs + spec.failureThreshold * spec.intervalMs + delayMs);
    // Healthy again at the first checker's threshold-th passing check in a row (1 of 16 healthy is > 0 %, but > 18 % needs 3).
    const passedAt = checker.phasesMs.map((phase) => firstTickAtOrAfter(phase, backAtMs) + (spec.failureThreshold - 1) * spec.intervalMs).sort((a, b) => a - b);
    const toRecover = [...Array(CHECKERS + 1).keys()].find((k) => k / CHECKERS > spec.healthyCheckerShare)!;

    expect(verdicts).toEqual([
      { healthCheckId: 'hc-primary', healthy: false, healthyCheckers: CHECKERS - TO_FAIL, checkers: CHECKERS, atMs: unhealthyAtMs },
      { healthCheckId: 'hc-primary', healthy: true, healthyCheckers: toRecover, checkers: CHECKERS, atMs: passedAt[toRecover - 1]! },
    ]);
    const failed = checks.filter((c) => !c.ok);
    expect(new Set(failed.map((c) => c.reason))).toEqual(new Set([reason]));
    for (const c of failed) expect(c.endedAtMs - c.startedAtMs).toBe(delayMs);
  });

  it('counts 3xx as healthy and 5xx as a failed check', async () => {
    const { engine, verdicts, checks } = setUp(3, (nowMs) => (nowMs < 50_000 ? 302 : 503));
    await engine.runUntil(50_000 + (spec.failureThreshold + 1) * spec.intervalMs);
    expect(checks.find((c) => !c.ok)?.reason).toBe('status 503');
    expect(verdicts.map((v) => v.healthy)).toEqual([false]);
  });

  it('stops at once: no check and no verdict after stop()', async () => {
    const { engine, checker, verdicts, checks } = setUp(1, () => 'refused');
    await engine.runUntil(spec.intervalMs);
    checker.stop();
    const before = checks.length;
    await engine.runUntil(10 * spec.intervalMs);
    expect(checks).toHaveLength(before);
    expect(verdicts).toEqual([]);
  });

  it('stops by itself at stopAtMs: every checker checks only before it', async () => {
    const stopAtMs = 5 * spec.intervalMs;
    const engine = new Engine();
    const clock = new VirtualClock(engine);
    const checks: CheckResult[] = [];
    const checker = new Route53Checker({ spec, clock, rng: new SeededRng(4), transport: { open: () => attempt('ok') }, onVerdict: () => undefined, onCheck: (c) => checks.push(c), stopAtMs });
    checker.start();
    await engine.runUntil(20 * spec.intervalMs);
    expect(checks).toHaveLength(5 * CHECKERS);
    expect(Math.max(...checks.map((c) => c.startedAtMs))).toBeLessThan(stopAtMs);
  });

  it('refuses timeouts that do not fit in the interval', () => {
    const clock = new VirtualClock(new Engine());
    expect(
      () => new Route53Checker({ spec: { ...spec, intervalMs: 5_000 }, clock, rng: new SeededRng(1), transport: { open: () => attempt('ok') }, onVerdict: () => undefined }),
    ).toThrow(/must be shorter than the interval/);
  });
});
