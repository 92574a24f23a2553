import { EPSILON_MS } from '../explain/check.js';
import { percentile } from '../sweep/stats.js';

/** The figures a calibration sets side by side. */
export type CalibratedFigure = 'detection' | 'switch' | 'rto';

export const CALIBRATED_FIGURES: readonly CalibratedFigure[] = ['detection', 'switch', 'rto'];

/** One run's figures (a real run or a simulator seed); null: it did not happen. */
export interface FigureRow {
  seed: number;
  detectionMs: number | null;
  switchMs: number | null;
  rtoMs: number | null;
}

const KEY: Record<CalibratedFigure, 'detectionMs' | 'switchMs' | 'rtoMs'> = { detection: 'detectionMs', switch: 'switchMs', rto: 'rtoMs' };

/** A figure's value in a row. */
export const valueOf = (row: FigureRow, figure: CalibratedFigure): number | null => row[KEY[figure]];

/** One figure over a set of runs. `medianMs` is the nearest-rank p50, as `faildrill sweep` reports it. */
export interface Summary {
  /** Runs where the figure happened, and those where it did not. */
  count: number;
  never: number;
  medianMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** max − min. */
  spreadMs: number | null;
}

export function summaryOf(values: ReadonlyArray<number | null>): Summary {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const min = sorted[0] ?? null;
  const max = sorted.at(-1) ?? null;
  return {
    count: sorted.length,
    never: values.length - sorted.length,
    medianMs: percentile(sorted, 50),
    minMs: min,
    maxMs: max,
    spreadMs: min === null || max === null ? null : max - min,
  };
}

/** real − sim in ms and in % of sim; the % is null when the simulator's figure is 0 and the real one is not. */
export interface Difference {
  diffMs: number | null;
  diffPct: number | null;
}

export function differenceOf(realMs: number | null, simMs: number | null): Difference {
  if (realMs === null || simMs === null) return { diffMs: null, diffPct: null };
  const diffMs = realMs - simMs;
  // to the millisecond, as explain's bounds are held
  if (Math.abs(diffMs) < EPSILON_MS) return { diffMs, diffPct: 0 };
  if (simMs === 0) return { diffMs, diffPct: null };
  return { diffMs, diffPct: (diffMs / simMs) * 100 };
}

/** A real run against the simulator's run of the same seed. */
export interface PairedSeed extends Difference {
  seed: number;
  realMs: number | null;
  simMs: number | null;
}

/** The paired comparison of one figure: per seed, and the medians over the same seeds. */
export interface Paired extends Difference {
  seeds: PairedSeed[];
  realMedianMs: number | null;
  simMedianMs: number | null;
}

/** Pairs each real run with the simulator's run of its seed; the medians are over the real runs' seeds. */
export function pairedOf(figure: CalibratedFigure, real: readonly FigureRow[], sim: readonly FigureRow[]): Paired {
  const bySeed = new Map(sim.map((r) => [r.seed, r]));
  const seeds = real.map((r) => {
    const twin = bySeed.get(r.seed);
    const realMs = valueOf(r, figure);
    const simMs = twin ? valueOf(twin, figure) : null;
    return { seed: r.seed, realMs, simMs, ...differenceOf(realMs, simMs) };
  });
  const realMedianMs = summaryOf(seeds.map((s) => s.realMs)).medianMs;
  const simMedianMs = summaryOf(seeds.map((s) => s.simMs)).medianMs;
  return { seeds, realMedianMs, simMedianMs, ...differenceOf(realMedianMs, simMedianMs) };
}

/** Both distributions of one figure (N real runs, M simulator seeds) and the difference of their medians. */
export interface Unpaired extends Difference {
  real: Summary;
  sim: Summary;
}

export function unpairedOf(figure: CalibratedFigure, real: readonly FigureRow[], sim: readonly FigureRow[]): Unpaired {
  const r = summaryOf(real.map((x) => valueOf(x, figure)));
  const s = summaryOf(sim.map((x) => valueOf(x, figure)));
  return { real: r, sim: s, ...differenceOf(r.medianMs, s.medianMs) };
}

/**
 * Whether a real value lies inside the simulator's range over its seeds: within [min, max] (to the
 * millisecond) when it happened; when it did not, whether some seed did not either.
 */
export function insideRange(value: number | null, sim: Summary): boolean {
  if (value === null) return sim.never > 0;
  return sim.minMs !== null && sim.maxMs !== null && value >= sim.minMs - EPSILON_MS && value <= sim.maxMs + EPSILON_MS;
}

/** The exit criterion: the paired median RTOs differ by at most `maxDiffPct` (in % of the simulator's). */
export interface Criterion {
  figure: 'rto';
  paired: true;
  realMedianMs: number | null;
  simMedianMs: number | null;
  diffMs: number | null;
  diffPct: number | null;
  maxDiffPct: number;
  pass: boolean;
  /** Why it could not be judged (no RTO to compare), or null. */
  reason: string | null;
}

export function criterionOf(paired: Paired, maxDiffPct: number): Criterion {
  const base = { figure: 'rto' as const, paired: true as const, realMedianMs: paired.realMedianMs, simMedianMs: paired.simMedianMs, diffMs: paired.diffMs, diffPct: paired.diffPct, maxDiffPct };
  if (paired.realMedianMs === null || paired.simMedianMs === null)
    return { ...base, pass: false, reason: `no RTO to compare on the ${paired.realMedianMs === null ? 'real target' : 'simulator'} for the paired seeds` };
  if (paired.diffPct === null) return { ...base, pass: false, reason: 'the simulator recovers at once (RTO 0) and the real target does not' };
  return { ...base, pass: Math.abs(paired.diffPct) <= maxDiffPct, reason: null };
}
