import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Reporter, RunContext } from '../reporters/reporter.js';
import { createReporters } from '../reporters/registry.js';
import { buildResult, type RunResult } from '../run/result.js';
import { runDrill } from '../run/runner.js';
import type { Target } from '../run/target.js';
import type { LoadedScenario } from '../scenario/load.js';

/** What each real run writes into its own folder: result.json and report.html (the console stays the calibration's). */
const RUN_REPORTERS = ['json', 'html'];

export interface RealRunsOptions {
  target: Target;
  loaded: LoadedScenario;
  seeds: readonly number[];
  /** The calibration's folder: run k writes into `<dir>/<target>-seed-<seed>/`. */
  dir: string;
  /** Aborted by SIGINT/SIGTERM: the running drill undoes its faults and no further run starts. */
  signal: AbortSignal;
  tools: Record<string, string>;
  onRunStart?: (seed: number, index: number) => void;
  onRunEnd?: (result: RunResult, index: number) => void;
}

export interface RealRunsOutcome {
  runs: Array<{ result: RunResult; outDir: string }>;
  /** A signal stopped the runs; the interrupted one is not among them. */
  aborted: boolean;
  /** The interrupted drill's invariants (every fault undone, …), when it got far enough to check them. */
  abortedChecks?: string;
}

/** The folder of one real run, relative to the calibration's. */
export const runFolderOf = (target: string, seed: number): string => `${target}-seed-${seed}`;

/**
 * Runs the scenario on a real target once per seed, one after the other (the runs share the
 * machine's namespaces and cores), each with its own out folder; stops at the first signal.
 */
export async function runReal(options: RealRunsOptions): Promise<RealRunsOutcome> {
  const { target, loaded, signal } = options;
  const runs: RealRunsOutcome['runs'] = [];
  for (const [index, seed] of options.seeds.entries()) {
    if (signal.aborted) return { runs, aborted: true };
    options.onRunStart?.(seed, index);
    const folder = runFolderOf(target.name, seed);
    const outDir = join(options.dir, folder);
    const startedAt = new Date().toISOString();
    const started = performance.now();
    let record;
    try {
      record = await runDrill(target, loaded.scenario, { seed, file: loaded.file, signal });
    } catch (err) {
      // a signal during setup: the session tore down what it had made and gave up
      if (!signal.aborted) throw err;
      return { runs, aborted: true };
    }
    if (record.aborted) {
      const checks = record.invariants.map((i) => `${i.name} ${i.pass ? 'pass' : `FAIL (${i.message})`}`).join(', ');
      return { runs, aborted: true, abortedChecks: checks };
    }
    const result = buildResult(loaded, record);
    const context: RunContext = { file: loaded.file, startedAt, wallMs: Math.round(performance.now() - started), tools: options.tools };
    const reporters: Reporter[] = createReporters(RUN_REPORTERS);
    for (const r of reporters) await r.onRunEnd?.(result, outDir, context);
    runs.push({ result, outDir: folder });
    options.onRunEnd?.(result, index);
  }
  return { runs, aborted: false };
}
