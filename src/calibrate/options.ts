import { UsageError } from '../errors.js';
import type { Target } from '../run/target.js';
import { TargetsMap, targetOf } from '../targets/registry.js';

/** The command line of `faildrill calibrate`, as given. */
export interface CalibrateCliOptions {
  target: string;
  runs: string;
  seeds: string;
  maxDiff: string;
  workers?: string;
  out?: string;
  json?: boolean;
}

/** What a calibration runs: N real runs on seeds 1..N, the simulator on seeds 1..M (M ≥ N, so every real seed has its twin). */
export interface CalibratePlan {
  target: Target;
  realSeeds: number[];
  simSeeds: number[];
  maxDiffPct: number;
  workers: number;
  out?: string;
  json: boolean;
}

export const MAX_RUNS = 100;
export const MAX_SIM_SEEDS = 100_000;
const MAX_WORKERS = 64;

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag} ${text}: expected an integer from ${min} to ${max}`);
  return n;
}

/** `5%`, `5`, `2.5%` → 5, 5, 2.5 (percent of the simulator's median). */
export function parseMaxDiff(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0) || pct > 1000) throw new UsageError(`--max-diff ${text}: expected a percentage above 0 and at most 1000, such as 5%`);
  return pct;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Checks the options; a {@link UsageError} (exit 2) names the flag and what it expects. */
export function planCalibration(options: CalibrateCliOptions, cores: number): CalibratePlan {
  const target = targetOf(options.target);
  if (target.deterministic) {
    const real = Object.values(TargetsMap).filter((t) => !t.deterministic).map((t) => t.name);
    throw new UsageError(`--target ${target.name}: calibrate sets a real target beside the simulator; expected ${real.join(' or ')} (faildrill sweep runs seeds on the simulator alone)`);
  }
  const runs = integer('--runs', options.runs, 1, MAX_RUNS);
  const seeds = integer('--seeds', options.seeds, 1, MAX_SIM_SEEDS);
  if (seeds < runs) throw new UsageError(`--seeds ${seeds} is fewer than --runs ${runs}: the simulator's seeds 1..M must hold every real run's seed 1..N to pair them`);
  const workers = options.workers === undefined ? Math.min(cores, seeds) : integer('--workers', options.workers, 0, MAX_WORKERS);
  return {
    target,
    realSeeds: range(runs),
    simSeeds: range(seeds),
    maxDiffPct: parseMaxDiff(options.maxDiff),
    workers,
    ...(options.out !== undefined ? { out: options.out } : {}),
    json: options.json === true,
  };
}
