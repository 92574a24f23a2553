import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { parseLimit } from '../../scenario/limit.js';
import { AlarmCondition } from './alarm.js';
import type { LoadTotals, StopCondition } from './condition.js';
import { DowntimeCondition } from './downtime.js';
import { ErrorRateCondition } from './error-rate.js';
import { ProbeFailingCondition } from './probe-failing.js';
import { abortProblems, stopConditionsOf } from './registry.js';
import { STOP_CHECK_MS } from './stop-watch.js';

/**
 * A load of `ratePerSec` whose every request fails from `failFromMs` on, as the runner's checks see it:
 * cumulative totals at each check (every STOP_CHECK_MS of run time).
 */
function totalsAt(atMs: number, ratePerSec: number, failFromMs: number): LoadTotals {
  const total = (atMs * ratePerSec) / 1000;
  const ok = (Math.min(atMs, failFromMs) * ratePerSec) / 1000;
  return { atMs, ok, total };
}

/** Feeds checks until the condition trips; the run time it tripped at. */
function tripTime(condition: StopCondition, ratePerSec: number, failFromMs: number, untilMs = 120_000): number | undefined {
  for (let t = STOP_CHECK_MS; t <= untilMs; t += STOP_CHECK_MS) if (condition.check!(totalsAt(t, ratePerSec, failFromMs))) return t;
  return undefined;
}

/** The first check strictly after `ms`. */
const firstCheckAfter = (ms: number) => (Math.floor(ms / STOP_CHECK_MS) + 1) * STOP_CHECK_MS;

const limit = (text: string, unit: 'ms' | 'ratio') => parseLimit(text, unit)!;

describe('stop conditions', () => {
  it('errorRate trips at the first check whose window holds more than the limit of failures', () => {
    // every request fails from 10 s: over a 5 s window the failed share is (t − 10 s) / 5 s, above 50 % after 12.5 s
    const windowMs = 5_000;
    const trip = tripTime(new ErrorRateCondition(limit('> 50%', 'ratio'), windowMs), 100, 10_000);
    expect(trip).toBe(firstCheckAfter(10_000 + 0.5 * windowMs));
  });

  it('errorRate waits for a whole window, and a window without requests never trips', () => {
    const condition = new ErrorRateCondition(limit('>= 10%', 'ratio'), 5_000);
    // everything fails from the start: the first verdict comes once 5 s have passed
    expect(tripTime(condition, 100, 0)).toBe(5_000);
    const idle = new ErrorRateCondition(limit('> 0%', 'ratio'), 1_000);
    for (let t = STOP_CHECK_MS; t <= 10_000; t += STOP_CHECK_MS) expect(idle.check({ atMs: t, ok: 0, total: 0 })).toBeUndefined();
  });

  it('downtime adds up the checks whose recovery window is below the success ratio', () => {
    // recovery window 2 s, success ratio 0.9: from 10 s the window's success is 1 − (t − 10 s) / 2 s, below 0.9 after 10.2 s;
    // each check from then adds STOP_CHECK_MS, so downtime > 1 s after 1 s / STOP_CHECK_MS + 1 such checks
    const condition = new DowntimeCondition(limit('> 1s', 'ms'), { windowMs: 2_000, successRatio: 0.9 });
    const firstDown = firstCheckAfter(10_000 + 0.1 * 2_000);
    expect(tripTime(condition, 100, 10_000)).toBe(firstDown + (1_000 / STOP_CHECK_MS) * STOP_CHECK_MS);
  });

  it('probeFailing trips once every request has failed for longer than the limit', () => {
    // the last check at which a request had succeeded is at 10 s (requests sent just before it): > 3 s of failures after 13 s
    const trip = tripTime(new ProbeFailingCondition(limit('> 3s', 'ms')), 50, 10_000);
    expect(trip).toBe(firstCheckAfter(10_000 + 3_000));
  });

  it('probeFailing starts over at every success, and says nothing while no request is sent', () => {
    const condition = new ProbeFailingCondition(limit('> 1s', 'ms'));
    expect(condition.check({ atMs: 250, ok: 0, total: 0 })).toBeUndefined();
    expect(condition.check({ atMs: 900, ok: 0, total: 10 })).toBeUndefined();
    expect(condition.check({ atMs: 1_000, ok: 1, total: 20 })).toBeUndefined();
    expect(condition.check({ atMs: 2_000, ok: 1, total: 40 })).toBeUndefined();
    expect(condition.check({ atMs: 2_250, ok: 1, total: 45 })).toMatchObject({ condition: 'probeFailing', actual: '1.3s' });
  });

  it('alarms trips on a watched alarm in ALARM, named or by ARN, and on nothing else', () => {
    const condition = new AlarmCondition(['arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx', 'latency-p99']);
    const alarm = (name: string, state: string) => ({ atMs: 1, component: 'cloudwatch', type: 'alarm', detail: { alarm: name, state, reason: 'Threshold Crossed' } });
    expect(condition.observe(alarm('checkout-5xx', 'OK'))).toBeUndefined();
    expect(condition.observe(alarm('other', 'ALARM'))).toBeUndefined();
    expect(condition.observe({ ...alarm('latency-p99', 'ALARM'), component: 'route53' })).toBeUndefined();
    expect(condition.observe(alarm('checkout-5xx', 'ALARM'))).toMatchObject({ condition: 'alarms', actual: 'ALARM', limit: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx in ALARM' });
  });
});

const withAbort = (abort: string) =>
  parseScenario(
    `name: s\nduration: 1m\nsetup:\n  servers: [{ id: web }]\nfaults:\n  - { id: f, at: 10s, action: service-stop, target: web }\nabort: ${abort}\n`,
    's.yaml',
  );

describe('abort: in the scenario', () => {
  it('builds one condition per key from the registry, with the window and recovery settings of the scenario', () => {
    const { scenario } = withAbort('{ errorRate: "> 50%", window: 5s, downtime: "> 30s", probeFailing: "> 10s" }');
    expect(scenario.abort).toMatchObject({ windowMs: 5_000, alarms: [] });
    expect(stopConditionsOf(scenario).map((c) => c.name)).toEqual(['errorRate', 'downtime', 'probeFailing']);
    expect(abortProblems('sim', scenario)).toEqual([]);
  });

  it('refuses alarms on targets without CloudWatch, naming the field', () => {
    const { scenario } = withAbort('{ alarms: [checkout-5xx] }');
    expect(abortProblems('aws', scenario)).toEqual([]);
    expect(abortProblems('host', scenario)).toEqual([{ path: ['abort', 'alarms'], message: expect.stringContaining('not available on the host target') }]);
  });

  it.each([
    ['{ errorRate: "< 50%" }', 'abort.errorRate', 'trips above its limit'],
    ['{ errorRate: "50%" }', 'abort.errorRate', 'trips above its limit'],
    ['{ downtime: "> 5%" }', 'abort.downtime', 'expected a limit such as "> 60s"'],
    ['{ window: 5s }', 'abort.window', 'window applies to errorRate'],
    ['{}', 'abort', 'at least one stop condition'],
    ['{ errorRate: "> 5%", window: 10ms }', 'abort.window', 'between 250ms and 1h'],
  ])('refuses abort: %s at %s', (abort, path, message) => {
    expect(() => withAbort(abort)).toThrow(new RegExp(`s\\.yaml:\\d+:\\d+: ${path.replace('.', '\\.')}: .*${message.replace(/[()]/g, '\\$&')}`));
  });
});
