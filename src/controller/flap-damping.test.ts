import { describe, expect, it } from 'vitest';
import { EventLog } from '../measure/events.js';
import { SeededRng } from '../random/seeded-rng.js';
import { VirtualClock } from '../simulator/clock.js';
import { Engine } from '../simulator/engine.js';
import { DEFAULT_RETRY_POLICY } from './backoff.js';
import { FailoverController, type ControllerConfig } from './controller.js';
import type { FailoverMember, Notification } from './ports.js';

const HEALTH = { intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3, path: '/health' };
/** What the health verdict itself waits, and the default first hold-down: healthyThreshold × intervalMs. */
const VERDICT_MS = HEALTH.healthyThreshold * HEALTH.intervalMs;
const PROBE_MS = 10;
const GROUP = 'dns:app';
const RECORD = 'app.example.com';

/**
 * A controller on a virtual clock over one DNS failover record: endpoint `a` (primary) and `b`
 * (secondary) answer probes as `down` says at the moment each check starts.
 */
function world(overrides: Partial<ControllerConfig>, down: (endpoint: string, nowMs: number) => boolean) {
  const engine = new Engine();
  const clock = new VirtualClock(engine);
  const events = new EventLog(clock);
  const notifications: Notification[] = [];
  /** Every change of the record's answer. */
  const switches: Array<{ atMs: number; to: FailoverMember }> = [];
  let active: FailoverMember = 'primary';
  const config: ControllerConfig = {
    healthCheck: HEALTH,
    automaticFailover: true,
    failback: 'automatic',
    failoverOn: 'unhealthy',
    groups: [
      {
        id: GROUP,
        layer: 'dns',
        target: RECORD,
        members: { primary: { id: 'a', endpoints: ['a'] }, secondary: { id: 'b', endpoints: ['b'] } },
        mode: 'controller',
      },
    ],
    retry: { ...DEFAULT_RETRY_POLICY, jitter: 0 },
    ...overrides,
  };
  const controller = new FailoverController(config, {
    clock,
    rng: new SeededRng(1),
    events,
    notifier: { notify: (n) => void notifications.push(n) },
    probe: {
      probe: (endpoint) => {
        const ok = !down(endpoint, clock.nowMs());
        return new Promise((resolve) => engine.after(PROBE_MS, () => resolve(ok ? { ok, latencyMs: PROBE_MS } : { ok, latencyMs: PROBE_MS, reason: 'refused' })));
      },
    },
    dns: {
      setActive: async (_record, member) => {
        active = member;
        switches.push({ atMs: clock.nowMs(), to: member });
      },
      getActive: async () => active,
      drainMs: async () => 60_000,
    },
  });
  const of = (type: string) => events.events.filter((e) => e.component === 'controller' && e.type === type);
  return {
    engine,
    controller,
    switches,
    notifications,
    of,
    active: () => active,
    run: (untilMs: number) => engine.runUntil(untilMs),
    /** When the primary's resource health last became `health`. */
    primaryBecame: (health: string) => of('resource.health').filter((e) => e.detail.member === 'primary' && e.detail.health === health).at(-1)!.atMs,
    held: () => of('failback.held').map((e) => e.detail),
  };
}

/** Outages of the primary as [fromMs, toMs) intervals; checks starting inside one fail. */
const outages = (list: Array<[number, number]>) => (endpoint: string, nowMs: number) =>
  endpoint === 'a' && list.some(([fromMs, toMs]) => nowMs >= fromMs && nowMs < toMs);

