import type { Verdict } from '../run/result.js';
import type { HistoryEntry, HistoryMetrics } from './history.js';

/** Every verdict a run can end with (src/run/result.ts). */
const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'aborted', 'halted'];

/** The timings of a history line: milliseconds, or null when it did not happen in that run. */
const TIMINGS = ['detectionMs', 'switchMs', 'rtoMs', 'failbackMs'] as const satisfies ReadonlyArray<keyof HistoryMetrics>;
/** Figures every run has: never null. */
const AMOUNTS = ['downtimeMs', 'errorCount', 'requestCount'] as const satisfies ReadonlyArray<keyof HistoryMetrics>;
const TEXTS = ['scenario', 'hash', 'target', 'time'] as const;
const OPTIONAL_TEXTS = ['commit', 'scenarioCommit', 'outDir'] as const;

/** What a history line holds: an entry every reader can use, or why it cannot be used. */
export type ParsedLine = { entry: HistoryEntry } | { problem: string };

/**
 * Checks one parsed line of history.jsonl field by field, so that a torn, hand-edited or foreign line
 * is skipped with a reason instead of reaching the trend or the report as `metrics: null`.
 */
export function parseHistoryLine(value: unknown): ParsedLine {
  if (!isRecord(value)) return { problem: `expected a JSON object, got ${kind(value)}` };
  for (const key of TEXTS) if (typeof value[key] !== 'string') return { problem: `${key} is ${kind(value[key])}, expected text` };
  if (!Number.isSafeInteger(value.seed)) return { problem: `seed is ${kind(value.seed)}, expected an integer` };
  if (!VERDICTS.includes(value.verdict as Verdict)) return { problem: `verdict is ${kind(value.verdict)}, expected ${VERDICTS.map((v) => `"${v}"`).join(', ')}` };
  const m = value.metrics;
  if (!isRecord(m)) return { problem: `metrics is ${kind(m)}, expected an object` };
  const metrics: Partial<HistoryMetrics> = {};
  for (const key of TIMINGS) {
    const v = m[key] ?? null;
    if (v !== null && !isFiniteNumber(v)) return { problem: `metrics.${key} is ${kind(v)}, expected milliseconds or null` };
    metrics[key] = v;
  }
  for (const key of AMOUNTS) {
    const v = m[key];
    if (!isFiniteNumber(v) || v < 0) return { problem: `metrics.${key} is ${kind(v)}, expected a number, 0 or more` };
    metrics[key] = v;
  }
  const entry: HistoryEntry = {
    scenario: value.scenario as string,
    hash: value.hash as string,
    file: typeof value.file === 'string' ? value.file : '',
    target: value.target as string,
    seed: value.seed as number,
    verdict: value.verdict as Verdict,
    metrics: metrics as HistoryMetrics,
    time: value.time as string,
    wallMs: isFiniteNumber(value.wallMs) ? value.wallMs : 0,
    faildrill: typeof value.faildrill === 'string' ? value.faildrill : '',
  };
  for (const key of OPTIONAL_TEXTS) if (typeof value[key] === 'string') entry[key] = value[key];
  return { entry };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function kind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
