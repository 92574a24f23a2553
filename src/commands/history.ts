import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import { DEFAULT_HISTORY_FILE, readHistory, type HistoryEntry } from '../history/history.js';
import { DEFAULT_REGRESSION_THRESHOLD, regressionsOf, TREND_METRICS } from '../history/trend.js';
import { formatCount, formatMs, formatWhen } from '../reporters/format.js';
import { sparkline, textTable } from '../reporters/text-table.js';
import { percentNumber } from '../scenario/limit.js';
import { loadScenarioFile } from '../scenario/load.js';
import { checkHistoryForRead } from './output-paths.js';

interface HistoryOptions {
  target: string;
  last: number;
  history: string;
  threshold: number;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new InvalidArgumentError('expected a whole number of runs, 1 or more');
  return n;
}

function percent(text: string): number {
  const n = percentNumber(text);
  if (n === undefined) throw new InvalidArgumentError('expected a percentage such as 20 or 20%');
  return n / 100;
}

/** Which runs the argument names: a scenario file means its exact document (hash), otherwise a scenario name. */
async function selector(scenario: string): Promise<{ label: string; matches: (e: HistoryEntry) => boolean }> {
  if (existsSync(scenario)) {
    const loaded = await loadScenarioFile(scenario);
    return { label: `${loaded.scenario.name} (${scenario}, hash ${loaded.hash})`, matches: (e) => e.hash === loaded.hash };
  }
  return { label: scenario, matches: (e) => e.scenario === scenario };
}

async function history(scenario: string, options: HistoryOptions): Promise<number> {
  await checkHistoryForRead(options.history);
  const { label, matches } = await selector(scenario);
  const all = (await readHistory(options.history)).filter((e) => matches(e) && e.target === options.target);
  const runs = all.slice(-options.last);
  if (runs.length === 0) {
    process.stdout.write(`no runs of ${label} on target ${options.target} in ${options.history}\n`);
    return ExitCode.pass;
  }
  process.stdout.write(`${label} on ${options.target}: last ${runs.length} of ${all.length} runs in ${options.history}\n\n`);
  const rows = runs.map((e) => [
    formatWhen(e.time),
    String(e.seed),
    e.verdict === 'pass' ? 'pass' : 'FAIL',
    formatMs(e.metrics.detectionMs),
    formatMs(e.metrics.switchMs),
    formatMs(e.metrics.rtoMs),
    formatMs(e.metrics.failbackMs),
    formatMs(e.metrics.downtimeMs),
    `${formatCount(e.metrics.errorCount)}/${formatCount(e.metrics.requestCount)}`,
    e.hash.slice(0, 8),
    e.commit?.slice(0, 8) ?? '—',
  ]);
  process.stdout.write(textTable(['time', 'seed', 'verdict', 'detection', 'switch', 'RTO', 'failback', 'downtime', 'errors', 'scenario', 'commit'], rows));
  process.stdout.write('\n');
  for (const { name, key } of TREND_METRICS) {
    process.stdout.write(`${name.padEnd(9)}  ${sparkline(runs.map((e) => e.metrics[key]))}\n`);
  }
  const latest = runs.at(-1)!;
  const previous = runs.slice(0, -1).filter((e) => e.hash === latest.hash);
  process.stdout.write('\n');
  if (previous.length === 0) {
    process.stdout.write(`latest run: no earlier runs of the same document (hash ${latest.hash}) to compare with\n`);
    return ExitCode.pass;
  }
  const regressions = regressionsOf(latest.metrics, previous.map((e) => e.metrics), options.threshold);
  if (regressions.length === 0) {
    process.stdout.write(`latest run: no regression (RTO, detection, switch within ${Math.round(options.threshold * 100)}% of the median of the ${previous.length} runs of the same document before it)\n`);
  }
  for (const r of regressions) {
    const now = r.currentMs === null ? 'did not happen' : formatMs(r.currentMs);
    process.stdout.write(`latest run: regression in ${r.metric}: ${now} vs median ${formatMs(r.medianMs)} of the ${previous.length} runs of the same document before it\n`);
  }
  return ExitCode.pass;
}

/** `faildrill history <scenario>`. */
export function registerHistory(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('history')
    .description('print the trend of a scenario from the run history: detection, switch, RTO per run')
    .argument('<scenario>', 'scenario name, or a scenario file (then only runs of exactly that document)')
    .addOption(new Option('--target <target>', 'runs on this target').choices(['sim', 'host', 'aws']).default('sim'))
    .option('--last <n>', 'show the last n runs', positiveInt, 20)
    .option('--history <file>', 'history file', DEFAULT_HISTORY_FILE)
    .addOption(
      new Option('--threshold <percent>', 'regression threshold against the median of earlier runs')
        .argParser(percent)
        .default(DEFAULT_REGRESSION_THRESHOLD, `${DEFAULT_REGRESSION_THRESHOLD * 100}%`),
    )
    .action(async (scenario: string, options: HistoryOptions) => setExit(await history(scenario, options)));
}
