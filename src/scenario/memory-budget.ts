import { durationText } from './duration.js';

/**
 * Memory a run's client samples may take, and what one sample bucket costs.
 *
 * Every target records client outcomes in a SampleRecorder (src/measure/samples.ts) with one bucket
 * per resolution step over the whole run: per bucket an ok and an error count, a latency histogram
 * (a Map) and p50/p99 slots, plus an ok and an error count per server that answered (or an entry
 * that answered for none). Everything else a run holds is bounded by the scenario's size, so the
 * number of buckets — duration / resolution — is what can outgrow memory (168h at 10ms is 60 million).
 *
 * Measured with `node --max-old-space-size` (the smallest heap that finishes, test/sim/memory.test.ts
 * keeps the bound honest): about 180 bytes per bucket plus 16 per server, at ~50 MiB of baseline.
 * The figures below carry a third more, for the garbage collector's headroom.
 */
export const SAMPLE_MEMORY = {
  /** The heap the samples of one run may take. A run needs this plus {@link SAMPLE_MEMORY.baselineMiB}. */
  budgetMiB: 512,
  /** Heap a run needs besides its samples (modules, scenario, controller, events): measured ~50 MiB. */
  baselineMiB: 64,
  bytesPerBucket: 240,
  bytesPerBucketPerServer: 24,
} as const;

/** The shape of a scenario the bound depends on. */
export interface SampleShape {
  durationMs: number;
  /** Servers in setup, plus instances an autoscaling group may launch. */
  servers: number;
}

/** Keys a recorder may count under besides the servers: the entries that answer for nobody (DNS record, load balancer, VIP). */
const ENTRY_KEYS = 3;

export function bytesPerBucket(servers: number): number {
  return SAMPLE_MEMORY.bytesPerBucket + SAMPLE_MEMORY.bytesPerBucketPerServer * (servers + ENTRY_KEYS);
}

/** Most sample buckets a run of `servers` servers may have within the budget. */
export function maxBuckets(servers: number): number {
  return Math.floor((SAMPLE_MEMORY.budgetMiB * 1024 * 1024) / bytesPerBucket(servers));
}

/**
 * Why a run of this shape at `resolutionMs` would not fit in the budget, naming the limit and the
 * smallest resolution (or longest duration) that fits; undefined when it fits.
 */
export function sampleMemoryProblem(shape: SampleShape, resolutionMs: number, field: string): string | undefined {
  const buckets = Math.ceil(shape.durationMs / resolutionMs);
  const limit = maxBuckets(shape.servers);
  if (buckets <= limit) return undefined;
  const needMiB = Math.ceil((buckets * bytesPerBucket(shape.servers)) / (1024 * 1024));
  const finestMs = Math.ceil(shape.durationMs / limit / 10) * 10;
  const longestMs = Math.floor((limit * resolutionMs) / 60_000) * 60_000;
  return (
    `a ${durationText(shape.durationMs)} run at ${durationText(resolutionMs)} ${field} needs ${buckets} sample buckets (~${needMiB} MiB); ` +
    `the limit is ${limit} buckets (${SAMPLE_MEMORY.budgetMiB} MiB at ${bytesPerBucket(shape.servers)} bytes per bucket with ${shape.servers} servers): ` +
    `set ${field} to ${durationText(finestMs)} or more, or shorten the run to ${durationText(longestMs)}`
  );
}
