import type { SampleSeries } from './samples.js';

/** Prefix sums of a series: `ok[i]` = requests that succeeded in buckets [0, i). */
export interface Sums {
  ok: number[];
  err: number[];
}

export function prefixSums(samples: Pick<SampleSeries, 'ok' | 'err'>): Sums {
  const ok = [0];
  const err = [0];
  for (let i = 0; i < samples.ok.length; i++) {
    ok.push(ok[i]! + samples.ok[i]!);
    err.push(err[i]! + samples.err[i]!);
  }
  return { ok, err };
}

/** The bucket a moment falls in, within the series. */
export function bucketOf(samples: Pick<SampleSeries, 'resolutionMs' | 'ok'>, atMs: number): number {
  return Math.min(samples.ok.length, Math.max(0, Math.floor(atMs / samples.resolutionMs)));
}
