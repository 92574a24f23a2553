import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunMetrics } from '../measure/metrics.js';
import type { RunResult } from '../run/result.js';

/**
 * Where `run` appends by default, relative to the working directory: `reports/history.jsonl`, or the
 * file `FAILDRILL_HISTORY` names (tests point it at a temporary file).
 */
export const DEFAULT_HISTORY_FILE = process.env.FAILDRILL_HISTORY ?? 'reports/history.jsonl';

/** The figures a trend follows; `null`: it did not happen in that run. */
export type HistoryMetrics = Pick<RunMetrics, 'detectionMs' | 'switchMs' | 'rtoMs' | 'failbackMs' | 'downtimeMs' | 'errorCount' | 'requestCount'>;

/** One line of `history.jsonl`: one finished run. */
export interface HistoryEntry {
  scenario: string;
  /** The scenario's normalized-document hash: runs with the same hash ran the same scenario. */
  hash: string;
  file: string;
  target: string;
  seed: number;
  verdict: 'pass' | 'fail';
  metrics: HistoryMetrics;
  /** Wall-clock start of the run, ISO 8601 UTC. */
  time: string;
  /** Wall-clock duration of the run. */
  wallMs: number;
  /** Git commit of the repository the run started in, when it is one. */
  commit?: string;
  /** Git commit that last changed the scenario file, when known. */
  scenarioCommit?: string;
  /** The run's output folder, as given. */
  outDir?: string;
  faildrill: string;
}

/** The wall-clock and repository facts a history line records beside the result. */
export interface HistoryFacts {
  time: string;
  wallMs: number;
  commit?: string;
  scenarioCommit?: string;
  outDir?: string;
}

/** The history line for a finished run. */
export function historyEntryOf(result: RunResult, facts: HistoryFacts): HistoryEntry {
  const m = result.metrics;
  return {
    scenario: result.scenario.name,
    hash: result.scenario.hash,
    file: result.scenario.file,
    target: result.target,
    seed: result.seed,
    verdict: result.verdict,
    metrics: {
      detectionMs: m.detectionMs,
      switchMs: m.switchMs,
      rtoMs: m.rtoMs,
      failbackMs: m.failbackMs,
      downtimeMs: m.downtimeMs,
      errorCount: m.errorCount,
      requestCount: m.requestCount,
    },
    time: facts.time,
    wallMs: facts.wallMs,
    ...(facts.commit ? { commit: facts.commit } : {}),
    ...(facts.scenarioCommit ? { scenarioCommit: facts.scenarioCommit } : {}),
    ...(facts.outDir ? { outDir: facts.outDir } : {}),
    faildrill: result.faildrill.version,
  };
}

/** Appends one line (a single write, so concurrent runs do not interleave lines). */
export async function appendHistory(file: string, entry: HistoryEntry): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, JSON.stringify(entry) + '\n');
}

/** Every well-formed line of a history file, in file order; a missing file is an empty history. */
export async function readHistory(file: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (isHistoryEntry(parsed)) entries.push(parsed);
    } catch {
      // A torn or foreign line: skip it, keep the rest of the history.
    }
  }
  return entries;
}

function isHistoryEntry(value: unknown): value is HistoryEntry {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<HistoryEntry>;
  return typeof v.scenario === 'string' && typeof v.hash === 'string' && typeof v.target === 'string' && typeof v.time === 'string' && typeof v.metrics === 'object';
}

/** Runs of the same scenario document on the same target, oldest first, at most `last`. */
export function sameScenario(entries: readonly HistoryEntry[], hash: string, target: string, last = Infinity): HistoryEntry[] {
  const matching = entries.filter((e) => e.hash === hash && e.target === target);
  return matching.slice(Math.max(0, matching.length - last));
}
