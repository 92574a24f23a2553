import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildCalibration, type CalibrationReport } from '../calibrate/report.js';
import { renderCalibrationHtml } from '../calibrate/html.js';
import { planCalibration, type CalibrateCliOptions, type CalibratePlan } from '../calibrate/options.js';
import { runReal } from '../calibrate/real-runs.js';
import { simulateSeeds } from '../calibrate/sim-seeds.js';
import { formatCalibration, msText } from '../calibrate/table.js';
import { EnvironmentError, ExitCode } from '../errors.js';
import { assertRunnable } from '../run/capability-check.js';
import { runStamp } from '../run/run-stamp.js';
import { version } from '../run/version.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.js';
import { simTarget } from '../targets/sim/target.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { onInterrupt } from './interrupt.js';
import { toolVersions } from './run.js';

/** Throws {@link EnvironmentError} (exit 3) naming what the machine lacks for the real target. */
async function assertEnvironment(plan: CalibratePlan, loaded: LoadedScenario): Promise<void> {
  const missing = await plan.target.preflight(loaded.scenario, {});
  if (missing.length === 0) return;
  const lines = missing.map((m) => `  ${m.name}: needed for ${m.why} (${m.install})`);
  throw new EnvironmentError(`the ${plan.target.name} target cannot run ${loaded.file} here; missing:\n${lines.join('\n')}`, missing.map((m) => m.name));
}

function rerunCommand(file: string, plan: CalibratePlan): string {
  return `faildrill calibrate ${file} --target ${plan.target.name} --runs ${plan.realSeeds.length} --seeds ${plan.simSeeds.length} --max-diff ${plan.maxDiffPct}%`;
}

async function calibrate(file: string, options: CalibrateCliOptions): Promise<number> {
  const plan = planCalibration(options, availableParallelism());
  const loaded = await loadScenarioFile(file);
  assertRunnable(simTarget.capabilities, simTarget.name, loaded);
  assertRunnable(plan.target.capabilities, plan.target.name, loaded);
  await assertEnvironment(plan, loaded);
  const target = plan.target.name;
  const dir = plan.out ?? join('reports', loaded.scenario.name, `calibrate-${target}-${runStamp()}`);
  const log = (text: string) => process.stderr.write(text);
  const startedAt = new Date().toISOString();

  const interrupt = onInterrupt();
  let outcome;
  let sim;
  try {
    log(`faildrill calibrate ${file}: ${plan.simSeeds.length} simulator seeds, then ${plan.realSeeds.length} ${target} runs one after another → ${dir}\n`);
    sim = await simulateSeeds({ file: loaded.file, text: await readFile(file, 'utf8'), seeds: plan.simSeeds, workers: plan.workers, signal: interrupt.signal });
    const twin = new Map(sim.map((r) => [r.seed, r]));
    outcome = await runReal({
      target: plan.target,
      loaded,
      seeds: plan.realSeeds,
      dir,
      signal: interrupt.signal,
      tools: toolVersions(),
      onRunStart: (seed, i) => log(`${target} run ${i + 1}/${plan.realSeeds.length} (seed ${seed})… `),
      onRunEnd: (result) => {
        const m = result.metrics;
        const s = twin.get(result.seed);
        log(`detection ${msText(m.detectionMs)}, switch ${msText(m.switchMs)}, RTO ${msText(m.rtoMs)} (sim: ${msText(s?.detectionMs ?? null)}, ${msText(s?.switchMs ?? null)}, ${msText(s?.rtoMs ?? null)})\n`);
      },
    });
  } finally {
    interrupt.release();
  }
  if (interrupt.signal.aborted || outcome.aborted) {
    const by = String(interrupt.signal.reason);
    const done = outcome?.runs.length ?? 0;
    log(`\nfaildrill: calibration interrupted by ${by} after ${done} of ${plan.realSeeds.length} ${target} runs; every fault undone${outcome?.abortedChecks ? ` (${outcome.abortedChecks})` : ''}; nothing compared\n`);
    interrupt.reraise();
    return by === 'SIGTERM' ? 143 : 130;
  }

  const report: CalibrationReport = buildCalibration({
    version,
    scenario: { name: loaded.scenario.name, file: loaded.file, hash: loaded.hash },
    target,
    startedAt,
    real: outcome.runs,
    sim,
    simSeeds: { from: plan.simSeeds[0]!, to: plan.simSeeds.at(-1)! },
    maxDiffPct: plan.maxDiffPct,
  });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'calibration.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(dir, 'calibration.html'), renderCalibrationHtml(report, rerunCommand(file, plan)));
  process.stdout.write(plan.json ? JSON.stringify(report, null, 2) + '\n' : formatCalibration(report, file, dir));
  return report.verdict === 'pass' ? ExitCode.pass : ExitCode.expectationMissed;
}

/** `faildrill calibrate <scenario> --target host|aws`. */
export function registerCalibrate(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('calibrate')
    .description("run a scenario N times on a real target and M seeds on the simulator; set detection, switch and RTO side by side, paired by seed")
    .argument('<scenario>', 'scenario YAML file')
    .requiredOption('--target <target>', 'the real target: host or aws')
    .option('--runs <n>', 'real runs, one after another, on seeds 1..N', '3')
    .option('--seeds <m>', 'simulator seeds 1..M (M ≥ N: they hold every real seed)', '200')
    .option('--max-diff <pct>', 'most the PAIRED median RTOs may differ, in % of the simulator’s (exit 1 beyond)', '5%')
    .option('--workers <n>', `worker threads for the simulator's seeds (default: available cores, ${availableParallelism()} here; 0: this thread)`)
    .option('--out <dir>', 'output folder (default: reports/<scenario>/calibrate-<target>-<UTC time>/): calibration.json, calibration.html, one folder per real run')
    .option('--json', 'print calibration.json instead of the tables')
    .addHelpText(
      'after',
      `
The real runs use seeds 1..N; a host run starts at the phase the simulator draws from the same seed, so
each real run is PAIRED with the simulator's run of its seed. The exit criterion is the paired one: the
median RTO of the real runs against the median RTO of the simulator over the same seeds. The unpaired
figures (all M simulator seeds) are printed too.
${EXIT_CODES_HELP.replace('the run passed: every expectation holds', 'the paired median RTOs differ by at most --max-diff').replace('an expectation was missed', 'they differ by more (or no RTO to compare)')}
  130/143  interrupted (Ctrl-C / SIGTERM): the running drill's faults undone, nothing compared`,
    )
    .action(async (file: string, options: CalibrateCliOptions) => setExit(await calibrate(file, options)));
}
