/** Percentiles of one figure over the seeds of a sweep; `never` counts seeds where it did not happen. */
export interface Distribution {
  /** Seeds where the figure happened. */
  count: number;
  /** Seeds where it did not happen (null: not detected, no switch, never recovered). */
  never: number;
  minMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/**
 * Nearest-rank percentile of ascending `sorted` values: the smallest value with at least p % of the
 * values at or below it. Always one of the values, so percentiles of whole milliseconds stay whole.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p}: expected 0..100`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** p50, p95, p99 and max of the values that are not null; nulls are counted as `never`. */
export function distributionOf(values: readonly (number | null)[]): Distribution {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return {
    count: sorted.length,
    never: values.length - sorted.length,
    minMs: sorted[0] ?? null,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? null,
  };
}
