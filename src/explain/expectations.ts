import { formatValue } from '../measure/expectations.js';
import type { Limit } from '../scenario/limit.js';
import type { Expectations, Scenario } from '../scenario/schema.js';
import type { FaultExplanation, Figure } from './types.js';

/** What the configuration says about one of the scenario's expectations before anything runs. */
export interface ExpectationOutlook {
  name: string;
  limit: string;
  /** The run's figure (the worst over the faults) can only lie in [minMs, maxMs]; maxMs null: unbounded. */
  minMs: number | null;
  maxMs: number | null;
  /** `cannot`: no run can meet it; `may`: some runs may miss it; `meets`: every run within the bounds meets it. */
  verdict: 'cannot' | 'may' | 'meets';
  message: string;
}

/** Expectations with a per-fault bound, and the figure behind each (the run's figure is the worst fault's). */
const FIGURE_OF: Partial<Record<keyof Expectations, Figure>> = {
  detection: 'detection',
  switch: 'switch',
  rto: 'rto',
  failback: 'failback',
  replacement: 'replacement',
  rpo: 'rpo',
  splitBrain: 'splitBrain',
};

/** Whether the run figure of `figure` worst over the faults can be absent, and its least and largest value. */
function runRange(explanations: readonly FaultExplanation[], figure: Figure): { always: boolean; any: boolean; minMs: number; maxMs: number | null } {
  // the run's detection, switch and RTO leave planned maintenance out (src/measure/metrics.ts)
  const counted = explanations.filter((e) => !e.planned || figure === 'failback');
  const bounds = counted.flatMap((e) => e.bounds.filter((b) => b.figure === figure));
  const present = bounds.filter((b) => b.occurs !== 'never' && b.window);
  const sure = present.filter((b) => b.occurs === 'always');
  const total = figure === 'splitBrain';
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const mins = sure.map((b) => b.window!.min.ms);
  const maxes = present.map((b) => b.window!.max?.ms ?? null);
  const maxMs = maxes.some((m) => m === null) ? null : total ? sum(maxes as number[]) : Math.max(0, ...(maxes as number[]));
  return { always: sure.length > 0, any: present.length > 0, minMs: total ? sum(mins) : Math.max(0, ...mins), maxMs };
}

function fmt(ms: number | null): string {
  return ms === null ? '∞' : formatValue('ms', ms);
}

/**
 * Each expectation that has a bound, checked against the bounds of the scenario's faults: whether the
 * configuration can meet it at all (`rto: "< 10s"` with a 30 s × 3 Route 53 check cannot).
 */
export function expectationOutlook(scenario: Scenario, explanations: readonly FaultExplanation[]): ExpectationOutlook[] {
  const outlook: ExpectationOutlook[] = [];
  for (const [name, figure] of Object.entries(FIGURE_OF) as Array<[keyof Expectations, Figure]>) {
    const limit = scenario.expect[name] as Limit | undefined;
    if (!limit || typeof limit !== 'object') continue;
    const range = runRange(explanations, figure);
    const head = { name, limit: limit.text, minMs: range.any ? range.minMs : null, maxMs: range.any ? range.maxMs : null };
    if (!range.any) {
      outlook.push({ ...head, verdict: 'cannot', message: `${name} ${limit.text}: the configuration implies no ${name} at all, so the run reports it as "did not happen"` });
      continue;
    }
    const lo = range.always ? range.minMs : 0;
    const hi = range.maxMs;
    const bound = `${fmt(lo)}–${fmt(hi)}`;
    const meetsAll = range.always && hi !== null && holdsOver(limit, lo, hi) === 'all';
    const verdict = holdsOver(limit, lo, hi) === 'none' ? 'cannot' : meetsAll ? 'meets' : 'may';
    const message =
      verdict === 'cannot'
        ? `${name} ${limit.text} cannot be met: the configuration implies ${bound}`
        : verdict === 'meets'
          ? `${name} ${limit.text} holds for the whole bound ${bound}`
          : `${name} ${limit.text} may be missed: the configuration allows ${bound}`;
    outlook.push({ ...head, verdict, message });
  }
  return outlook;
}

/** Whether a limit holds for all, some or none of the values in [lo, hi] (hi null: unbounded). */
function holdsOver(limit: Limit, lo: number, hi: number | null): 'all' | 'some' | 'none' {
  const x = limit.value;
  const top = hi ?? Infinity;
  switch (limit.op) {
    case '<':
      return top < x ? 'all' : lo >= x ? 'none' : 'some';
    case '<=':
      return top <= x ? 'all' : lo > x ? 'none' : 'some';
    case '>':
      return lo > x ? 'all' : top <= x ? 'none' : 'some';
    case '>=':
      return lo >= x ? 'all' : top < x ? 'none' : 'some';
    case '==':
      return lo === x && top === x ? 'all' : x < lo || x > top ? 'none' : 'some';
  }
}
