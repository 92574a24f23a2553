import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import type { RunMetrics } from '../measure/metrics.js';
import type { RunResult, Verdict } from '../run/result.js';
import { parseHistoryLine, type ParsedLine } from './entry.js';

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
  verdict: Verdict;
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

/** A line of the history that was left out, and why. */
export interface SkippedLine {
  file: string;
  /** 1-based. */
  line: number;
  reason: string;
}

/** Prints a skipped line as a warning on stderr: `faildrill: warning: reports/history.jsonl:3: skipped: metrics is null, …`. */
export function warnSkipped(skipped: SkippedLine): void {
  process.stderr.write(`faildrill: warning: ${skipped.file}:${skipped.line}: skipped: ${skipped.reason}\n`);
}

/**
 * Every well-formed line of a history file, in file order; a missing file is an empty history. A
 * torn, hand-edited or foreign line is left out and passed to `onSkipped` (by default a warning on
 * stderr), so one bad line never costs a run its reports. A folder or an unreadable file is an error
 * naming the file (exit 2 or 3).
 */
export async function readHistory(file: string, onSkipped: (skipped: SkippedLine) => void = warnSkipped): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'EISDIR') throw new UsageError(`history ${file}: is a folder; expected a history.jsonl file`);
    throw new EnvironmentError(`history ${file}: cannot read it: ${(err as Error).message}`);
  }
  const entries: HistoryEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: ParsedLine;
    try {
      parsed = parseHistoryLine(JSON.parse(line));
    } catch {
      parsed = { problem: 'not JSON (a torn or foreign line)' };
    }
    if ('entry' in parsed) entries.push(parsed.entry);
    else onSkipped({ file, line: i + 1, reason: parsed.problem });
  });
  return entries;
}

/** Runs of the same scenario document on the same target, oldest first, at most `last`. */
export function sameScenario(entries: readonly HistoryEntry[], hash: string, target: string, last = Infinity): HistoryEntry[] {
  const matching = entries.filter((e) => e.hash === hash && e.target === target);
  return matching.slice(Math.max(0, matching.length - last));
}
