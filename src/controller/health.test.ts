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

  it('recovers from degraded on a single success', () => {
    const tracker = new HealthTracker(thresholds, 'healthy');
    expect(feed(tracker, '-+')).toEqual(['degraded', 'healthy']);
  });

  it('needs the failures in a row: a success resets the streak', () => {
    const tracker = new HealthTracker(thresholds, 'healthy');
    expect(feed(tracker, '--+--')).toEqual(['degraded', undefined, 'healthy', 'degraded', undefined]);
    expect(tracker.health).toBe('degraded');
    expect(feed(tracker, '-')).toEqual(['unhealthy']);
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
