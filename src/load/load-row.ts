import type { SampleRecorder } from '../measure/samples.js';

/** Where a request came from: `o` the open-loop load, `a` autocannon (the closed-loop load), `p` the fixed-interval probe. */
export type LoadSource = 'o' | 'a' | 'p';

const SOURCES: readonly string[] = ['o', 'a', 'p'] satisfies LoadSource[];

/**
 * One request as a load driver program streams it (one JSON array per stdout line):
 * `[source, startMs, latencyMs, ok (1|0), server, reason?]`, times in ms since the run's t0
 * (CLOCK_MONOTONIC, shared with the parent), rounded to 0.01 ms; `startMs` is the request's
 * scheduled time where the driver has a schedule; `server` is the answering server's
 * `x-faildrill-server` header, '' when none answered.
 */
export type LoadRow = [LoadSource, number, number, 0 | 1, string] | [LoadSource, number, number, 0 | 1, string, string];

/** A driver's last line: how many requests it recorded. */
export interface LoadSummary {
  done: true;
  recorded: number;
  probes: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The row of one request. */
export function loadRow(source: LoadSource, startMs: number, latencyMs: number, ok: boolean, server: string, reason?: string): LoadRow {
  const row: LoadRow = [source, round(startMs), round(latencyMs), ok ? 1 : 0, server];
  return reason ? [...row, reason] : row;
}

/** Parses one stdout line of a driver: a row, the summary, or undefined for anything else. */
export function parseLoadLine(line: string): { row: LoadRow } | { summary: LoadSummary } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) {
    const [source, startMs, latencyMs, ok, server, reason] = value as unknown[];
    if (typeof source !== 'string' || !SOURCES.includes(source) || typeof startMs !== 'number' || typeof latencyMs !== 'number' || (ok !== 0 && ok !== 1) || typeof server !== 'string')
      return undefined;
    const s = source as LoadSource;
    return { row: typeof reason === 'string' ? [s, startMs, latencyMs, ok, server, reason] : [s, startMs, latencyMs, ok, server] };
  }
  if (value && typeof value === 'object' && (value as LoadSummary).done === true) {
    const s = value as LoadSummary;
    return { summary: { done: true, recorded: Number(s.recorded) || 0, probes: Number(s.probes) || 0 } };
  }
  return undefined;
}

/** Books `row` in `recorder`, in the bucket of its start (the scheduled time); a row no server answered goes to `entryId`. */
export function recordRow(recorder: SampleRecorder, [, startMs, latencyMs, ok, server]: LoadRow, entryId: string): void {
  recorder.add(Math.floor(startMs / recorder.resolutionMs), server || entryId, ok === 1, latencyMs, 1);
}
