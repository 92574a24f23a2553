import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitCode, FaildrillError, ScenarioError, UsageError } from './errors.js';
import { DEFAULT_REPORTERS, ReportersMap, createReporters } from './reporters/registry.js';
import { runSimDrill } from './run/drill.js';
import { buildResult } from './run/result.js';
import { version } from './run/version.js';
import { loadScenarioFile } from './scenario/load.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  the run passed: every expectation holds
  1  an expectation was missed
  2  invalid scenario or usage (the message names file:line:col and the field)
  3  the environment is missing something the target needs`;

const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

interface RunOptions {
  seed?: number;
  out?: string;
  reporter: string[];
  target: string;
}

function parseSeed(text: string): number {
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

async function runCommand(file: string, options: RunOptions): Promise<number> {
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

async function validateCommand(files: string[]): Promise<number> {
  let worst: number = ExitCode.pass;
  for (const file of files) {
    try {
      const { scenario } = await loadScenarioFile(file);
      process.stdout.write(`${file}: ok (${scenario.name}, ${scenario.faults.length} faults)\n`);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      process.stderr.write(err.message + '\n');
      worst = ExitCode.invalidInput;
    }
  }
  return worst;
}

async function listCommand(): Promise<number> {
  const files = (await readdir(SCENARIOS_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    const path = join(SCENARIOS_DIR, f);
    try {
      const { scenario } = await loadScenarioFile(path);
      process.stdout.write(`${relative(process.cwd(), path).padEnd(40)} ${scenario.description}\n`);
    } catch (err) {
      process.stdout.write(`${relative(process.cwd(), path).padEnd(40)} (invalid: ${(err as Error).message.split('\n')[0]})\n`);
    }
  }
  return ExitCode.pass;
}

function program(setExit: (code: number) => void): Command {
  const cli = new Command('faildrill')
    .description('Chaos and failover drills: inject faults, let the controller fail over, measure what clients saw.')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  cli
    .command('run')
    .description('run one scenario and report detection, switch, RTO and failback against its expectations')
    .argument('<file>', 'scenario YAML file')
    .option('--seed <n>', 'root seed (default: the scenario\'s seed)', parseSeed)
    .option('--out <dir>', 'output folder (default: reports/<scenario>/<run-id>/)')
    .option(
      '--reporter <names>',
      `reporters, comma-separated or repeated: ${Object.keys(ReportersMap).join(', ')}`,
      collectReporters,
      DEFAULT_REPORTERS,
    )
    .addOption(new Option('--target <target>', 'where to run').choices(['sim', 'host', 'aws']).default('sim'))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (file: string, options: RunOptions) => setExit(await runCommand(file, options)));

  cli
    .command('validate')
    .description('check scenario files without running them')
    .argument('<files...>', 'scenario YAML files')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (files: string[]) => setExit(await validateCommand(files)));

  cli
    .command('list')
    .description('list the shipped scenarios with their descriptions')
    .action(async () => setExit(await listCommand()));

  return cli;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.pass;
  try {
    await program((code) => (exitCode = code)).parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      const done = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      return done ? ExitCode.pass : ExitCode.invalidInput;
    }
    if (err instanceof FaildrillError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`faildrill: internal error: ${(err as Error).message}\n`);
    if (process.env.FAILDRILL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return ExitCode.internal;
  }
}
