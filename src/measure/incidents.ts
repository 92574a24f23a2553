import type { FaultWindow } from './fault-windows.js';
import type { SampleSeries } from './samples.js';
import { bucketOf } from './series.js';

/** Faults that overlap in time, up to their recovery: one incident for error counting. */
export interface Incident {
  /** Indexes into the fault list, in order of injection. */
  faults: number[];
  startMs: number;
  /** Where the next incident starts (or the end of the run): this incident's errors are those before. */
  untilMs: number;
}

/**
 * Groups faults into incidents: a fault joins the open incident when it is injected before every
 * fault of that incident has both been removed and seen its clients recover (`settledAtMs`, null when
 * never). Faults injected together are always one incident.
 */
export function incidentsOf(windows: readonly FaultWindow[], settledAtMs: ReadonlyArray<number | null>, durationMs: number): Incident[] {
  const order = windows.map((_, i) => i).sort((a, b) => windows[a]!.injectedAtMs - windows[b]!.injectedAtMs || a - b);
  const incidents: Incident[] = [];
  let openUntilMs = -Infinity;
  for (const i of order) {
    const w = windows[i]!;
    const settled = settledAtMs[i] ?? durationMs;
    const current = incidents.at(-1);
    if (current && w.injectedAtMs <= openUntilMs) {
      current.faults.push(i);
      openUntilMs = Math.max(openUntilMs, settled);
    } else {
      if (current) current.untilMs = w.injectedAtMs;
      incidents.push({ faults: [i], startMs: w.injectedAtMs, untilMs: durationMs });
      openUntilMs = Math.max(w.injectedAtMs, settled);
    }
  }
  return incidents;
}

/** Requests and errors of one fault, and the buckets in which it was given errors. */
export interface Attribution {
  errorCount: number;
  requestCount: number;
  errorBuckets: number[];
}

/**
 * Gives every request from the first injection on to exactly one fault, so that per-fault counts add
 * up to the run's (requests before the first fault belong to none). Within an incident's buckets, a
 * request goes to the earliest fault of the incident, injected by the end of that bucket, whose
 * servers (`servers[i]`) include the server that answered it (or should have); every other request
 * of the incident, on a server no such fault hits or answered by no server, goes to the fault that
 * opened the incident.
 */
export function attribute(
  windows: readonly FaultWindow[],
  servers: ReadonlyArray<ReadonlySet<string>>,
  incidents: readonly Incident[],
  samples: SampleSeries,
): Attribution[] {
  const result: Attribution[] = windows.map(() => ({ errorCount: 0, requestCount: 0, errorBuckets: [] }));
  const give = (i: number, b: number, ok: number, err: number) => {
    const a = result[i]!;
    a.requestCount += ok + err;
    a.errorCount += err;
    if (err > 0 && a.errorBuckets.at(-1) !== b) a.errorBuckets.push(b);
  };
  incidents.forEach((incident, k) => {
    const opener = incident.faults[0]!;
    const first = bucketOf(samples, incident.startMs);
    const end = k === incidents.length - 1 ? samples.ok.length : bucketOf(samples, incident.untilMs);
    if (end <= first) return;
    const owned: Array<{ owner: number; from: number; counts: { ok: number[]; err: number[] } }> = [];
    for (const [server, counts] of Object.entries(samples.byServer)) {
      // faults are in injection order: the earliest that hits this server owns its requests once injected
      const owner = incident.faults.find((i) => servers[i]!.has(server));
      if (owner === undefined || owner === opener) continue;
      owned.push({ owner, from: Math.max(first, bucketOf(samples, windows[owner]!.injectedAtMs)), counts });
    }
    // bucket by bucket, so that each fault's error buckets come in order
    for (let b = first; b < end; b++) {
      let okLeft = samples.ok[b]!;
      let errLeft = samples.err[b]!;
      if (okLeft + errLeft === 0) continue;
      for (const { owner, from, counts } of owned) {
        if (b < from) continue;
        const ok = counts.ok[b]!;
        const err = counts.err[b]!;
        if (ok + err === 0) continue;
        give(owner, b, ok, err);
        okLeft -= ok;
        errLeft -= err;
      }
      if (okLeft + errLeft > 0) give(opener, b, okLeft, errLeft);
    }
  });
  return result;
}
