import type { Verdict } from '../run/result.js';
import type { RunResult } from '../run/result.js';
import {
  CALIBRATED_FIGURES,
  criterionOf,
  insideRange,
  pairedOf,
  unpairedOf,
  valueOf,
  type CalibratedFigure,
  type Criterion,
  type FigureRow,
  type Paired,
  type Unpaired,
} from './compare.js';

export const CALIBRATION_SCHEMA_VERSION = 1;

/** One real run as the calibration keeps it: its figures, where its reports are, and how it sits against the simulator and explain. */
export interface RealRun extends FigureRow {
  /** The run's own out folder (result.json, report.html), relative to the calibration's. */
  outDir: string;
  verdict: Verdict;
  /** Per figure: inside the simulator's range over its seeds. */
  insideSim: Record<CalibratedFigure, boolean>;
  /** Per figure: every fault's figure inside the bounds `faildrill explain` derives (null: no fault bounds it). */
  insideBounds: Record<CalibratedFigure, boolean | null>;
  /** The run's figures outside explain's bounds, as result.json words them. */
  outsideBounds: string[];
}

/** One figure's comparison. */
export interface FigureCalibration {
  figure: CalibratedFigure;
  unpaired: Unpaired;
  paired: Paired;
  /** Real runs inside the simulator's range, and inside explain's bounds, of the real runs. */
  insideSim: number;
  insideBounds: number;
}

/** calibration.json. */
export interface CalibrationReport {
  schemaVersion: number;
  faildrill: { version: string };
  scenario: { name: string; file: string; hash: string };
  target: string;
  startedAt: string;
  /** The real runs' seeds (1..N) and the simulator's (1..M, which hold them). */
  seeds: { real: number[]; sim: { from: number; to: number; count: number } };
  realRuns: RealRun[];
  /** explain's bound of each figure when the scenario has one fault (the run's figures are then that fault's); null otherwise or when it never happens. */
  bounds: Record<CalibratedFigure, { min: number; max: number | null } | null>;
  /** Every simulator seed's figures. */
  simRuns: FigureRow[];
  figures: FigureCalibration[];
  criterion: Criterion;
  verdict: 'pass' | 'fail';
}

/** A real run's figures and its checks against explain's bounds, from its result. */
export function realRowOf(result: RunResult): FigureRow & { insideBounds: RealRun['insideBounds']; outsideBounds: string[] } {
  const m = result.metrics;
  const insideBounds = Object.fromEntries(
    CALIBRATED_FIGURES.map((figure) => {
      const checks = m.perFault.flatMap((f) => f.bounds?.figures.filter((b) => b.figure === figure && b.inside !== null) ?? []);
      return [figure, checks.length === 0 ? null : checks.every((c) => c.inside === true)];
    }),
  ) as RealRun['insideBounds'];
  const outsideBounds = m.perFault.flatMap((f) => (f.bounds?.outside ?? []).map((figure) => `${f.faultId} ${figure}`));
  return { seed: result.seed, detectionMs: m.detectionMs, switchMs: m.switchMs, rtoMs: m.rtoMs, insideBounds, outsideBounds };
}

/** The bound of a one-fault scenario's figure, as the runs' results carry it. */
function soleBound(results: readonly RunResult[], figure: CalibratedFigure): { min: number; max: number | null } | null {
  const faults = results[0]?.metrics.perFault ?? [];
  if (faults.length !== 1) return null;
  const b = faults[0]!.bounds?.figures.find((x) => x.figure === figure);
  return b && b.occurs !== 'never' && b.minMs !== null ? { min: b.minMs, max: b.maxMs } : null;
}

export interface CalibrationInput {
  version: string;
  scenario: CalibrationReport['scenario'];
  target: string;
  startedAt: string;
  real: Array<{ result: RunResult; outDir: string }>;
  sim: FigureRow[];
  simSeeds: { from: number; to: number };
  maxDiffPct: number;
}

/** Sets the real runs beside the simulator's seeds: both distributions, the pairs of the same seed, and the verdict on the paired median RTO. */
export function buildCalibration(input: CalibrationInput): CalibrationReport {
  const realRows = input.real.map(({ result, outDir }) => ({ ...realRowOf(result), outDir, verdict: result.verdict }));
  const figures = CALIBRATED_FIGURES.map((figure) => ({ figure, unpaired: unpairedOf(figure, realRows, input.sim), paired: pairedOf(figure, realRows, input.sim) }));
  const realRuns: RealRun[] = realRows.map((r) => ({
    seed: r.seed,
    detectionMs: r.detectionMs,
    switchMs: r.switchMs,
    rtoMs: r.rtoMs,
    outDir: r.outDir,
    verdict: r.verdict,
    insideSim: Object.fromEntries(figures.map((f) => [f.figure, insideRange(valueOf(r, f.figure), f.unpaired.sim)])) as RealRun['insideSim'],
    insideBounds: r.insideBounds,
    outsideBounds: r.outsideBounds,
  }));
  const bounds = Object.fromEntries(CALIBRATED_FIGURES.map((figure) => [figure, soleBound(input.real.map((r) => r.result), figure)])) as CalibrationReport['bounds'];
  const criterion = criterionOf(figures.find((f) => f.figure === 'rto')!.paired, input.maxDiffPct);
  return {
    schemaVersion: CALIBRATION_SCHEMA_VERSION,
    faildrill: { version: input.version },
    scenario: input.scenario,
    target: input.target,
    startedAt: input.startedAt,
    seeds: { real: realRuns.map((r) => r.seed), sim: { ...input.simSeeds, count: input.sim.length } },
    realRuns,
    bounds,
    simRuns: input.sim,
    figures: figures.map((f) => ({
      ...f,
      insideSim: realRuns.filter((r) => r.insideSim[f.figure]).length,
      insideBounds: realRuns.filter((r) => r.insideBounds[f.figure] === true).length,
    })),
    criterion,
    verdict: criterion.pass ? 'pass' : 'fail',
  };
}
