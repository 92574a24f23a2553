import { historyEntryOf, sameScenario, type HistoryEntry } from '../../history/history.js';
import { DEFAULT_REGRESSION_THRESHOLD, regressionsOf, TREND_METRICS, type Regression } from '../../history/trend.js';
import type { RunResult } from '../../run/result.js';
import { formatMs, formatWhen } from '../format.js';
import type { RunContext } from '../reporter.js';
import { TREND_COLOURS, trendChart, type TrendChartView } from './trend-chart.js';

/** Earlier runs the trend shows at most, besides this one. */
export const TREND_RUNS = 19;

/** The trend section: chart, notes (regression or not) and a table of the runs, newest first. */
export interface TrendView {
  chart: TrendChartView | undefined;
  legend: Array<{ label: string; colour: string }>;
  notes: string[];
  tone: 'info' | 'ok' | 'regression';
  rows: string[][];
}

const shortTime = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toISOString().slice(5, 16).replace('T', ' '));

function regressionNote(r: Regression, previous: number, threshold: number): string {
  const name = r.metric === 'rto' ? 'RTO' : r.metric;
  const basis = `the median ${formatMs(r.medianMs)} of the previous ${previous} run${previous === 1 ? '' : 's'}`;
  if (r.currentMs === null) return `Regression: ${name} did not happen this run; ${basis}.`;
  const by = Number.isFinite(r.worseBy) ? `${Math.round(r.worseBy * 100)}% worse than` : 'worse than';
  return `Regression: ${name} ${formatMs(r.currentMs)} is ${by} ${basis} (threshold ${Math.round(threshold * 100)}%).`;
}

/** This run against earlier runs of the same scenario hash and target from the context's history. */
export function trendOf(result: RunResult, context: RunContext): TrendView {
  const threshold = context.regressionThreshold ?? DEFAULT_REGRESSION_THRESHOLD;
  const previous: HistoryEntry[] = sameScenario(context.previousRuns ?? [], result.scenario.hash, result.target, TREND_RUNS);
  const legend = TREND_METRICS.map((m) => ({ label: m.name === 'rto' ? 'RTO' : m.name, colour: TREND_COLOURS[m.name] }));
  if (previous.length === 0) {
    return { chart: undefined, legend, notes: ['No earlier runs of this scenario (same document, same target) in the history yet: the trend starts with this run.'], tone: 'info', rows: [] };
  }
  const current = historyEntryOf(result, { time: context.startedAt ?? '', wallMs: context.wallMs ?? 0 });
  const runs = [...previous, current];
  const isCurrent = (i: number) => i === runs.length - 1;
  const points = runs.map((e, i) => ({
    label: isCurrent(i) ? 'this run' : shortTime(e.time),
    title: `${isCurrent(i) ? 'this run' : formatWhen(e.time)}, seed ${e.seed}, ${e.verdict}`,
    current: isCurrent(i),
    metrics: e.metrics,
  }));
  const regressions = regressionsOf(current.metrics, previous.map((p) => p.metrics), threshold);
  const notes =
    regressions.length > 0
      ? regressions.map((r) => regressionNote(r, previous.length, threshold))
      : [`No regression: RTO, detection and switch are within ${Math.round(threshold * 100)}% of the median of the previous ${previous.length} run${previous.length === 1 ? '' : 's'}.`];
  const rows = runs
    .map((e, i) => [isCurrent(i) ? 'this run' : formatWhen(e.time), String(e.seed), e.verdict, formatMs(e.metrics.rtoMs), formatMs(e.metrics.detectionMs), formatMs(e.metrics.switchMs)])
    .reverse();
  return { chart: trendChart(points), legend, notes, tone: regressions.length > 0 ? 'regression' : 'ok', rows };
}

