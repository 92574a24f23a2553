import { formatDurationMs } from '../scenario/duration.js';
import { holds, type Limit } from '../scenario/limit.js';
import type { ExpectationName, Expectations } from '../scenario/schema.js';
import type { RunMetrics } from './metrics.js';

/** One expectation checked against the run's figures. */
export interface ExpectationResult {
  /** A limit's name, or `withinBounds` (every figure inside the bounds the configuration implies). */
  name: ExpectationName | 'withinBounds';
  /** The limit as written, e.g. `< 30s`. */
  limit: string;
  unit: Limit['unit'];
  /** The measured figure (ms, ratio or count); null when it did not happen. */
  actual: number | null;
  pass: boolean;
  /** `rto 143.2s > limit 120s`, `detection 12.0s within < 30s`, `switch did not happen`. */
  message: string;
}

const METRIC: Record<ExpectationName, (m: RunMetrics) => number | null> = {
  detection: (m) => m.detectionMs,
  switch: (m) => m.switchMs,
  rto: (m) => m.rtoMs,
  failback: (m) => m.failbackMs,
  downtime: (m) => m.downtimeMs,
  errorRate: (m) => m.errorRate,
  errors: (m) => m.errorCount,
  splitBrain: (m) => m.splitBrainMs,
  rpo: (m) => m.rpoMs,
  replacement: (m) => m.replacementMs,
  lostWrites: (m) => m.lostWrites,
};

const ORDER: ExpectationName[] = ['detection', 'switch', 'rto', 'failback', 'downtime', 'errorRate', 'errors', 'replacement', 'rpo', 'lostWrites', 'splitBrain'];

/** Checks every stated expectation, in a fixed order. */
export function checkExpectations(expect: Expectations, metrics: RunMetrics): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  for (const name of ORDER) {
    const limit = expect[name];
    if (!limit) continue;
    const actual = METRIC[name](metrics);
    const pass = actual !== null && holds(limit, actual);
    results.push({ name, limit: limit.text, unit: limit.unit, actual, pass, message: describe(name, limit, actual, pass) });
  }
  return results;
}

/** A figure in the unit of its limit: `12.4s`, `0.42%`, `17`. */
export function formatValue(unit: Limit['unit'], value: number | null): string {
  if (value === null) return '—';
  if (unit === 'ms') return formatDurationMs(value);
  if (unit === 'ratio') return `${(value * 100).toFixed(value < 0.0001 && value > 0 ? 4 : 2)}%`;
  return String(value);
}

function describe(name: ExpectationName, limit: Limit, actual: number | null, pass: boolean): string {
  if (actual === null) return `${name} did not happen (limit ${limit.text})`;
  const value = formatValue(limit.unit, actual);
  if (pass) return `${name} ${value} within ${limit.text}`;
  const bound = formatValue(limit.unit, limit.value);
  const violated: Record<Limit['op'], string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=' };
  return `${name} ${value} ${violated[limit.op]} limit ${bound}`;
}
