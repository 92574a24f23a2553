import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAP_WINDOW_MS, DEFAULT_MAX_FAILBACK_HOLD_MS, FailbackDamping, failbackDampingPolicy } from './failback-damping.js';

const HEALTH = { intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3, path: '/health' };
/** What the health verdict itself waits: healthyThreshold × intervalMs. */
const VERDICT_MS = HEALTH.healthyThreshold * HEALTH.intervalMs;
const POLICY = { failbackHoldMs: VERDICT_MS, flapWindowMs: 60_000, maxFailbackHoldMs: 16_000 };

/**
 * One flap cycle on `damping`: an automatic failover at `atMs`, the primary healthy again
 * `healthyAfterMs` later; returns when the primary became healthy.
 */
function failOver(damping: FailbackDamping, atMs: number, healthyAfterMs = 5_000): number {
  damping.primaryHealth('degraded', atMs);
  damping.failedOver(atMs, true);
  damping.primaryHealth('healthy', atMs + healthyAfterMs);
  return atMs + healthyAfterMs;
}

describe('failbackDampingPolicy', () => {
  it('defaults the first hold to the health verdict (healthyThreshold × intervalMs) and the window and cap to 10 min', () => {
    expect(failbackDampingPolicy({ healthCheck: HEALTH })).toEqual({
      failbackHoldMs: VERDICT_MS,
      flapWindowMs: DEFAULT_FLAP_WINDOW_MS,
      maxFailbackHoldMs: DEFAULT_MAX_FAILBACK_HOLD_MS,
    });
    expect(DEFAULT_FLAP_WINDOW_MS).toBe(10 * 60_000);
  });

  it('raises the default cap to a first hold that is longer', () => {
    const failbackHoldMs = DEFAULT_MAX_FAILBACK_HOLD_MS * 2;
    expect(failbackDampingPolicy({ healthCheck: HEALTH, failbackHoldMs }).maxFailbackHoldMs).toBe(failbackHoldMs);
  });

  it('rejects negative, non-finite and inverted values, naming the field', () => {
    expect(() => failbackDampingPolicy({ healthCheck: HEALTH, flapWindowMs: -1 })).toThrow(/flapWindowMs/);
    expect(() => failbackDampingPolicy({ healthCheck: HEALTH, failbackHoldMs: Number.NaN })).toThrow(/failbackHoldMs/);
    expect(() => failbackDampingPolicy({ healthCheck: HEALTH, failbackHoldMs: 5_000, maxFailbackHoldMs: 4_000 })).toThrow(/maxFailbackHoldMs/);
  });
});

describe('FailbackDamping', () => {
  it('holds nothing beyond the health verdict until the group flaps', () => {
    const damping = new FailbackDamping(POLICY, VERDICT_MS);
    const healthyMs = failOver(damping, 10_000);
    expect(damping.hold(healthyMs)).toBeUndefined();
  });

  it('doubles the hold on each failover within the flap window after a failback, up to the cap', () => {
    const damping = new FailbackDamping(POLICY, VERDICT_MS);
    let atMs = 10_000;
    const holds: number[] = [];
    for (let flap = 0; flap < 6; flap++) {
      const healthyMs = failOver(damping, atMs);
      holds.push(damping.holdMs);
      // the hold counts from the start of the healthy streak: the verdict came VERDICT_MS after it
      const untilMs = healthyMs - VERDICT_MS + damping.holdMs;
      if (damping.holdMs > VERDICT_MS) expect(damping.hold(healthyMs)).toMatchObject({ holdMs: damping.holdMs, untilMs });
      expect(damping.hold(untilMs)).toBeUndefined();
      damping.failedBack(untilMs, true);
      atMs = untilMs + 1_000;
    }
    const expected = holds.map((_, i) => Math.min(POLICY.failbackHoldMs * 2 ** i, POLICY.maxFailbackHoldMs));
    expect(holds).toEqual(expected);
    expect(holds.at(-1)).toBe(POLICY.maxFailbackHoldMs);
  });

  it('resets the hold after a quiet flap window', () => {
    const damping = new FailbackDamping(POLICY, VERDICT_MS);
    failOver(damping, 10_000);
    damping.failedBack(20_000, true);
    failOver(damping, 20_000 + POLICY.flapWindowMs - 1);
    expect(damping.holdMs).toBe(POLICY.failbackHoldMs * 2);
    damping.failedBack(100_000, true);
    failOver(damping, 100_000 + POLICY.flapWindowMs);
    expect(damping.holdMs).toBe(POLICY.failbackHoldMs);
    expect(damping.flaps).toBe(0);
  });

  it('counts a primary that stops being healthy during the hold as a flap, and only then', () => {
    const damping = new FailbackDamping(POLICY, VERDICT_MS);
    failOver(damping, 10_000);
    damping.failedBack(20_000, true);
    const healthyMs = failOver(damping, 21_000);
    const holdMs = damping.holdMs;
    const untilMs = healthyMs - VERDICT_MS + holdMs;
    damping.primaryHealth('degraded', untilMs - 1);
    expect(damping.holdMs).toBe(holdMs * 2);
    expect(damping.hold(untilMs)).toBeUndefined(); // not healthy: no streak, nothing to hold
    damping.primaryHealth('healthy', untilMs + 5_000);
    expect(damping.hold(untilMs + 5_000)).toMatchObject({ holdMs: holdMs * 2, reason: expect.stringContaining('during the hold-down') });
    // after the hold ran out, a degraded primary is no flap of the hold
    damping.primaryHealth('degraded', untilMs + 5_000 - VERDICT_MS + holdMs * 2);
    expect(damping.holdMs).toBe(holdMs * 2);
  });

  it('holds only after an automatic failover; a manual failback clears the flap window', () => {
    const damping = new FailbackDamping({ ...POLICY, failbackHoldMs: 10_000 }, VERDICT_MS);
    damping.failedOver(10_000, false);
    damping.primaryHealth('healthy', 12_000);
    expect(damping.hold(12_000)).toBeUndefined();
    damping.failedBack(13_000, false);
    failOver(damping, 14_000);
    expect(damping.holdMs).toBe(10_000);
    expect(damping.hold(19_000)).toMatchObject({ reason: 'the first hold-down after an automatic failover' });
  });

  it('announces each hold once', () => {
    const damping = new FailbackDamping({ ...POLICY, failbackHoldMs: 10_000 }, VERDICT_MS);
    const healthyMs = failOver(damping, 10_000);
    const hold = damping.hold(healthyMs)!;
    expect(damping.announce(hold)).toBe(true);
    expect(damping.announce(damping.hold(healthyMs + 1_000)!)).toBe(false);
    damping.primaryHealth('degraded', healthyMs + 2_000);
    damping.primaryHealth('healthy', healthyMs + 4_000);
    expect(damping.announce(damping.hold(healthyMs + 4_000)!)).toBe(true);
  });
});
