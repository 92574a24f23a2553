/** Consecutive outcomes of one target's checks. */
export interface CheckStreak {
  successes: number;
  failures: number;
}

/** The health a threshold rule decides between (`initial`: registered, not yet judged); any other state (draining, unused) it leaves alone. */
export type ThresholdHealth = 'initial' | 'healthy' | 'unhealthy';

export interface HealthThresholds {
  /** Consecutive successes before an unhealthy or initial target is healthy. */
  healthyThreshold: number;
  /** Consecutive failures before a healthy or initial target is unhealthy. */
  unhealthyThreshold: number;
}

/**
 * Counts one check into `streak` (a success ends the failures and the other way round) and returns the
 * health the target moves to, or undefined when it stays: ELB's rule (ALB user guide, "Health checks
 * for your target groups": HealthyThresholdCount / UnhealthyThresholdCount consecutive checks), used
 * by the simulator's target groups and faildrill's checker on the aws target alike.
 */
export function countCheck(streak: CheckStreak, health: string, ok: boolean, thresholds: HealthThresholds): Exclude<ThresholdHealth, 'initial'> | undefined {
  if (ok) {
    streak.successes++;
    streak.failures = 0;
    return (health === 'unhealthy' || health === 'initial') && streak.successes >= thresholds.healthyThreshold ? 'healthy' : undefined;
  }
  streak.failures++;
  streak.successes = 0;
  return (health === 'healthy' || health === 'initial') && streak.failures >= thresholds.unhealthyThreshold ? 'unhealthy' : undefined;
}
