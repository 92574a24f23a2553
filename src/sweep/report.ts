import type { SeedRow, ShrinkOutcome } from './runner.js';
import type { Shard } from './seeds.js';
import { distributionOf, type Distribution } from './stats.js';
import type { DrawnValues } from './swarm.js';

export const SWEEP_SCHEMA_VERSION = 1;

/** How to replay one seed: `faildrill run <file> --seed N`. */
export interface Replay {
  /** The scenario to run: the file as given, or (with --swarm) the drawn scenario, relative to sweep.json's folder. */
  file: string;
  seed: number;
  /** Whether `file` is relative to the folder of sweep.json (written by the sweep) rather than to where it ran. */
  inSweepDir: boolean;
}

/** A failing seed, with its schedule shrunk (when it was among those shrunk). */
export interface SweepFailure {
  seed: number;
  failed: string[];
  failure: string;
  rtoMs: number | null;
  replay: Replay;
  shrunk: ShrunkSchedule | null;
}

/** Where the shrunk scenario went and how far it shrank. */
export interface ShrunkSchedule extends Omit<ShrinkOutcome, 'yaml' | 'seed'> {
  /** The shrunk scenario, in the sweep folder. */
  file: string;
}

/** The worst seed by RTO: failures first, then "never recovered", then the longest RTO. */
export interface WorstSeed {
  seed: number;
  verdict: 'pass' | 'fail';
  rtoMs: number | null;
  failed: string[];
  drawn?: DrawnValues;
  replay: Replay;
}

/**
 * `sweep.json`: everything a sweep found. Like result.json it holds no wall-clock time, and files it
 * wrote are named relative to its own folder, so the same scenario, seeds and flags give the same bytes.
 */
export interface SweepReport {
  schemaVersion: number;
  faildrill: { version: string };
  scenario: { name: string; file: string; hash: string };
  target: 'sim';
  /** `--seeds` as given, and the seeds this run (this shard) ran, in order. */
  seeds: { spec: string; count: number; list: number[] };
  shard: Shard | null;
  swarm: boolean;
  verdict: 'pass' | 'fail';
  passed: number;
  failed: number;
  distribution: { detection: Distribution; switch: Distribution; rto: Distribution };
  worst: WorstSeed | null;
  failures: SweepFailure[];
  rows: SeedRow[];
}

/** Orders rows worst first: failures, then RTO that never happened, then the longest RTO; ties by seed. */
export function worstFirst(a: SeedRow, b: SeedRow): number {
  const failed = (r: SeedRow) => (r.verdict === 'fail' ? 0 : 1);
  const rto = (r: SeedRow) => (r.rtoMs === null ? Infinity : r.rtoMs);
  return failed(a) - failed(b) || rto(b) - rto(a) || a.seed - b.seed;
}

/** Distribution of detection, switch and RTO over the rows. */
export function distributionsOf(rows: readonly SeedRow[]): SweepReport['distribution'] {
  return {
    detection: distributionOf(rows.map((r) => r.detectionMs)),
    switch: distributionOf(rows.map((r) => r.switchMs)),
    rto: distributionOf(rows.map((r) => r.rtoMs)),
  };
}

/** The command line that replays a seed. */
export function replayCommand(replay: Replay, sweepDir: string): string {
  const file = replay.inSweepDir ? `${sweepDir.replace(/\/$/, '')}/${replay.file}` : replay.file;
  return `faildrill run ${file} --seed ${replay.seed}`;
}
