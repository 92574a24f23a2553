import type { ResourceHealth } from './health.js';
import type { ControllerConfig } from './types.js';

/** Flap damping of automatic failback, every field resolved (see {@link failbackDampingPolicy}). */
export interface FailbackDampingPolicy {
  /** First hold-down: how long the primary must have been healthy before an automatic failback. */
  failbackHoldMs: number;
  /** An automatic failover this soon after an automatic failback is a flap; none for this long resets the hold-down. */
  flapWindowMs: number;
  /** The hold-down never exceeds this, however often the group flaps. */
  maxFailbackHoldMs: number;
}

/**
 * Default flap window, 10 min: a DNS switch settles within about 2 min (TTL ≤ 60 s plus Route 53's
 * propagation "generally within 60 seconds", design.md §5), so a failover that follows a failback
 * within five such settling times means clients went through switches that had no time to pay off.
 * A primary that stays up that long after a failback is trusted again (the hold-down resets).
 */
export const DEFAULT_FLAP_WINDOW_MS = 600_000;

/**
 * Default cap of the hold-down, equal to the flap window: a primary held for a whole window has been
 * healthy for as long as our own reset rule calls quiet, so holding it longer would distrust a primary
 * the rule already forgives (RFC 2439's "maximum hold-down time" bounds suppression the same way).
 */
export const DEFAULT_MAX_FAILBACK_HOLD_MS = DEFAULT_FLAP_WINDOW_MS;

type DampingConfig = Pick<ControllerConfig, 'healthCheck' | 'failbackHoldMs' | 'flapWindowMs' | 'maxFailbackHoldMs'>;

/**
 * The damping policy of `config`, defaults in one place: `failbackHoldMs` = healthyThreshold ×
 * intervalMs (the time the health verdict itself takes: no hold beyond today's hysteresis until a
 * group flaps), `flapWindowMs` = {@link DEFAULT_FLAP_WINDOW_MS}, `maxFailbackHoldMs` = the larger of
 * {@link DEFAULT_MAX_FAILBACK_HOLD_MS} and the first hold. Throws RangeError on nonsense.
 */
export function failbackDampingPolicy(config: DampingConfig): FailbackDampingPolicy {
  const { healthyThreshold, intervalMs } = config.healthCheck;
  const failbackHoldMs = config.failbackHoldMs ?? healthyThreshold * intervalMs;
  const policy: FailbackDampingPolicy = {
    failbackHoldMs,
    flapWindowMs: config.flapWindowMs ?? DEFAULT_FLAP_WINDOW_MS,
    maxFailbackHoldMs: config.maxFailbackHoldMs ?? Math.max(DEFAULT_MAX_FAILBACK_HOLD_MS, failbackHoldMs),
  };
  for (const field of ['failbackHoldMs', 'flapWindowMs', 'maxFailbackHoldMs'] as const) {
    if (!(Number.isFinite(policy[field]) && policy[field] >= 0)) throw new RangeError(`${field} must be a finite number ≥ 0, got ${policy[field]}`);
  }
  if (policy.maxFailbackHoldMs < policy.failbackHoldMs)
    throw new RangeError(`maxFailbackHoldMs must be ≥ failbackHoldMs (${policy.failbackHoldMs}), got ${policy.maxFailbackHoldMs}`);
  return policy;
}

/** An automatic failback that has to wait. */
export interface FailbackHold {
  /** The hold-down in force: how long the primary must have been healthy. */
  holdMs: number;
  /** When the primary, if it stays healthy, will have been healthy for `holdMs`. */
  untilMs: number;
  /** Why the hold-down is longer than the first one: the flaps that doubled it. */
  reason: string;
}

