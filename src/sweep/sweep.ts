import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { version } from '../run/version.js';
import { InlineExecutor, ThreadPool, type SeedExecutor } from './pool.js';
import type { WorkerInit } from './protocol.js';
import {
  SWEEP_SCHEMA_VERSION,
  distributionsOf,
  replayCommand,
  worstFirst,
  type Replay,
  type SweepFailure,
  type SweepReport,
} from './report.js';
import type { SeedRow, ShrinkOutcome } from './runner.js';
import { addHeaderComment, documentText, loadSource, rebaseSchemaComment, type ScenarioSource } from './scenario-doc.js';
import { shardSeeds, type Shard } from './seeds.js';
import { prettyJson } from './json.js';
import { DEFAULT_MAX_ATTEMPTS } from './shrink.js';
import { applySwarm, checkSwarm } from './swarm.js';

/** What to sweep and how. */
export interface SweepOptions {
  file: string;
  /** `--seeds` as given (for the report). */
  seedSpec: string;
  /** Every seed of the sweep, before sharding. */
  seeds: readonly number[];
  shard?: Shard;
  swarm: boolean;
  /** The registered target to sweep on (default sim); it must be deterministic. */
  target?: string;
  /** Worker threads; 0 runs in the calling thread. */
  workers: number;
  outDir: string;
  /** Failing seeds to shrink, worst first; 0 shrinks none. */
  shrinkLimit: number;
  /** Runs one shrink may spend. */
  maxShrinkAttempts?: number;
  onProgress?: (progress: SweepProgress) => void;
}

/** Where a sweep is: running seeds, then shrinking failures. */
export interface SweepProgress {
  phase: 'seeds' | 'shrink';
  done: number;
  total: number;
  failures: number;
}

/** A finished sweep: the report as written to sweep.json and every file written. */
export interface SweepOutcome {
  report: SweepReport;
  outDir: string;
  files: { sweepJson: string; shrunk: Map<number, string>; replays: Map<number, string> };
  /** Shrunk scenarios as written, by seed. */
  shrunkYaml: Map<number, string>;
}

/** Most drawn scenarios a swarm sweep writes for replay (the worst seed and failures, worst first). */
export const MAX_REPLAY_FILES = 100;

async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

function executorFor(init: WorkerInit, workers: number): SeedExecutor {
  return workers > 0 ? new ThreadPool(init, workers) : new InlineExecutor(init);
}

/**
 * Runs a scenario over many seeds (optionally drawing swarm parameters per seed) in worker threads,
 * shrinks the worst failing seeds' schedules, and writes sweep.json, the shrunk scenarios and (with
 * swarm) the drawn scenarios to replay into `outDir`.
 */
export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const source = await loadSource(options.file);
  if (options.swarm) {
    checkSwarm(source);
    applySwarm(source, options.seeds[0] ?? 0);
  }
  const seeds = shardSeeds(options.seeds, options.shard);
  if (seeds.length === 0)
    throw new UsageError(`--shard ${options.shard?.index}/${options.shard?.count} selects none of the ${options.seeds.length} seeds`);

  const executor = executorFor({ file: source.file, text: source.text, swarm: options.swarm, target: options.target ?? 'sim' }, Math.min(options.workers, seeds.length));
  let rows: SeedRow[];
  const shrunk = new Map<number, ShrinkOutcome>();
  try {
    let done = 0;
    let failures = 0;
    const progress = (phase: SweepProgress['phase'], total: number) => options.onProgress?.({ phase, done, total, failures });
    progress('seeds', seeds.length);
    rows = await mapConcurrent(seeds, executor.parallelism * 2, async (seed) => {
      const row = await executor.run(seed);
      done++;
      if (row.verdict === 'fail') failures++;
      progress('seeds', seeds.length);
      return row;
    });
    const toShrink = rows.filter((r) => r.verdict === 'fail').sort(worstFirst).slice(0, options.shrinkLimit);
    if (toShrink.length > 0) {
      done = 0;
      progress('shrink', toShrink.length);
      await mapConcurrent(toShrink, executor.parallelism, async (row) => {
        const outcome = await executor.shrink(row.seed, options.maxShrinkAttempts ?? DEFAULT_MAX_ATTEMPTS);
        if (outcome) shrunk.set(row.seed, outcome);
        done++;
        progress('shrink', toShrink.length);
      });
    }
  } finally {
    await executor.close();
  }
  return writeSweep(source, options, seeds, rows, shrunk);
}

