import { describe, expect, it } from 'vitest';
import { SeededRng } from '../random/seeded-rng.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, retryPolicy, type RetryPolicy } from './backoff.js';
import type { Rng } from './ports.js';

/** An Rng whose `next()` returns `u` every time. */
const fixed = (u: number): Rng => ({ next: () => u, int: (min) => min, fork: () => fixed(u) });

describe('backoffDelayMs', () => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseMs: 100, factor: 3, capMs: 2_000, jitter: 0.5 };

  it('grows by the factor from the base and stops at the cap (u = 0: no jitter drawn away)', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt, fixed(0)));
    // base × factor^(attempt − 1): 100, 300, 900, 2700 → cap 2000, 8100 → cap 2000
    expect(delays).toEqual([100, 300, 900, 2_000, 2_000]);
  });

  it('draws at most the jitter fraction away', () => {
    // u → 1: (1 − jitter × u) → 1 − 0.5
    expect(backoffDelayMs(policy, 2, fixed(0.999_999))).toBe(Math.round(300 * (1 - 0.5 * 0.999_999)));
    expect(backoffDelayMs(policy, 2, fixed(0.5))).toBe(Math.round(300 * (1 - 0.5 * 0.5)));
  });

  it('draws one number per delay from the injected Rng, so a seed repeats its delays', () => {
    const a = new SeededRng(7);
    const b = new SeededRng(7);
    const expected = [1, 2, 3].map((attempt) => Math.round(Math.min(policy.capMs, policy.baseMs * policy.factor ** (attempt - 1)) * (1 - policy.jitter * b.next())));
    expect([1, 2, 3].map((attempt) => backoffDelayMs(policy, attempt, a))).toEqual(expected);
  });

  it('stays inside [raw × (1 − jitter), raw] for any draw', () => {
    const rng = new SeededRng(3);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const rawMs = Math.min(policy.capMs, policy.baseMs * policy.factor ** (attempt - 1));
      const delayMs = backoffDelayMs(policy, attempt, rng);
      expect(delayMs).toBeGreaterThanOrEqual(Math.round(rawMs * (1 - policy.jitter)));
      expect(delayMs).toBeLessThanOrEqual(rawMs);
    }
  });
});

describe('retryPolicy', () => {
  it('fills missing fields from the defaults', () => {
    expect(retryPolicy({ jitter: 0 })).toEqual({ ...DEFAULT_RETRY_POLICY, jitter: 0 });
  });

  it.each<[Partial<RetryPolicy>, string]>([
    [{ factor: 0.5 }, 'retry.factor'],
    [{ baseMs: 10, capMs: 5 }, 'retry.capMs'],
    [{ jitter: 1.5 }, 'retry.jitter'],
    [{ stepAttempts: 0 }, 'retry.stepAttempts'],
    [{ stepAttempts: 1.5 }, 'retry.stepAttempts'],
    [{ baseMs: Number.NaN }, 'retry.baseMs'],
  ])('rejects %j naming the field', (policy, field) => {
    expect(() => retryPolicy(policy)).toThrow(field);
  });
});
