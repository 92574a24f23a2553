import type { SampleSeries } from './samples.js';
import { bucketOf, type Sums } from './series.js';

/** design.md §4's recovery rule: a window of `windowMs` whose success ratio reaches `successRatio`. */
export interface RecoveryRule {
  windowMs: number;
  successRatio: number;
}

/**
 * A period in which clients were down by the recovery rule. It starts in a bucket with errors from
 * which no recovered window begins, and ends in the bucket before the first one from which a
 * recovered window begins (a bucket with a success whose window reaches the ratio). Requests are
 * spread evenly over a bucket, so each edge is placed inside its bucket by the share of errors there
 * (an outage that began in a bucket with 30 % errors began 30 % of a bucket before its end): both
 * edges are then within one bucket of the truth, whatever the resolution. `endMs` null: never recovered.
 */
export interface DownInterval {
  startMs: number;
  endMs: number | null;
}

/** Whether a recovered window begins at bucket `b`. */
function recoveredAt(b: number, samples: SampleSeries, sums: Sums, windowBuckets: number, successRatio: number): boolean {
  if (samples.ok[b]! === 0) return false;
  const end = Math.min(samples.ok.length, b + windowBuckets);
  const ok = sums.ok[end]! - sums.ok[b]!;
  const err = sums.err[end]! - sums.err[b]!;
  return ok / (ok + err) >= successRatio;
}

/** Share of a bucket's requests that failed (1 for a bucket without requests: nobody got through). */
function errorShare(samples: SampleSeries, b: number): number {
  const total = samples.ok[b]! + samples.err[b]!;
  return total === 0 ? 1 : samples.err[b]! / total;
}

/** Every outage of the run by the recovery rule, in time order. */
export function downIntervals(samples: SampleSeries, sums: Sums, rule: RecoveryRule): DownInterval[] {
  const res = samples.resolutionMs;
  const windowBuckets = Math.max(1, Math.round(rule.windowMs / res));
  const intervals: DownInterval[] = [];
  let open: { first: number; startMs: number } | undefined;
  for (let b = 0; b < samples.ok.length; b++) {
    if (open) {
      if (recoveredAt(b, samples, sums, windowBuckets, rule.successRatio)) {
        const last = b - 1;
        const share = errorShare(samples, last) * res;
        const endMs = last === open.first ? open.startMs + share : last * res + share;
        intervals.push({ startMs: open.startMs, endMs });
        open = undefined;
      }
    } else if (samples.err[b]! > 0 && !recoveredAt(b, samples, sums, windowBuckets, rule.successRatio)) {
      open = { first: b, startMs: (b + 1) * res - errorShare(samples, b) * res };
    }
  }
  if (open) intervals.push({ startMs: open.startMs, endMs: null });
  return intervals;
}

/**
 * t_recovered of a fault injected at `injectedAtMs`: the end of the outage it was injected into, or of
 * the first one that begins before `untilMs` (where the next incident starts); never before the
 * injection. The injection itself when clients had no outage; null when the outage never ended.
 */
export function recoveredAtMs(
  intervals: readonly DownInterval[],
  samples: SampleSeries,
  injectedAtMs: number,
  untilMs: number,
): number | null {
  const fromMs = bucketOf(samples, injectedAtMs) * samples.resolutionMs;
  const outage = intervals.find((d) => (d.endMs === null || d.endMs > fromMs) && d.startMs < Math.max(untilMs, fromMs + 1));
  if (!outage) return injectedAtMs;
  return outage.endMs === null ? null : Math.max(injectedAtMs, outage.endMs);
}

/** Time below the recovery rule between `fromMs` and `toMs` (an open outage lasts to the end of the run). */
export function downtimeWithin(intervals: readonly DownInterval[], fromMs: number, toMs: number, durationMs: number): number {
  let total = 0;
  for (const d of intervals) {
    const start = Math.max(d.startMs, fromMs);
    const end = Math.min(d.endMs ?? durationMs, toMs, durationMs);
    if (end > start) total += end - start;
  }
  return total;
}

/** First to last bucket with an error among `buckets` (sorted), clamped to [fromMs, durationMs]. */
export function errorSpanOf(buckets: readonly number[], resolutionMs: number, fromMs: number, durationMs: number): number {
  if (buckets.length === 0) return 0;
  const start = Math.max(fromMs, buckets[0]! * resolutionMs);
  const end = Math.min(durationMs, (buckets.at(-1)! + 1) * resolutionMs);
  return Math.max(0, end - start);
}
