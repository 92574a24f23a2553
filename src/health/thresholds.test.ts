import { describe, expect, it } from 'vitest';
import { countCheck, type ThresholdHealth } from './thresholds.js';

/** Feeds `outcomes` one by one; the health after each. */
function run(outcomes: boolean[], start: ThresholdHealth, healthyThreshold: number, unhealthyThreshold: number): ThresholdHealth[] {
  const streak = { successes: 0, failures: 0 };
  let health = start;
  return outcomes.map((ok) => (health = countCheck(streak, health, ok, { healthyThreshold, unhealthyThreshold }) ?? health));
}

describe('countCheck (ALB user guide: consecutive checks against HealthyThresholdCount / UnhealthyThresholdCount)', () => {
  it('turns a healthy target unhealthy at the unhealthyThreshold-th failure in a row, not before', () => {
    expect(run([false, false], 'healthy', 5, 2)).toEqual(['healthy', 'unhealthy']);
    // a success between failures starts the count again
    expect(run([false, true, false, false], 'healthy', 5, 2)).toEqual(['healthy', 'healthy', 'healthy', 'unhealthy']);
  });

  it('turns an unhealthy or initial target healthy at the healthyThreshold-th success in a row', () => {
    expect(run([true, true, true], 'unhealthy', 3, 2)).toEqual(['unhealthy', 'unhealthy', 'healthy']);
    expect(run([true, false, true, true, true], 'initial', 3, 2)).toEqual(['initial', 'initial', 'initial', 'initial', 'healthy']);
    expect(run([false, false], 'initial', 3, 2)).toEqual(['initial', 'unhealthy']);
  });

  it('leaves a draining target alone, whatever its checks say', () => {
    const streak = { successes: 0, failures: 0 };
    for (const ok of [true, true, false, false, false]) expect(countCheck(streak, 'draining', ok, { healthyThreshold: 2, unhealthyThreshold: 2 })).toBeUndefined();
  });
});
