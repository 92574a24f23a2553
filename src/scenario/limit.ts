import { parseDurationMs } from './duration.js';

export type Comparator = '<' | '<=' | '>' | '>=' | '==';

/** An expectation's bound: a comparison against a duration (ms), a ratio (0..1) or a count. */
export interface Limit {
  op: Comparator;
  value: number;
  unit: 'ms' | 'ratio' | 'count';
  /** The text as written in the scenario, kept for messages and reports. */
  text: string;
}

const LIMIT = /^(<=|>=|<|>|==)?\s*(.+)$/;

/** Parses a limit such as `< 30s`, `<= 2%`, `0`, `== 0`; undefined when the text is not one of `unit`. */
export function parseLimit(text: string, unit: Limit['unit']): Limit | undefined {
  const match = LIMIT.exec(text.trim());
  if (!match) return undefined;
  const op = (match[1] ?? '<=') as Comparator;
  const body = match[2]!.trim();
  let value: number | undefined;
  if (unit === 'ms') value = /^0+(\.0+)?$/.test(body) ? 0 : parseDurationMs(body);
  else if (unit === 'ratio') value = body.endsWith('%') ? percent(body.slice(0, -1)) : undefined;
  else value = /^\d+$/.test(body) ? Number(body) : undefined;
  return value === undefined ? undefined : { op, value, unit, text: text.trim() };
}

function percent(text: string): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) && value >= 0 && value <= 100 ? value / 100 : undefined;
}

/** True when `actual` satisfies the limit. */
export function holds(limit: Limit, actual: number): boolean {
  switch (limit.op) {
    case '<':
      return actual < limit.value;
    case '<=':
      return actual <= limit.value;
    case '>':
      return actual > limit.value;
    case '>=':
      return actual >= limit.value;
    case '==':
      return actual === limit.value;
  }
}
