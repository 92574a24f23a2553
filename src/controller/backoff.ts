import type { Rng } from './ports.js';

/** How the controller retries a port call that failed. */
export interface RetryPolicy {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Each further retry waits this many times longer. */
  factor: number;
  /** No delay exceeds this, before jitter. */
  capMs: number;
  /** Fraction in [0, 1] of each delay drawn away at random: 0.2 waits between 80 % and 100 % of it. */
  jitter: number;
  /** A failover step gives up after this many failed attempts (the first call included). */
  stepAttempts: number;
  /** A failover step starts no retry that would begin later than this after its first attempt. */
  stepBudgetMs: number;
}

/**
 * Defaults: retries after about 1, 2, 4 s; a failover step tries 4 times within 30 s, so a step that
 * keeps failing ends its failover well inside seed 001's 60 s switch target.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 1_000,
  factor: 2,
  capMs: 30_000,
  jitter: 0.2,
  stepAttempts: 4,
  stepBudgetMs: 30_000,
};

/**
 * The delay before retry number `attempt` (1 after the first failure):
 * `round(min(capMs, baseMs × factor^(attempt − 1)) × (1 − jitter × u))`, u = `rng.next()` in [0, 1).
 * Draws exactly one number from `rng`, so a seeded run repeats its delays.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, rng: Rng): number {
  const rawMs = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(rawMs * (1 - policy.jitter * rng.next()));
}

/** `policy` with every missing field taken from {@link DEFAULT_RETRY_POLICY}; throws RangeError on nonsense. */
export function retryPolicy(policy: Partial<RetryPolicy> = {}): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY, ...policy };
  const bad = (field: keyof RetryPolicy, why: string) => new RangeError(`retry.${field} ${why}, got ${merged[field]}`);
  if (!(merged.baseMs >= 0)) throw bad('baseMs', 'must be ≥ 0');
  if (!(merged.factor >= 1)) throw bad('factor', 'must be ≥ 1');
  if (!(merged.capMs >= merged.baseMs)) throw bad('capMs', 'must be ≥ baseMs');
  if (!(merged.jitter >= 0 && merged.jitter <= 1)) throw bad('jitter', 'must be in [0, 1]');
  if (!(Number.isInteger(merged.stepAttempts) && merged.stepAttempts >= 1)) throw bad('stepAttempts', 'must be an integer ≥ 1');
  if (!(merged.stepBudgetMs >= 0)) throw bad('stepBudgetMs', 'must be ≥ 0');
  return merged;
}
