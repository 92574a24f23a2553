import type { HistoryMetrics } from './history.js';

/** A run is a regression when a timing is worse than the median of earlier runs by more than this. */
export const DEFAULT_REGRESSION_THRESHOLD = 0.2;
/** Differences below this are noise whatever the ratio (a 0 ms switch becoming 300 ms is no regression). */
export const MIN_REGRESSION_DELTA_MS = 1_000;

/** The timings a trend follows, in display order. */
export const TREND_METRICS = [
  { name: 'rto', key: 'rtoMs' },
  { name: 'detection', key: 'detectionMs' },
  { name: 'switch', key: 'switchMs' },
] as const satisfies ReadonlyArray<{ name: string; key: keyof HistoryMetrics }>;

export type TrendMetricName = (typeof TREND_METRICS)[number]['name'];

/** One timing of this run that is worse than the earlier runs' median. */
export interface Regression {
  metric: TrendMetricName;
  /** This run's figure; null when it did not happen at all. */
  currentMs: number | null;
  medianMs: number;
  /** How much worse, as a fraction of the median (Infinity when the median is 0 or the figure is missing). */
  worseBy: number;
}

/** Median of the numbers; undefined when there are none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * RTO, detection and switch of `current` against the median of `previous` runs: a regression when
 * worse by more than `thresholdRatio` (0.2 = 20 %) and by at least `minDeltaMs`, or when it did not happen
 * while earlier runs had it.
 */
export function regressionsOf(
  current: HistoryMetrics,
  previous: readonly HistoryMetrics[],
  thresholdRatio = DEFAULT_REGRESSION_THRESHOLD,
  minDeltaMs = MIN_REGRESSION_DELTA_MS,
): Regression[] {
  const found: Regression[] = [];
  for (const { name, key } of TREND_METRICS) {
    const medianMs = median(previous.map((p) => p[key]).filter((v): v is number => v !== null));
    if (medianMs === undefined) continue;
    const currentMs = current[key];
    if (currentMs === null) {
      found.push({ metric: name, currentMs, medianMs, worseBy: Infinity });
      continue;
    }
    if (currentMs > medianMs * (1 + thresholdRatio) && currentMs - medianMs >= minDeltaMs) {
      found.push({ metric: name, currentMs, medianMs, worseBy: medianMs > 0 ? currentMs / medianMs - 1 : Infinity });
    }
  }
  return found;
}
