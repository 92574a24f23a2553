/** Health of an endpoint or resource as the controller sees it. */
export type ResourceHealth = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

/** Thresholds of one health check, as in ELB and seed 000's `HealthCheck`. */
export interface HealthThresholds {
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/**
 * Consecutive-result counting for one endpoint: `unknown` until a threshold is first met,
 * `unhealthy` after `unhealthyThreshold` failures in a row, `healthy` after `healthyThreshold`
 * successes in a row. A failure streak shorter than the threshold on a healthy endpoint is `degraded`,
 * and a degraded endpoint, like an unhealthy one, is `healthy` again only after `healthyThreshold`
 * successes in a row (hysteresis: a lossy endpoint stays degraded instead of flapping).
 */
export class HealthTracker {
  #health: ResourceHealth = 'unknown';
  #successes = 0;
  #failures = 0;

  constructor(
    private readonly thresholds: HealthThresholds,
    initial: ResourceHealth = 'unknown',
  ) {
    this.#health = initial;
  }

  get health(): ResourceHealth {
    return this.#health;
  }

  /** Records one check result; returns the new health when it changed, else undefined. */
  record(ok: boolean): ResourceHealth | undefined {
    if (ok) {
      this.#successes++;
      this.#failures = 0;
    } else {
      this.#failures++;
      this.#successes = 0;
    }
    const next = this.#next(ok);
    if (next === this.#health) return undefined;
    this.#health = next;
    return next;
  }

  #next(ok: boolean): ResourceHealth {
    const { healthyThreshold, unhealthyThreshold } = this.thresholds;
    if (ok) return this.#successes >= healthyThreshold ? 'healthy' : this.#health;
    if (this.#failures >= unhealthyThreshold) return 'unhealthy';
    return this.#health === 'healthy' || this.#health === 'degraded' ? 'degraded' : this.#health;
  }
}

/** Health of a resource made of several endpoints (a target group, a record's endpoint). */
export function aggregateHealth(endpoints: readonly ResourceHealth[]): ResourceHealth {
  if (endpoints.length === 0) return 'unknown';
  if (endpoints.every((h) => h === 'healthy')) return 'healthy';
  if (endpoints.every((h) => h === 'unhealthy')) return 'unhealthy';
  if (endpoints.some((h) => h === 'healthy' || h === 'degraded')) return 'degraded';
  return endpoints.some((h) => h === 'unhealthy') ? 'unhealthy' : 'unknown';
}
