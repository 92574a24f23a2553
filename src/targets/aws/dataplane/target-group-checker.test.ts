import { describe, expect, it } from 'vitest';
import { defaults } from '../../../scenario/defaults.js';
import { SeededRng } from '../../../random/seeded-rng.js';
import { VirtualClock } from '../../../simulator/clock.js';
import { Engine } from '../../../simulator/engine.js';
import type { CheckAttempt } from './route53-checker.js';
import { TargetGroupChecker, type RegisteredTarget, type RoutableTarget, type TargetCheckResult, type TargetGroupCheckSpec, type TargetHealthVerdict } from './target-group-checker.js';

/** ALB's documented defaults (defaults.ts cites them): interval 30 s, timeout 5 s, healthy 5, unhealthy 2, deregistration delay 300 s. */
const spec: TargetGroupCheckSpec = {
  targetGroupId: 'tg-blue',
  intervalMs: defaults.targetGroup.intervalMs,
  timeoutMs: defaults.targetGroup.timeoutMs,
  healthyThreshold: defaults.targetGroup.healthyThreshold,
  unhealthyThreshold: defaults.targetGroup.unhealthyThreshold,
  path: defaults.targetGroup.path,
  deregistrationDelayMs: defaults.targetGroup.deregistrationDelayMs,
};

type Behaviour = 'ok' | 'refused' | 'silent' | number;

const never = <T>() => new Promise<T>(() => undefined);
function rejected<T>(reason: string): Promise<T> {
  const p = Promise.reject<T>(new Error(reason));
  p.catch(() => undefined);
  return p;
}

function attempt(behaviour: Behaviour): CheckAttempt {
  const abort = () => undefined;
  if (behaviour === 'refused') return { connected: rejected('refused'), response: rejected('refused'), abort };
  if (behaviour === 'silent') return { connected: Promise.resolve(), response: never(), abort };
  return { connected: Promise.resolve(), response: Promise.resolve(behaviour === 'ok' ? 200 : behaviour), abort };
}

/** Targets `i-<n>` whose servers behave as `behaviour(instanceId, nowMs)`; the registered list can be changed by the test. */
async function setUp(instances: string[], behaviour: (instanceId: string, nowMs: number) => Behaviour, options: { seed?: number; spec?: TargetGroupCheckSpec } = {}) {
  const engine = new Engine();
  const clock = new VirtualClock(engine);
  const registered: RegisteredTarget[] = instances.map((instanceId) => ({ instanceId, serverId: `web-${instanceId}` }));
  const verdicts: TargetHealthVerdict[] = [];
  const checks: TargetCheckResult[] = [];
  const routes: { before: string[]; after: string[]; atMs: number }[] = [];
  const urls: string[] = [];
  const checker = await TargetGroupChecker.start({
    spec: options.spec ?? spec,
    source: { registered: () => Promise.resolve([...registered]) },
    endpoints: { endpoint: (instanceId) => ({ url: `http://${instanceId}` }) },
    clock,
    rng: new SeededRng(options.seed ?? 1),
    pollIntervalMs: 10_000,
    lifetimeMs: 3_600_000,
    onVerdict: (v) => verdicts.push(v),
    onCheck: (c) => checks.push(c),
    transport: (url) => ({
      open: () => {
        urls.push(url);
        return attempt(behaviour(new URL(url).hostname, clock.nowMs()));
      },
    }),
  });
  checker.subscribe((before, after) => routes.push({ before: ids(before), after: ids(after), atMs: clock.nowMs() }));
  return { engine, clock, checker, registered, verdicts, checks, routes, urls };
}

const ids = (targets: readonly RoutableTarget[]) => targets.map((t) => t.serverId);

/** A target's first check at or after `fromMs`: its checks are at base + phase + k × interval. */
function firstCheckAtOrAfter(checker: TargetGroupChecker, instanceId: string, fromMs: number, intervalMs = spec.intervalMs): number {
  const { baseMs, phaseMs } = checker.schedule(instanceId)!;
  const firstMs = baseMs + phaseMs;
  return firstMs + Math.max(0, Math.ceil((fromMs - firstMs) / intervalMs)) * intervalMs;
}