describe('failback flap damping', () => {
  it('doubles the hold-down on each failover within the flap window after a failback, up to the cap', async () => {
    // each outage lasts 10 s, well past the unhealthy verdict (3 checks); the next starts 30 s after the last one ended
    const policy = { flapWindowMs: 120_000, maxFailbackHoldMs: 4 * VERDICT_MS };
    const list: Array<[number, number]> = [10_000, 50_000, 90_000, 130_000].map((fromMs) => [fromMs, fromMs + 10_000]);
    const w = world(policy, outages(list));
    w.controller.start();
    await w.run(170_000);
    const failovers = w.controller.failovers.filter((f) => f.status === 'completed');
    expect(failovers.map((f) => f.direction)).toEqual(['failover', 'failback', 'failover', 'failback', 'failover', 'failback', 'failover', 'failback']);
    const healthy = w.of('resource.health').filter((e) => e.detail.member === 'primary' && e.detail.health === 'healthy').map((e) => e.atMs);
    // the first verdict is the start of the run; then one per outage
    const recovered = healthy.slice(1);
    expect(recovered).toHaveLength(list.length);
    // hold-down per outage: the first is the verdict itself; each failover within the window doubles it, up to the cap
    const holds = list.map((_, i) => Math.min(VERDICT_MS * 2 ** i, policy.maxFailbackHoldMs));
    const failbacks = failovers.filter((f) => f.direction === 'failback');
    failbacks.forEach((failback, i) => {
      // the hold counts from the healthy streak's start, VERDICT_MS before its verdict
      expect(failback.startMs).toBe(recovered[i]! - VERDICT_MS + holds[i]!);
    });
    // one event per hold that made a failback wait, saying how long and until when
    expect(w.held()).toEqual(
      holds.slice(1).map((holdMs, i) => ({ group: GROUP, holdMs, untilMs: recovered[i + 1]! - VERDICT_MS + holdMs, reason: expect.stringContaining('after a failback') })),
    );
    expect(w.notifications.filter((n) => n.summary.includes('failback held'))).toHaveLength(holds.length - 1);
    expect(w.notifications.filter((n) => n.summary.includes('failback held')).every((n) => n.severity === 'info')).toBe(true);
  });

  it('resets the hold-down after a quiet flap window', async () => {
    const flapWindowMs = 30_000;
    const list: Array<[number, number]> = [[10_000, 20_000]];
    const w = world({ flapWindowMs }, outages(list));
    w.controller.start();
    await w.run(40_000);
    const firstFailback = w.controller.failovers.find((f) => f.direction === 'failback')!;
    // the next outage starts once a whole window passed without a failover: the hold is the first one again
    const nextFromMs = firstFailback.endMs! + flapWindowMs;
    list.push([nextFromMs, nextFromMs + 10_000]);
    await w.run(nextFromMs + 30_000);
    const failbacks = w.controller.failovers.filter((f) => f.direction === 'failback');
    expect(failbacks).toHaveLength(2);
    expect(failbacks[1]!.startMs).toBe(w.primaryBecame('healthy'));
    expect(w.held()).toEqual([]);
  });

  it('holds a failback that a second outage within the window follows, which the reset test does not', async () => {
    // the control of the reset test: the same outages, the second one start a millisecond earlier than a whole window
    const flapWindowMs = 30_000;
    const list: Array<[number, number]> = [[10_000, 20_000]];
    const w = world({ flapWindowMs }, outages(list));
    w.controller.start();
    await w.run(40_000);
    const firstFailback = w.controller.failovers.find((f) => f.direction === 'failback')!;
    // the failover completes within about unhealthyThreshold checks of the outage: start early enough that it lands inside the window
    const nextFromMs = firstFailback.endMs! + flapWindowMs - (HEALTH.unhealthyThreshold + 1) * HEALTH.intervalMs;
    list.push([nextFromMs, nextFromMs + 10_000]);
    await w.run(nextFromMs + 30_000);
    const failbacks = w.controller.failovers.filter((f) => f.direction === 'failback');
    expect(failbacks[1]!.startMs).toBe(w.primaryBecame('healthy') - VERDICT_MS + 2 * VERDICT_MS);
    expect(w.held()).toHaveLength(1);
  });

  it('does not hold a manual failback', async () => {
    const failbackHoldMs = 60_000;
    const w = world({ failbackHoldMs }, outages([[10_000, 20_000]]));
    w.controller.start();
    await w.run(30_000);
    // the primary is healthy again; the automatic failback waits for the hold-down
    const untilMs = w.primaryBecame('healthy') - VERDICT_MS + failbackHoldMs;
    expect(w.active()).toBe('secondary');
    expect(w.held()).toEqual([{ group: GROUP, holdMs: failbackHoldMs, untilMs, reason: 'the first hold-down after an automatic failover' }]);
    const event = await w.controller.manualFailback(GROUP);
    expect(event).toMatchObject({ type: 'manual', direction: 'failback', status: 'completed', startMs: 30_000 });
    expect(w.active()).toBe('primary');
    // the hold's wake-up finds the group on the primary: nothing more happens
    await w.run(untilMs + 10_000);
    expect(w.switches.map((s) => s.to)).toEqual(['secondary', 'primary']);
  });

  it('does not hold a failback away from a secondary that fails', async () => {
    const failbackHoldMs = 60_000;
    const secondaryDownMs = 30_000;
    const w = world({ failbackHoldMs }, (endpoint, nowMs) =>
      endpoint === 'a' ? nowMs >= 10_000 && nowMs < 20_000 : endpoint === 'b' && nowMs >= secondaryDownMs,
    );
    w.controller.start();
    await w.run(secondaryDownMs + (HEALTH.unhealthyThreshold + 1) * HEALTH.intervalMs);
    const secondaryUnhealthyMs = w.of('resource.health').find((e) => e.detail.member === 'secondary' && e.detail.health === 'unhealthy')!.atMs;
    // still inside the hold (it ends 60 s after the primary's streak began, about 20 s)
    expect(secondaryUnhealthyMs).toBeLessThan(w.primaryBecame('healthy') - VERDICT_MS + failbackHoldMs);
    expect(w.switches.map((s) => [s.atMs, s.to])).toEqual([
      [w.switches[0]!.atMs, 'secondary'],
      [secondaryUnhealthyMs, 'primary'],
    ]);
  });

  it('never fails back while the primary stays degraded, and counts degraded → healthy → degraded within the hold as a flap', async () => {
    // failoverOn: degraded; one failed check degrades the primary and fails the group over
    const failbackHoldMs = 10_000;
    const list: Array<[number, number]> = [[10_000, 10_000 + HEALTH.intervalMs]];
    const w = world({ failoverOn: 'degraded', failbackHoldMs }, outages(list));
    w.controller.start();
    await w.run(12_000);
    expect(w.active()).toBe('secondary');
    // every second check fails: never healthyThreshold successes in a row, never healthy
    const flickerFromMs = 12_000;
    const flickerToMs = 60_000;
    for (let t = flickerFromMs; t < flickerToMs; t += 2 * HEALTH.intervalMs) list.push([t, t + HEALTH.intervalMs]);
    await w.run(flickerToMs);
    expect(w.active()).toBe('secondary');
    expect(w.switches).toHaveLength(1);
    // checks after the last failed one succeed: the verdict lands by then + VERDICT_MS + the probe's answer time
    const lastFailedMs = list.at(-1)![1];
    await w.run(lastFailedMs + VERDICT_MS + PROBE_MS + 1);
    // healthy now: the first hold applies; one failed check inside it is a flap and doubles it
    const firstHealthyMs = w.primaryBecame('healthy');
    expect(firstHealthyMs).toBeGreaterThan(lastFailedMs);
    expect(w.held()).toEqual([expect.objectContaining({ holdMs: failbackHoldMs, untilMs: firstHealthyMs - VERDICT_MS + failbackHoldMs })]);
    // two intervals on: later than where the run stands, well inside the hold
    const blipMs = firstHealthyMs + 2 * HEALTH.intervalMs;
    list.push([blipMs, blipMs + HEALTH.intervalMs]);
    await w.run(blipMs + 2 * failbackHoldMs + 10_000);
    const healthyAgainMs = w.primaryBecame('healthy');
    expect(healthyAgainMs).toBeGreaterThan(blipMs);
    expect(w.held()).toEqual([
      expect.objectContaining({ holdMs: failbackHoldMs }),
      expect.objectContaining({ holdMs: 2 * failbackHoldMs, untilMs: healthyAgainMs - VERDICT_MS + 2 * failbackHoldMs, reason: expect.stringContaining('primary degraded during the hold-down') }),
    ]);
    expect(w.switches.map((s) => [s.atMs, s.to])).toEqual([
      [w.switches[0]!.atMs, 'secondary'],
      [healthyAgainMs - VERDICT_MS + 2 * failbackHoldMs, 'primary'],
    ]);
  });
});

