import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError, type Command } from 'commander';
import { EnvironmentError, ExitCode, ScenarioError, UsageError } from '../errors.js';
import { headCommit, lastCommitOf } from '../history/git.js';
import { appendHistory, DEFAULT_HISTORY_FILE, historyEntryOf, readHistory, sameScenario } from '../history/history.js';
import type { RunContext } from '../reporters/reporter.js';
import { DEFAULT_REPORTERS, ReportersMap, createReporters } from '../reporters/registry.js';
import { assertRunnable } from '../run/capability-check.js';
import { runDrill } from '../run/runner.js';
import type { Target, TargetSettings } from '../run/target.js';
import { TargetsMap, targetNames, targetOf } from '../targets/registry.js';
import { onInterrupt } from './interrupt.js';
import { buildResult, type RunResult } from '../run/result.js';
import { version } from '../run/version.js';
import { sampleShape } from '../scenario/consistency.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.js';
import { sampleMemoryProblem } from '../scenario/memory-budget.js';
import { checkHistoryForAppend, prepareOutputDir, writingOutputs } from './output-paths.js';
import { EXIT_CODES_HELP, StopExitCode } from './exit-codes.js';
import { describeHalt } from '../run/abort/halt.js';
import { fileHaltSwitch, haltFile, HALT_ENV, readHalt } from '../run/abort/halt-file.js';
import { renderPlan } from '../run/dry-run.js';
import { runStamp } from '../run/run-stamp.js';

interface RunOptions {
  seed?: number;
  out?: string;
  reporter: string[];
  target: string;
  /** History file, or false with `--no-history`. */
  history: string | false;
  /** Print the plan and change nothing. */
  dryRun?: boolean;
}

/** Whether the kill switch applies to `target`: it does to every target that can leave something behind (it changes the world). */
const haltApplies = (target: Target) => target.cleanup !== undefined;

/** `--dry-run`: prints what the run would do, from the target's own fault code, and changes nothing. */
async function dryRun(target: Target, loaded: Awaited<ReturnType<typeof loadScenarioFile>>, seed: number, settings: TargetSettings): Promise<number> {
  if (!target.describe) throw new UsageError(`the ${target.name} target cannot describe a run: --dry-run is not available there`);
  const plan = await target.describe(loaded.scenario, { seed, settings });
  const on = readHalt();
  const halt = { watched: haltApplies(target), source: process.env[HALT_ENV] ? `${haltFile()} or ${HALT_ENV}` : haltFile(), ...(on && haltApplies(target) ? { on: describeHalt(on) } : {}) };
  process.stdout.write(renderPlan(loaded.scenario, target.name, plan, seed, halt));
  return ExitCode.pass;
}

/** Versions of the tools a run used, for the report's environment section. */
export function toolVersions(): Record<string, string> {
  return { faildrill: version, node: process.version, platform: `${process.platform} ${process.arch}` };
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
  return `${runStamp()}-s${seed}`;
}

/**
 * A real target records its probe's samples at load.probeInterval (the simulator at
 * measure.resolution, checked by validation): the run must fit the same memory budget.
 */
function assertSamplesFit(target: Target, loaded: LoadedScenario): void {
  if (target.deterministic) return;
  const { scenario } = loaded;
  const problem = sampleMemoryProblem(sampleShape(scenario), scenario.load.probeIntervalMs, 'load.probeInterval');
  if (problem) throw new ScenarioError([{ file: loaded.file, ...loaded.positionOf(['duration']), path: 'duration', message: `on the ${target.name} target: ${problem}` }]);
}

/** Throws {@link EnvironmentError} (exit 3) naming exactly what the machine lacks for `target`. */
async function assertEnvironment(target: Target, loaded: Awaited<ReturnType<typeof loadScenarioFile>>, settings: TargetSettings): Promise<void> {
  const missing = await target.preflight(loaded.scenario, settings);
  if (missing.length === 0) return;
  const lines = missing.map((m) => `  ${m.name}: needed for ${m.why} (${m.install})`);
  throw new EnvironmentError(`the ${target.name} target cannot run ${loaded.file} here; missing:\n${lines.join('\n')}`, missing.map((m) => m.name));
}