async function writeSweep(
  source: ScenarioSource,
  options: SweepOptions,
  seeds: number[],
  rows: SeedRow[],
  shrunk: Map<number, ShrinkOutcome>,
): Promise<SweepOutcome> {
  const { outDir } = options;
  await mkdir(outDir, { recursive: true });
  const ranked = [...rows].sort(worstFirst);
  const replays = new Map<number, string>();
  const replayOf = async (seed: number): Promise<Replay> => {
    if (!options.swarm) return { file: source.file, seed, inSweepDir: false };
    const name = `swarm-seed-${seed}.yaml`;
    if (!replays.has(seed)) {
      if (replays.size >= MAX_REPLAY_FILES) return { file: source.file, seed, inSweepDir: false };
      const draw = applySwarm(source, seed);
      const path = join(outDir, name);
      rebaseSchemaComment(draw.doc, source.file, path);
      addHeaderComment(draw.doc, [`drawn by faildrill sweep --swarm from ${source.file} for seed ${seed}; replay: faildrill run ${path} --seed ${seed}`]);
      await writeFile(path, documentText(draw.doc));
      replays.set(seed, path);
    }
    return { file: name, seed, inSweepDir: true };
  };

  const worstRow = ranked[0];
  const worst: SweepReport['worst'] = worstRow
    ? {
        seed: worstRow.seed,
        verdict: worstRow.verdict,
        rtoMs: worstRow.rtoMs,
        failed: worstRow.failed,
        ...(worstRow.drawn ? { drawn: worstRow.drawn } : {}),
        replay: await replayOf(worstRow.seed),
      }
    : null;

  const shrunkFiles = new Map<number, string>();
  const shrunkYaml = new Map<number, string>();
  const failures: SweepFailure[] = [];
  for (const row of ranked.filter((r) => r.verdict === 'fail')) {
    const outcome = shrunk.get(row.seed);
    let shrunkEntry: SweepFailure['shrunk'] = null;
    if (outcome) {
      const { yaml, seed: _seed, ...figures } = outcome;
      const name = `shrunk-seed-${row.seed}.yaml`;
      const path = join(outDir, name);
      const text = shrunkText(yaml, source, outcome, path);
      await writeFile(path, text);
      shrunkFiles.set(row.seed, path);
      shrunkYaml.set(row.seed, text);
      shrunkEntry = { file: name, ...figures };
    }
    failures.push({ seed: row.seed, failed: row.failed, failure: row.failure ?? 'run:failed', rtoMs: row.rtoMs, replay: await replayOf(row.seed), shrunk: shrunkEntry });
  }

  const failed = rows.filter((r) => r.verdict === 'fail').length;
  const report: SweepReport = {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    faildrill: { version },
    scenario: { name: source.loaded.scenario.name, file: source.file, hash: source.loaded.hash },
    target: 'sim',
    seeds: { spec: options.seedSpec, count: seeds.length, list: seeds },
    shard: options.shard ?? null,
    swarm: options.swarm,
    verdict: failed > 0 ? 'fail' : 'pass',
    passed: rows.length - failed,
    failed,
    distribution: distributionsOf(rows),
    worst,
    failures,
    rows,
  };
  const sweepJson = join(outDir, 'sweep.json');
  await writeFile(sweepJson, prettyJson(report));
  return { report, outDir, files: { sweepJson, shrunk: shrunkFiles, replays }, shrunkYaml };
}

/** The shrunk scenario with a header saying where it came from and how to replay it. */
function shrunkText(yaml: string, source: ScenarioSource, outcome: ShrinkOutcome, path: string): string {
  const doc = parseDocument(yaml);
  rebaseSchemaComment(doc, source.file, path);
  addHeaderComment(doc, [
    `shrunk by faildrill sweep from ${source.file}, seed ${outcome.seed} (${outcome.failure}):`,
    `${outcome.faults.before} → ${outcome.faults.after} faults, ${outcome.operations.before} → ${outcome.operations.after} operations, ${outcome.attempts} runs${outcome.exhausted ? ' (budget spent; smaller may exist)' : ''}`,
    `replay: ${replayCommand({ file: path, seed: outcome.seed, inSweepDir: false }, '')}`,
  ]);
  return documentText(doc);
}