describe('a lossy primary does not make the record flap', () => {
  /** dns-failover.yaml's controller health check (scenarios/dns-failover.yaml): 5 s interval, thresholds 3 and 3. */
  const LOSSY_HEALTH = { intervalMs: 5_000, timeoutMs: 2_000, healthyThreshold: 3, unhealthyThreshold: 3, path: '/health' };
  const LOSS = 0.3;
  const DURATION_MS = 8 * 60_000;
  const holdMs = LOSSY_HEALTH.healthyThreshold * LOSSY_HEALTH.intervalMs;

  /**
   * The most failbacks that fit in `durationMs` when the n-th waits at least min(h × 2^(n−1), cap)
   * after the failover before it (each failover follows the failback before it within the flap
   * window, so the hold-down doubles): the largest n with Σ min(h × 2^(i−1), cap) ≤ durationMs.
   * Without a cap that is ⌊log2(durationMs / h + 1)⌋.
   */
  function maxFailbacks(durationMs: number, firstHoldMs: number, capMs: number): number {
    let n = 0;
    let spentMs = 0;
    while (spentMs + Math.min(firstHoldMs * 2 ** n, capMs) <= durationMs) spentMs += Math.min(firstHoldMs * 2 ** n++, capMs);
    return n;
  }

  async function lossyRun(seed: number, overrides: Partial<ControllerConfig> = {}) {
    const loss = new SeededRng(seed).fork('packet-loss');
    const w = world({ healthCheck: LOSSY_HEALTH, failoverOn: 'degraded', ...overrides }, (endpoint) => endpoint === 'a' && loss.next() < LOSS);
    w.controller.start();
    await w.run(DURATION_MS);
    return w;
  }

  // the flap window (default 10 min) outlasts the run, so every failover after the first doubles the hold-down
  const failbacks = maxFailbacks(DURATION_MS, holdMs, 10 * 60_000);
  // each failback follows a failover, and one more failover may end the run
  const maxSwitches = 2 * failbacks + 1;

  it('derives the bound: hold-down 15 s, 8 minutes, at most 5 failbacks and 11 switches', () => {
    expect(failbacks).toBe(Math.floor(Math.log2(DURATION_MS / holdMs + 1)));
    expect([failbacks, maxSwitches]).toEqual([5, 11]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: 30 %% loss over 8 virtual minutes switches the record at most 2 × ⌊log2(T/h + 1)⌋ + 1 times', async (seed) => {
    const w = await lossyRun(seed);
    expect(w.switches.length).toBeGreaterThan(0);
    expect(w.switches.length).toBeLessThanOrEqual(maxSwitches);
    expect(w.switches.filter((s) => s.to === 'primary').length).toBeLessThanOrEqual(failbacks);
  });

  it('without damping the same world flaps beyond that bound (the check can fail)', async () => {
    // with hold-down 0 a failback goes at the verdict. One cycle: 3 successes in a row take
    // (1/0.7³ − 1)/0.3 ≈ 6.4 checks on average, the next failed check ≈ 1/0.3 ≈ 3.3 more: ≈ 9.7
    // checks, 48 s, so 8 minutes hold about 10 cycles, 20 switches, nearly twice the bound.
    const w = await lossyRun(1, { failbackHoldMs: 0 });
    expect(w.switches.length).toBeGreaterThan(maxSwitches);
    expect(w.held()).toEqual([]);
  });
});