async function run(file: string, options: RunOptions & Record<string, unknown>): Promise<number> {
  const target = targetOf(options.target);
  const settings = targetSettings(target, options);
  const reporters = createReporters(options.reporter);
  const loaded = await loadScenarioFile(file);
  assertRunnable(target.capabilities, target.name, loaded);
  assertSamplesFit(target, loaded);
  const seed = options.seed ?? loaded.scenario.seed;
  if (options.dryRun) return dryRun(target, loaded, seed, settings);
  const halted = haltApplies(target) ? readHalt() : undefined;
  if (halted) {
    process.stderr.write(`faildrill: not starting ${file}: the kill switch is on: ${describeHalt(halted)}; 'faildrill halt --release' lifts it\n`);
    return StopExitCode.refusedWhileHalted;
  }
  // what the machine lacks to run the target at all first (root, keepalived, …), then where the results go
  await assertEnvironment(target, loaded, settings);
  const outDir = options.out ?? join('reports', loaded.scenario.name, runId(seed));
  await prepareOutputDir(outDir, options.out === undefined ? 'output folder' : '--out');
  if (options.history !== false) await checkHistoryForAppend(options.history);
  const startedAt = new Date().toISOString();
  const started = performance.now();
  for (const r of reporters) r.onRunStart?.({ file, scenario: loaded.scenario.name, seed, target: options.target, outDir, startedAt });
  const interrupt = onInterrupt();
  let record;
  try {
    record = await runDrill(target, loaded.scenario, {
      seed,
      file,
      settings,
      signal: interrupt.signal,
      ...(haltApplies(target) ? { halt: fileHaltSwitch() } : {}),
      onEvent: (event) => reporters.forEach((r) => r.onEvent?.(event)),
      onProgress: (progress) => reporters.forEach((r) => r.onProgress?.(progress)),
    });
  } catch (err) {
    // a signal during setup or the load lead: the session tore down what it had made and gave up
    if (!interrupt.signal.aborted) throw err;
  } finally {
    interrupt.release();
  }
  // a signal that came while the run tore down also ends it as interrupted: the user asked it to stop
  if (record === undefined || record.aborted || interrupt.signal.aborted) {
    const by = String(interrupt.signal.reason);
    const checks = record ? `; ${record.invariants.map((i) => `${i.name} ${i.pass ? 'pass' : `FAIL (${i.message})`}`).join(', ')}` : '';
    process.stderr.write(`\nfaildrill: run interrupted by ${by}${record ? '; every fault undone' : ' before the drill began; setup torn down'}${checks}; nothing reported\n`);
    interrupt.reraise();
    return by === 'SIGTERM' ? 143 : 130;
  }
  const result = buildResult(loaded, record);
  const wallMs = Math.round(performance.now() - started);
  const [scenarioCommit, commit, history] = await Promise.all([
    lastCommitOf(file),
    options.history === false ? undefined : headCommit(),
    options.history === false ? [] : readHistory(options.history),
  ]);
  const context: RunContext = {
    file,
    startedAt,
    wallMs,
    scenarioCommit,
    previousRuns: sameScenario(history, result.scenario.hash, result.target),
    tools: toolVersions(),
  };
  const outcome = `the drill itself ${result.verdict === 'pass' ? 'passed' : result.verdict === 'fail' ? 'missed an expectation' : `was ${result.verdict} (${result.stop?.message ?? 'stopped early'})`}`;
  await writingOutputs(`the reports in ${outDir}`, outcome, async () => {
    for (const r of reporters) await r.onRunEnd?.(result, outDir, context);
  });
  const historyFile = options.history;
  if (historyFile !== false) {
    await writingOutputs(`--history ${historyFile}`, outcome, () => appendHistory(historyFile, historyEntryOf(result, { time: startedAt, wallMs, commit, scenarioCommit, outDir })));
  }
  return exitCodeOf(result.verdict);
}

function exitCodeOf(verdict: RunResult['verdict']): number {
  if (verdict === 'aborted') return StopExitCode.aborted;
  if (verdict === 'halted') return StopExitCode.halted;
  return verdict === 'pass' ? ExitCode.pass : ExitCode.expectationMissed;
}

/** The chosen target's own option values; another target's option is a usage error (exit 2). */
function targetSettings(target: Target, options: Record<string, unknown>): TargetSettings {
  for (const other of Object.values(TargetsMap)) {
    if (other === target) continue;
    for (const option of other.options ?? [])
      if (options[option.key] !== undefined) throw new UsageError(`${option.flags.split(' ')[0]} is an option of the ${other.name} target; this run's target is ${target.name}`);
  }
  const settings: Record<string, string | undefined> = {};
  for (const option of target.options ?? []) {
    const value = options[option.key];
    if (value === undefined) continue;
    if (option.choices && !option.choices.includes(String(value)))
      throw new UsageError(`${option.flags.split(' ')[0]} ${String(value)}: expected one of ${option.choices.join(', ')}`);
    settings[option.key] = String(value);
  }
  return settings;
}

/** `faildrill run <file>`. */
export function registerRun(cli: Command, setExit: (code: number) => void): void {
  const command = cli
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
    .option('--target <target>', `where to run: ${targetNames().join(', ')}`, 'sim')
    .option('--history <file>', 'append one line per run to this history file (trends)', DEFAULT_HISTORY_FILE)
    .option('--no-history', 'do not read or append the history')
    .option('--dry-run', 'print the plan (setup, each fault with the commands or API calls that apply and undo it, the schedule, stop conditions, expectations) and change nothing');
  for (const target of Object.values(TargetsMap))
    for (const option of target.options ?? []) command.option(option.flags, `[${target.name}] ${option.description}${option.choices ? ` (${option.choices.join(', ')})` : ''}`);
  command
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (file: string, options: RunOptions & Record<string, unknown>) => setExit(await run(file, options)));
}
