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

/** A percentage's number is written like a duration's: digits with an optional fraction (no `0x10`, `1e2`, `+5`). */
const PERCENT_NUMBER = /^\d+(\.\d+)?$/;

/** `20`, `20%` or `0.5 %` as the number of percent (20, 0.5); undefined when it is not written so. */
export function percentNumber(text: string): number | undefined {
  const trimmed = text.trim().replace(/\s*%$/, '');
  return PERCENT_NUMBER.test(trimmed) ? Number(trimmed) : undefined;
}

function percent(text: string): number | undefined {
  const trimmed = text.trim();
  return PERCENT_NUMBER.test(trimmed) && Number(trimmed) <= 100 ? Number(trimmed) / 100 : undefined;
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