describe('TargetGroupChecker on the virtual clock', () => {
  it('checks each target once per interval from its own seeded phase, at the group path, and stays healthy', async () => {
    const { engine, checker, verdicts, checks, urls } = await setUp(['i-1', 'i-2', 'i-3'], () => 'ok');
    await engine.runUntil(10 * spec.intervalMs);
    expect(verdicts).toEqual([]);
    expect(checks).toHaveLength(30);
    expect(new Set(urls)).toEqual(new Set(['http://i-1/health', 'http://i-2/health', 'http://i-3/health']));
    const phases = ['i-1', 'i-2', 'i-3'].map((id) => checker.schedule(id)!.phaseMs);
    expect(new Set(phases).size).toBeGreaterThan(1);
    for (const c of checks) expect((c.startedAtMs - checker.schedule(c.instanceId)!.phaseMs) % spec.intervalMs).toBe(0);
    expect(ids(checker.routable())).toEqual(['web-i-1', 'web-i-2', 'web-i-3']);
  });

  // ALB guide: a check fails when no answer comes within the timeout; a refused connection fails at once.
  it.each([
    ['refused', 0, 'refused'],
    ['silent', spec.timeoutMs, 'timeout'],
    [503, 0, 'status 503'],
  ] as const)('a target %s from 100 s: unhealthy at its unhealthyThreshold-th failed check, healthy again at the healthyThreshold-th passing one', async (behaviour, delayMs, reason) => {
    const failFromMs = 100_000;
    const backAtMs = 200_000;
    const { engine, checker, verdicts, checks } = await setUp(['i-1', 'i-2'], (id, nowMs) => (id === 'i-1' && nowMs >= failFromMs && nowMs < backAtMs ? behaviour : 'ok'));
    await engine.runUntil(400_000);

    const unhealthyAtMs = firstCheckAtOrAfter(checker, 'i-1', failFromMs) + (spec.unhealthyThreshold - 1) * spec.intervalMs + delayMs;
    const healthyAtMs = firstCheckAtOrAfter(checker, 'i-1', backAtMs) + (spec.healthyThreshold - 1) * spec.intervalMs;
    expect(unhealthyAtMs - failFromMs).toBeLessThan(spec.unhealthyThreshold * spec.intervalMs + delayMs);
    expect(verdicts).toEqual([
      { targetGroup: 'tg-blue', target: 'web-i-1', instanceId: 'i-1', health: 'unhealthy', previous: 'healthy', reason, atMs: unhealthyAtMs },
      { targetGroup: 'tg-blue', target: 'web-i-1', instanceId: 'i-1', health: 'healthy', previous: 'unhealthy', atMs: healthyAtMs },
    ]);
    for (const c of checks.filter((c) => !c.ok)) expect(c.endedAtMs - c.startedAtMs).toBe(delayMs);
  });

  it('counts only 200 as a pass (ALB default matcher), so a redirect fails', async () => {
    const { engine, verdicts } = await setUp(['i-1'], () => 302);
    await engine.runUntil(spec.unhealthyThreshold * spec.intervalMs);
    expect(verdicts.map((v) => [v.health, v.reason])).toEqual([['unhealthy', 'status 302']]);
  });

  it('routes to the healthy targets, and fails open to every unhealthy one when none is healthy', async () => {
    const { engine, checker, routes, verdicts } = await setUp(['i-1', 'i-2'], (id, nowMs) => (nowMs >= (id === 'i-1' ? 100_000 : 200_000) ? 'refused' : 'ok'));
    await engine.runUntil(400_000);
    expect(verdicts.map((v) => [v.target, v.health])).toEqual([
      ['web-i-1', 'unhealthy'],
      ['web-i-2', 'unhealthy'],
    ]);
    expect(routes).toEqual([
      { before: ['web-i-1', 'web-i-2'], after: ['web-i-2'], atMs: verdicts[0]!.atMs },
      { before: ['web-i-2'], after: ['web-i-1', 'web-i-2'], atMs: verdicts[1]!.atMs },
    ]);
    expect(ids(checker.routable())).toEqual(['web-i-1', 'web-i-2']);
  });

  it('a newly registered target is initial until healthyThreshold passes; a deregistered one drains for the deregistration delay, then is unused', async () => {
    const { engine, checker, registered, verdicts, routes } = await setUp(['i-1'], () => 'ok');
    registered.push({ instanceId: 'i-2', serverId: 'web-i-2' });
    await checker.refresh();
    const addedAtMs = 0;
    await engine.runUntil(10 * spec.intervalMs);
    const healthyAtMs = firstCheckAtOrAfter(checker, 'i-2', addedAtMs) + (spec.healthyThreshold - 1) * spec.intervalMs;
    expect(checker.schedule('i-2')!.baseMs).toBe(addedAtMs);

    registered.splice(0, 1);
    const removedAtMs = 10 * spec.intervalMs;
    await checker.refresh();
    expect(checker.health('i-1')).toBe('draining');
    await engine.runUntil(removedAtMs + spec.deregistrationDelayMs + 1);
    expect(verdicts.map((v) => [v.target, v.previous, v.health, v.atMs])).toEqual([
      ['web-i-2', 'unused', 'initial', addedAtMs],
      ['web-i-2', 'initial', 'healthy', healthyAtMs],
      ['web-i-1', 'healthy', 'draining', removedAtMs],
      ['web-i-1', 'draining', 'unused', removedAtMs + spec.deregistrationDelayMs],
    ]);
    expect(routes.map((r) => r.after)).toEqual([['web-i-1', 'web-i-2'], ['web-i-2']]);
    expect(checker.health('i-1')).toBeUndefined();
  });

  it('refuses a timeout that is not shorter than the interval, as ELBv2 does', async () => {
    await expect(setUp(['i-1'], () => 'ok', { spec: { ...spec, timeoutMs: spec.intervalMs } })).rejects.toThrow(/shorter than the interval/);
  });

  it('gives no check and no verdict after close()', async () => {
    const { engine, checker, checks, verdicts } = await setUp(['i-1'], () => 'refused');
    checker.close();
    await engine.runUntil(10 * spec.intervalMs);
    expect(checks).toEqual([]);
    expect(verdicts).toEqual([]);
  });
});
