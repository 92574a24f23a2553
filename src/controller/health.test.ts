import { describe, expect, it } from 'vitest';
import { aggregateHealth, HealthTracker, type ResourceHealth } from './health.js';

/** Feeds results and returns what `record` reported for each (undefined: no change). */
function feed(tracker: HealthTracker, results: string): Array<ResourceHealth | undefined> {
  return [...results].map((r) => tracker.record(r === '+'));
}

describe('HealthTracker', () => {
  const thresholds = { healthyThreshold: 2, unhealthyThreshold: 3 };

  it('stays unknown until a threshold is met', () => {
    const tracker = new HealthTracker(thresholds);
    expect(tracker.health).toBe('unknown');
    expect(feed(tracker, '+')).toEqual([undefined]);
    expect(tracker.health).toBe('unknown');
    expect(feed(tracker, '+')).toEqual(['healthy']);
  });

  it('goes unknown to unhealthy after the failure threshold, without passing through degraded', () => {
    const tracker = new HealthTracker(thresholds);
    expect(feed(tracker, '---')).toEqual([undefined, undefined, 'unhealthy']);
  });

  it('walks healthy, degraded, unhealthy and back to healthy', () => {
    const tracker = new HealthTracker(thresholds, 'healthy');
    expect(feed(tracker, '---')).toEqual(['degraded', undefined, 'unhealthy']);
    expect(feed(tracker, '+')).toEqual([undefined]);
    expect(tracker.health).toBe('unhealthy');
    expect(feed(tracker, '+')).toEqual(['healthy']);
  });

  it('leaves degraded only after healthyThreshold successes in a row', () => {
    const tracker = new HealthTracker(thresholds, 'healthy');
    const successes = '+'.repeat(thresholds.healthyThreshold);
    const reported = feed(tracker, `-${successes}`);
    expect(reported[0]).toBe('degraded');
    // the first healthyThreshold − 1 successes change nothing; the healthyThreshold-th one does
    expect(reported.slice(1)).toEqual([...Array<undefined>(thresholds.healthyThreshold - 1).fill(undefined), 'healthy']);
  });

  it('needs the failures in a row: a success resets the streak', () => {
    const tracker = new HealthTracker(thresholds, 'healthy');
    // unhealthyThreshold − 1 failures, a success, unhealthyThreshold − 1 failures: never unhealthy
    expect(feed(tracker, '--+--')).toEqual(['degraded', undefined, undefined, undefined, undefined]);
    expect(tracker.health).toBe('degraded');
    expect(feed(tracker, '-')).toEqual(['unhealthy']);
  });

  it('does not flap on a lossy endpoint: success runs shorter than healthyThreshold keep it degraded', () => {
    // Each round: healthyThreshold − 1 successes then one failure — the worst case for flapping, as
    // with 30 % packet loss. Before hysteresis every success flipped degraded → healthy and every
    // failure flipped it back: 2 changes a round. Now it changes once (healthy → degraded) and stays.
    const rounds = 20;
    const round = `${'+'.repeat(thresholds.healthyThreshold - 1)}-`;
    const tracker = new HealthTracker(thresholds, 'healthy');
    const changes = feed(tracker, round.repeat(rounds)).filter((c) => c !== undefined);
    expect(changes).toEqual(['degraded']);
    // a failure run shorter than unhealthyThreshold never makes it unhealthy either
    expect(tracker.health).toBe('degraded');
    // healthyThreshold successes in a row end it
    expect(feed(tracker, '+'.repeat(thresholds.healthyThreshold)).at(-1)).toBe('healthy');
  });

  it('needs the successes in a row to leave unhealthy', () => {
    const tracker = new HealthTracker(thresholds, 'unhealthy');
    expect(feed(tracker, '+-+')).toEqual([undefined, undefined, undefined]);
    expect(feed(tracker, '+')).toEqual(['healthy']);
  });

  it('with an unhealthy threshold of 1 skips degraded', () => {
    const tracker = new HealthTracker({ healthyThreshold: 1, unhealthyThreshold: 1 }, 'healthy');
    expect(feed(tracker, '-+')).toEqual(['unhealthy', 'healthy']);
  });
});

describe('aggregateHealth', () => {
  it.each<[ResourceHealth[], ResourceHealth]>([
    [[], 'unknown'],
    [['healthy'], 'healthy'],
    [['healthy', 'healthy'], 'healthy'],
    [['unhealthy', 'unhealthy'], 'unhealthy'],
    [['healthy', 'unhealthy'], 'degraded'],
    [['degraded'], 'degraded'],
    [['degraded', 'unhealthy'], 'degraded'],
    [['healthy', 'unknown'], 'degraded'],
    [['unknown', 'unhealthy'], 'unhealthy'],
    [['unknown', 'unknown'], 'unknown'],
  ])('%j is %s', (endpoints, expected) => {
    expect(aggregateHealth(endpoints)).toBe(expected);
  });
});