/**
 * Flap damping of one failover group's automatic failback: a failback hold-down that doubles on
 * each flap, after BGP route flap damping (RFC 2439), simplified. RFC 2439 adds a penalty per flap,
 * suppresses the route while the penalty is above a limit, lets it decay with a half-life and never
 * suppresses longer than a maximum hold-down time. Here a flap doubles the hold-down (the penalty),
 * a quiet flap window resets it (the decay, as RFC 2439 forgets a route's history once its penalty
 * has decayed), and `maxFailbackHoldMs` caps it (the maximum hold-down time). With hold-down h and
 * no cap, the n-th failback of a flapping group waits at least h × 2^(n−1), so within a time T
 * there are at most log2(T/h + 1) failbacks.
 *
 * What counts as a flap: an automatic failover within `flapWindowMs` after an automatic failback,
 * and a primary that stops being healthy (degraded or unhealthy) while its failback is held. Only
 * automatic failovers arm the hold; a manual or planned failover, and any failback, disarm it. An
 * operator's failback is a decision, not a flap: it clears the flap window.
 *
 * The hold counts from the start of the primary's healthy streak: the health verdict comes after
 * `healthyThreshold` checks, one interval apart, so the streak began `verdictMs` before the verdict.
 */
export class FailbackDamping {
  #holdMs: number;
  /** On the secondary after an automatic failover: an automatic failback waits for the hold-down. */
  #armed = false;
  #lastFailbackMs?: number;
  /** The start of the primary's healthy streak; undefined while it is not healthy. */
  #healthySinceMs?: number;
  #flaps = 0;
  #lastFlap = '';
  /** The hold already announced: once per hold. */
  #announced?: string;

  /**
   * @param policy the group's damping policy
   * @param verdictMs how long the health verdict waits for successes: healthyThreshold × intervalMs
   */
  constructor(
    private readonly policy: FailbackDampingPolicy,
    private readonly verdictMs: number,
  ) {
    this.#holdMs = policy.failbackHoldMs;
  }

  /** The hold-down in force now. */
  get holdMs(): number {
    return this.#holdMs;
  }

  /** Flaps counted since the hold-down was last reset. */
  get flaps(): number {
    return this.#flaps;
  }

  /** A failover of the group completed at `nowMs`; `automatic` when the controller decided it alone. */
  failedOver(nowMs: number, automatic: boolean): void {
    this.#announced = undefined;
    this.#armed = automatic;
    if (!automatic) return;
    const sinceFailbackMs = this.#lastFailbackMs === undefined ? undefined : nowMs - this.#lastFailbackMs;
    if (sinceFailbackMs !== undefined && sinceFailbackMs < this.policy.flapWindowMs) {
      this.#flap(`failed over ${sinceFailbackMs} ms after a failback`);
    } else {
      this.#holdMs = this.policy.failbackHoldMs;
      this.#flaps = 0;
    }
  }

  /** A failback of the group completed at `nowMs`; `automatic` when the controller decided it alone. */
  failedBack(nowMs: number, automatic: boolean): void {
    this.#armed = false;
    this.#announced = undefined;
    this.#lastFailbackMs = automatic ? nowMs : undefined;
  }

  /** The primary's health changed to `health` at `nowMs`. */
  primaryHealth(health: ResourceHealth, nowMs: number): void {
    if (health === 'healthy') {
      this.#healthySinceMs = nowMs - this.verdictMs;
      return;
    }
    const held = this.#armed && this.#healthySinceMs !== undefined && nowMs < this.#healthySinceMs + this.#holdMs;
    this.#healthySinceMs = undefined;
    if (held) this.#flap(`primary ${health} during the hold-down`);
  }

  /**
   * Asked while the primary is healthy and the group is on the secondary: the hold on an automatic
   * failback at `nowMs`, or undefined when it may go now.
   */
  hold(nowMs: number): FailbackHold | undefined {
    if (!this.#armed || this.#healthySinceMs === undefined) return undefined;
    const untilMs = this.#healthySinceMs + this.#holdMs;
    if (nowMs >= untilMs) return undefined;
    const flaps = `${this.#flaps} flap${this.#flaps === 1 ? '' : 's'}`;
    const reason = this.#flaps === 0 ? 'the first hold-down after an automatic failover' : `${flaps} within ${this.policy.flapWindowMs} ms, last: ${this.#lastFlap}`;
    return { holdMs: this.#holdMs, untilMs, reason };
  }

  /** True the first time it is called for `hold`: a hold is announced once. */
  announce(hold: FailbackHold): boolean {
    const key = `${hold.holdMs}@${hold.untilMs}`;
    if (this.#announced === key) return false;
    this.#announced = key;
    return true;
  }

  #flap(why: string): void {
    this.#flaps++;
    this.#lastFlap = why;
    this.#holdMs = Math.min(this.#holdMs * 2, this.policy.maxFailbackHoldMs);
  }
}
