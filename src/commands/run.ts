import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ExitCode, UsageError } from '../errors.js';
import { DEFAULT_REPORTERS, ReportersMap, createReporters } from '../reporters/registry.js';
import { runSimDrill } from '../run/drill.js';
import { buildResult } from '../run/result.js';
import { loadScenarioFile } from '../scenario/load.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

interface RunOptions {
  seed?: number;
  out?: string;
  reporter: string[];
  target: string;
}

/** `--seed`: an integer seed. */
export function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected an integer from 0 to 2147483647');
  return n;
}

function collectReporters(value: string, previous: string[] | undefined): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  return [...(previous === DEFAULT_REPORTERS ? [] : (previous ?? [])), ...names];
}

/** A run id that sorts by time: `20261123T204512Z-s42`. */
function runId(seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-s${seed}`;
}

async function run(file: string, options: RunOptions): Promise<number> {
  if (options.target !== 'sim')
    throw new UsageError(`target '${options.target}' is not available yet; this version runs --target sim (see the README's capability matrix)`);
  const reporters = createReporters(options.reporter);
  const loaded = await loadScenarioFile(file);
  const seed = options.seed ?? loaded.scenario.seed;
  const outDir = options.out ?? join('reports', loaded.scenario.name, runId(seed));
  for (const r of reporters) r.onRunStart?.({ file, scenario: loaded.scenario.name, seed, target: options.target, outDir });
  const record = await runSimDrill(loaded.scenario, {
    seed,
    onEvent: (event) => reporters.forEach((r) => r.onEvent?.(event)),
    onProgress: (progress) => reporters.forEach((r) => r.onProgress?.(progress)),
  });
  const result = buildResult(loaded, record);
  for (const r of reporters) await r.onRunEnd?.(result, outDir);
  return result.verdict === 'pass' ? ExitCode.pass : ExitCode.expectationMissed;
}

/** `faildrill run <file>`. */
export function registerRun(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('run')
    .description('run one scenario and report detection, switch, RTO and failback against its expectations')
    .argument('<file>', 'scenario YAML file')
    .option('--seed <n>', "root seed (default: the scenario's seed)", parseSeed)
    .option('--out <dir>', 'output folder (default: reports/<scenario>/<run-id>/)')
    .option(
      '--reporter <names>',
      `reporters, comma-separated or repeated: ${Object.keys(ReportersMap).join(', ')}`,
      collectReporters,
      DEFAULT_REPORTERS,
    )
    .addOption(new Option('--target <target>', 'where to run').choices(['sim', 'host', 'aws']).default('sim'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (file: string, options: RunOptions) => setExit(await run(file, options)));
}
