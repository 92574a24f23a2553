import { describe, expect, it } from 'vitest';
import type { HistoryMetrics } from './history.js';
import { median, regressionsOf } from './trend.js';

const run = (rtoMs: number | null, detectionMs: number | null = 10_000, switchMs: number | null = 1_000): HistoryMetrics => ({
  rtoMs,
  detectionMs,
  switchMs,
  failbackMs: null,
  downtimeMs: 0,
  errorCount: 0,
  requestCount: 100,
});

describe('trend', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });

  it('calls a run a regression only beyond the threshold over the median of earlier runs', () => {
    const previous = [run(20_000), run(22_000), run(60_000)];
    expect(regressionsOf(run(26_000), previous)).toEqual([]);
    const [r] = regressionsOf(run(30_000), previous);
    expect(r).toMatchObject({ metric: 'rto', currentMs: 30_000, medianMs: 22_000 });
    expect(r!.worseBy).toBeCloseTo(8 / 22);
    expect(regressionsOf(run(30_000), previous, 0.5)).toEqual([]);
  });

  it('ignores differences under a second, and flags a figure that stopped happening', () => {
    expect(regressionsOf(run(20_000, 10_000, 900), [run(20_000, 10_000, 0)])).toEqual([]);
    expect(regressionsOf(run(null), [run(20_000)])).toEqual([{ metric: 'rto', currentMs: null, medianMs: 20_000, worseBy: Infinity }]);
    expect(regressionsOf(run(50_000), [])).toEqual([]);
  });
});
