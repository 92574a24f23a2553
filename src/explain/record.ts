import type { FaultMetrics } from '../measure/figures.js';
import { formatDurationMs } from '../scenario/duration.js';
import { checkFault } from './check.js';
import type { Bound, FaultExplanation, Figure, Occurrence } from './types.js';

/** One bound as JSON: milliseconds, the formula in names and with the numbers, who decides. */
export interface BoundRecord {
  figure: Figure;
  occurs: Occurrence;
  /** null when the figure never happens. */
  minMs: number | null;
  /** null: never happens, or no upper bound. */
  maxMs: number | null;
  formula: { min: string; max: string | null } | null;
  numbers: { min: string; max: string | null } | null;
  decidedBy: string;
  note?: string;
}

/** A fault's bounds as `explain --json` and result.json carry them. */
export interface FaultBoundsRecord {
  layer: string | null;
  decidedBy: string | null;
  figures: BoundRecord[];
  notes: string[];
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export function boundRecord(b: Bound): BoundRecord {
  const w = b.window;
  return {
    figure: b.figure,
    occurs: b.occurs,
    minMs: w ? round(w.min.ms) : null,
    maxMs: w?.max ? round(w.max.ms) : null,
    formula: w ? { min: w.min.formula, max: w.max?.formula ?? null } : null,
    numbers: w ? { min: w.min.numbers, max: w.max?.numbers ?? null } : null,
    decidedBy: b.decidedBy,
    ...(b.note ? { note: b.note } : {}),
  };
}

export function faultBoundsRecord(e: FaultExplanation): FaultBoundsRecord {
  return { layer: e.layer, decidedBy: e.decidedBy, figures: e.bounds.map(boundRecord), notes: e.notes };
}

/** One figure of a run set against its bound. `inside` null: not a per-fault figure (split brain is the run's). */
export interface FigureCheck extends BoundRecord {
  measured: number | null;
  inside: boolean | null;
}

/** A fault's bounds in result.json, each with what the run measured, and the figures outside them. */
export interface FaultBounds extends FaultBoundsRecord {
  figures: FigureCheck[];
  outside: Figure[];
}

/** Sets every measured figure of a fault beside its bound. */
export function faultBounds(e: FaultExplanation, measured: FaultMetrics): FaultBounds {
  const checks = new Map(checkFault(e, measured).map((c) => [c.figure, c]));
  const figures = e.bounds.map((b) => {
    const c = checks.get(b.figure);
    return { ...boundRecord(b), measured: c ? c.measured : null, inside: c ? c.inside : null };
  });
  return { ...faultBoundsRecord(e), figures, outside: figures.filter((f) => f.inside === false).map((f) => f.figure) };
}

/** `rto 130.0s outside 20.0s–90.0s`, `switch happened although none was expected`. */
export function outsideText(f: FigureCheck): string {
  if (f.measured === null) return `${f.figure} did not happen (bound ${boundText(f)})`;
  if (f.occurs === 'never') return `${f.figure} ${formatDurationMs(f.measured)} although none was expected`;
  return `${f.figure} ${formatDurationMs(f.measured)} outside ${boundText(f)}`;
}

function boundText(f: FigureCheck): string {
  if (f.occurs === 'never' || f.minMs === null) return 'never';
  return `${formatDurationMs(f.minMs)}–${f.maxMs === null ? '∞' : formatDurationMs(f.maxMs)}`;
}

