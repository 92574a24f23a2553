import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../errors.js';
import { writeSweepReports } from '../reporters/sweep-reports.js';
import { loadScenarioFile } from '../scenario/load.js';
import { SweepProgressPrinter } from '../sweep/progress.js';
import { describeSeeds, parseSeeds, parseShard, shardSeeds } from '../sweep/seeds.js';
import { formatSweepSummary } from '../sweep/summary.js';
import { runSweep, type SweepOutcome } from '../sweep/sweep.js';
import { formatDurationMs } from '../scenario/duration.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { assertRunnable } from '../run/capability-check.js';
import { TargetsMap, targetOf } from '../targets/registry.js';
import { runStamp } from '../run/run-stamp.js';
import { prepareOutputDir } from './output-paths.js';

const deterministicTargets = () => Object.values(TargetsMap).filter((t) => t.deterministic).map((t) => t.name);

interface SweepCliOptions {
  seeds: string;
  shard?: string;
  swarm: boolean;
  workers?: string;
  out?: string;
  shrink: boolean;
  shrinkLimit: string;
  target: string;
}

const MAX_WORKERS = 64;

function count(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag} ${text}: expected an integer from ${min} to ${max}`);
  return n;
}

/** `sweep-20261123T204512Z`, or with a shard `sweep-20261123T204512Z-shard1of4`. */
function sweepDirName(shard: { index: number; count: number } | undefined): string {
  return `sweep-${runStamp()}${shard ? `-shard${shard.index}of${shard.count}` : ''}`;
}

async function sweep(file: string, options: SweepCliOptions): Promise<number> {
  const seeds = parseSeeds(options.seeds);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  if (shardSeeds(seeds, shard).length === 0) throw new UsageError(`--shard ${options.shard} selects none of the ${seeds.length} seeds`);
  const workers = options.workers === undefined ? Math.min(availableParallelism(), seeds.length) : count('--workers', options.workers, 0, MAX_WORKERS);
  const shrinkLimit = options.shrink ? count('--shrink-limit', options.shrinkLimit, 0, 1_000_000) : 0;
  const target = targetOf(options.target);
  if (!target.deterministic)
    throw new UsageError(`--target ${target.name}: a sweep needs a deterministic target (same seed, same result); run single drills on ${target.name} with 'faildrill run'`);
  const loaded = await loadScenarioFile(file);
  assertRunnable(target.capabilities, target.name, loaded);
  const outDir = options.out ?? join('reports', loaded.scenario.name, sweepDirName(shard));
  await prepareOutputDir(outDir, options.out === undefined ? 'output folder' : '--out');

  const out = process.stdout;
  const printer = new SweepProgressPrinter(out, () => performance.now());
  const threads = workers === 0 ? 'in this thread' : `${workers} worker${workers === 1 ? '' : 's'}`;
  out.write(`faildrill sweep ${file}: seeds ${describeSeeds(seeds)}${shard ? `, shard ${shard.index}/${shard.count}` : ''}${options.swarm ? ', swarm' : ''}, ${threads}\n`);
  const startedAt = new Date().toISOString();
  let outcome: SweepOutcome;
  try {
    outcome = await runSweep({
      file,
      seedSpec: options.seeds,
      seeds,
      ...(shard ? { shard } : {}),
      swarm: options.swarm,
      target: target.name,
      workers,
      outDir,
      shrinkLimit,
      onProgress: (p) => printer.update(p),
    });
  } finally {
    printer.finish();
  }
  // Wall-clock facts go to the reports, never into sweep.json.
  const reports = await writeSweepReports(outcome.report, outcome.outDir, { dir: outcome.outDir, startedAt, wallMs: printer.elapsedMs(), shrunkYaml: outcome.shrunkYaml });
  out.write(formatSweepSummary(outcome.report, outcome.outDir, outcome.shrunkYaml));
  out.write(`wrote ${reports.html} and ${reports.junit}\n`);
  out.write(`elapsed ${formatDurationMs(printer.elapsedMs())}\n`);
  return outcome.report.verdict === 'pass' ? ExitCode.pass : ExitCode.expectationMissed;
}

/** `faildrill sweep <scenario>`. */
export function registerSweep(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('sweep')
    .description('run a scenario over many seeds: RTO distribution, worst seed, failing schedules shrunk')
    .argument('<scenario>', 'scenario YAML file')
    .option('--seeds <list>', 'seeds: 1..N, A..B or a comma list (3,7,11)', '1..100')
    .option('--shard <i/n>', 'run every n-th seed starting at the i-th (1-based), to split a sweep over a CI matrix')
    .option('--swarm', "draw fault timings and parameters per seed from the scenario's swarm: ranges", false)
    .option('--workers <n>', `worker threads (default: available cores, ${availableParallelism()} here; 0: this thread)`)
    .option('--out <dir>', 'output folder (default: reports/<scenario>/sweep-<UTC time>/)')
    .option('--target <target>', `where to run the seeds (a deterministic target): ${deterministicTargets().join(', ')}`, 'sim')
    .option('--no-shrink', 'do not shrink failing schedules')
    .option('--shrink-limit <n>', 'shrink at most this many failing seeds, worst first', '3')
    .addHelpText('after', EXIT_CODES_HELP.replace('the run passed: every expectation holds', 'every seed passed').replace('an expectation was missed', 'some seed missed an expectation'))
    .action(async (file: string, options: SweepCliOptions) => setExit(await sweep(file, options)));
}
