import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { DEFAULT_HISTORY_FILE, readHistory, sameScenario, type HistoryEntry } from '../history/history.js';
import { HtmlReporter } from '../reporters/html/reporter.js';
import { JunitReporter } from '../reporters/junit.js';
import type { RunContext } from '../reporters/reporter.js';
import type { RunResult } from '../run/result.js';
import { checkHistoryForRead, prepareOutputDir, writingOutputs } from './output-paths.js';
import { readResultFile } from './result-file.js';

interface ReportOptions {
  out?: string;
  history: string | false;
}

/** Recovers what a re-render can know about the run from the history: its wall-clock facts and earlier runs. */
export function contextFromHistory(result: RunResult, resultFile: string, history: readonly HistoryEntry[]): RunContext {
  const runs = sameScenario(history, result.scenario.hash, result.target);
  const folder = resolve(dirname(resultFile));
  const index = runs.findIndex((e) => e.seed === result.seed && e.outDir !== undefined && resolve(e.outDir) === folder);
  if (index < 0) return { previousRuns: runs };
  const own = runs[index]!;
  return {
    file: own.file,
    startedAt: own.time,
    wallMs: own.wallMs,
    ...(own.scenarioCommit ? { scenarioCommit: own.scenarioCommit } : {}),
    previousRuns: runs.slice(0, index),
  };
}

async function report(file: string, options: ReportOptions): Promise<number> {
  const result = await readResultFile(file);
  const outDir = options.out ?? dirname(file);
  await prepareOutputDir(outDir, options.out === undefined ? "the result's folder" : '--out');
  if (options.history !== false) await checkHistoryForRead(options.history);
  const history = options.history === false ? [] : await readHistory(options.history);
  const context = contextFromHistory(result, file, history);
  await writingOutputs(`the reports in ${outDir}`, 'nothing rendered', async () => {
    await new HtmlReporter().onRunEnd(result, outDir, context);
    await new JunitReporter().onRunEnd(result, outDir, context);
  });
  process.stdout.write(`${join(outDir, 'report.html')}\n${join(outDir, 'junit.xml')}\n`);
  return ExitCode.pass;
}

/** `faildrill report <result.json>`. */
export function registerReport(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('report')
    .description('re-render report.html and junit.xml from a saved result.json')
    .argument('<result>', 'a result.json written by faildrill run')
    .option('--out <dir>', "output folder (default: the result's folder)")
    .option('--history <file>', 'history to draw the trend from', DEFAULT_HISTORY_FILE)
    .option('--no-history', 'render without a trend')
    .action(async (file: string, options: ReportOptions) => setExit(await report(file, options)));
}
