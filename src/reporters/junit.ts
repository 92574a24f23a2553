import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectationResult } from '../measure/expectations.js';
import type { RunResult } from '../run/result.js';
import { parseLimit } from '../scenario/limit.js';
import type { SweepReport } from '../sweep/report.js';
import type { SeedRow } from '../sweep/runner.js';
import { formatClock, formatCount, formatMs, formatRatio, formatSeconds, reproduceCommand } from './format.js';
import type { SweepReportContext } from './html/sweep-view.js';
import { seedReplays, sweepCommand } from './sweep-commands.js';
import type { Reporter, RunContext, RunStart } from './reporter.js';
import type { InvariantResult } from '../measure/invariants.js';
import { outsideText } from '../explain/record.js';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an XML attribute or element, dropping characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  // eslint-disable-next-line no-control-regex -- characters XML 1.0 forbids
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const attrs = (pairs: Record<string, string | number>) =>
  Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

const seconds = (ms: number) => (ms / 1_000).toFixed(3);

interface TestCase {
  name: string;
  classname: string;
  /** Failure message attribute and body; undefined when it passed. */
  failure?: { message: string; type: string; body: string };
  /** <system-out>: what a passing case still has to say (a figure flagged outside its bound). */
  out?: string;
}

/** `rto 143.2s > limit 120s`: actual and limit in plain numbers, the relation as measured. */
export function numericFailure(e: ExpectationResult): string {
  if (e.actual === null) return `${e.name} did not happen (limit ${e.limit})`;
  const bound = parseLimit(e.limit, e.unit)?.value;
  const show = (v: number) => (e.unit === 'ms' ? formatSeconds(v) : e.unit === 'ratio' ? formatRatio(v) : formatCount(v));
  if (bound === undefined) return `${e.name} ${show(e.actual)}, limit ${e.limit}`;
  const relation = e.actual > bound ? '>' : e.actual < bound ? '<' : '=';
  return `${e.name} ${show(e.actual)} ${relation} limit ${show(bound)}`;
}

/** One line per fault with the figures behind the run's: `fault f: detection 13.7s by controller (first noticed 3.1s by lb), …`. */
export function faultLine(f: RunResult['metrics']['perFault'][number]): string {
  const ms = (v: number | null) => (v === null ? 'never' : formatSeconds(v));
  const by = f.detectedBy ? ` by ${f.detectedBy}` : '';
  const noticed = f.firstNoticedMs === null ? '' : ` (first noticed ${formatSeconds(f.firstNoticedMs)} by ${f.firstNoticedBy})`;
  return (
    `fault ${f.faultId}: detection ${ms(f.detectionMs)}${by}${noticed}, switch ${ms(f.switchMs)}, time to switch ${ms(f.timeToSwitchMs)}, ` +
    `rto ${ms(f.rtoMs)}, first success ${ms(f.firstSuccessMs)}, failback ${ms(f.failbackMs)}, downtime ${formatSeconds(f.downtimeMs)}, ` +
    `errors ${formatCount(f.errorCount)} of ${formatCount(f.requestCount)}`
  );
}

function expectationCase(result: RunResult, e: ExpectationResult, reproduce: string): TestCase {
  const testCase: TestCase = { name: `${e.name} ${e.limit}`, classname: `faildrill.${result.scenario.name}.expectations` };
  if (e.pass) return testCase;
  const numeric = numericFailure(e);
  const body = [
    ...new Set([numeric, e.message]),
    ...result.metrics.perFault.map(faultLine),
    `resolution ${formatSeconds(result.metrics.resolutionMs)}, seed ${result.seed}, target ${result.target}`,
    `reproduce: ${reproduce}`,
  ].join('\n');
  return { ...testCase, failure: { message: e.message, type: 'ExpectationMissed', body } };
}

/** `detection 19.1s in [15s, 25s]`, `switch never (none expected)`: each bounded figure of a fault. */
export function boundsLine(f: RunResult['metrics']['perFault'][number]): string {
  const figures = (f.bounds?.figures ?? []).filter((x) => x.inside !== null);
  return figures
    .map((x) => {
      const measured = x.measured === null ? 'never' : formatSeconds(x.measured);
      const bound = x.occurs === 'never' || x.minMs === null ? 'none expected' : `[${formatSeconds(x.minMs)}, ${x.maxMs === null ? '∞' : formatSeconds(x.maxMs)}]${x.occurs === 'maybe' ? ' or never' : ''}`;
      return `${x.figure} ${measured} ${x.inside ? 'in' : 'OUTSIDE'} ${bound}`;
    })
    .join(', ');
}

/**
 * One case per fault with bounds: the measured figures against the bounds the configuration implies.
 * A figure outside fails the case when `expect.withinBounds` is set; otherwise the case passes and says so.
 */
function boundsCase(result: RunResult, f: RunResult['metrics']['perFault'][number], reproduce: string): TestCase {
  const testCase: TestCase = { name: `bounds ${f.faultId}`, classname: `faildrill.${result.scenario.name}.bounds` };
  const outside = f.bounds!.figures.filter((x) => x.inside === false).map(outsideText);
  const line = `${boundsLine(f)}; decided by ${f.bounds!.decidedBy ?? 'nothing'}`;
  const enforced = result.expectations.some((e) => e.name === 'withinBounds');
  if (outside.length === 0) return { ...testCase, out: line };
  if (!enforced) return { ...testCase, out: `flagged (expect.withinBounds is off): ${outside.join('; ')}\n${line}` };
  const message = `${f.faultId}: ${outside.join('; ')}`;
  return { ...testCase, failure: { message, type: 'OutsideBounds', body: [message, line, `reproduce: ${reproduce}`].join('\n') } };
}

function invariantCase(result: RunResult, inv: InvariantResult, reproduce: string): TestCase {
  const testCase: TestCase = { name: `invariant: ${inv.name}`, classname: `faildrill.${result.scenario.name}.invariants` };
  if (inv.pass) return testCase;
  const at = inv.atMs === undefined ? '' : ` at ${formatClock(inv.atMs)}`;
  const body = [`${inv.message}${at}`, `seed ${result.seed}, target ${result.target}`, `reproduce: ${reproduce}`].join('\n');
  return { ...testCase, failure: { message: inv.message, type: 'InvariantViolated', body } };
}

/** A stopped run's testcase: the stop condition (or the kill switch) that ended it, failed. */
function stopCase(result: RunResult, stop: NonNullable<RunResult['stop']>, reproduce: string): TestCase {
  const name = stop.condition === 'halt' ? 'kill switch: faildrill halt' : `stop condition: ${stop.condition} ${stop.limit}`;
  const body = [
    `${result.verdict} at ${formatClock(stop.atMs)}: ${stop.message}`,
    `every active fault undone at ${formatClock(stop.atMs)}, no fault injected after it; the run ended at ${formatClock(stop.endedAtMs ?? result.durationMs)}`,
    `seed ${result.seed}, target ${result.target}`,
    `reproduce: ${reproduce}`,
  ].join('\n');
  return {
    name,
    classname: `faildrill.${result.scenario.name}.safety`,
    failure: { message: stop.message, type: result.verdict === 'halted' ? 'Halted' : 'Aborted', body },
  };
}

/**
 * JUnit XML for one run: one testsuite per scenario, one testcase per expectation and per invariant,
 * and for a stopped run one failed testcase naming the stop condition or the kill switch.
 * The suite's time is the run's duration on its own clock (simulated or wall), in seconds.
 */
export function renderJunit(result: RunResult, context: RunContext = {}): string {
  const reproduce = reproduceCommand(context.file ?? result.scenario.file, result.seed, result.target);
  const cases = [
    ...(result.stop ? [stopCase(result, result.stop, reproduce)] : []),
    ...result.expectations.map((e) => expectationCase(result, e, reproduce)),
    ...result.invariants.map((inv) => invariantCase(result, inv, reproduce)),
    ...result.metrics.perFault.filter((f) => f.bounds).map((f) => boundsCase(result, f, reproduce)),
  ];
  const time = seconds(result.durationMs);
  const properties: Record<string, string> = {
    seed: String(result.seed),
    target: result.target,
    verdict: result.verdict,
    'scenario.file': result.scenario.file,
    'scenario.hash': result.scenario.hash,
    'faildrill.version': result.faildrill.version,
    reproduce,
    ...(context.scenarioCommit ? { 'scenario.commit': context.scenarioCommit } : {}),
  };
  return junitDocument({ name: result.scenario.name, file: result.scenario.file, time, properties, cases, ...(context.startedAt ? { startedAt: context.startedAt } : {}) });
}

/** One testsuite inside a testsuites element, with counts computed from its cases. */
function junitDocument(suite: { name: string; file: string; time: string; startedAt?: string; properties: Record<string, string>; cases: readonly TestCase[] }): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const counts = { tests: suite.cases.length, failures, errors: 0, skipped: 0, time: suite.time };
  const timestamp: Record<string, string> = suite.startedAt ? { timestamp: suite.startedAt.replace(/\.\d+Z$/, 'Z') } : {};
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'faildrill', ...counts })}>`,
    `  <testsuite${attrs({ name: suite.name, ...counts, ...timestamp, file: suite.file })}>`,
    '    <properties>',
    ...Object.entries(suite.properties).map(([name, value]) => `      <property${attrs({ name, value })}/>`),
    '    </properties>',
  ];
  for (const c of suite.cases) {
    const head = `    <testcase${attrs({ name: c.name, classname: c.classname, time: '0.000' })}`;
    if (!c.failure && !c.out) {
      lines.push(`${head}/>`);
      continue;
    }
    if (!c.failure) {
      lines.push(`${head}>`, `      <system-out>${xmlEscape(c.out!)}</system-out>`, '    </testcase>');
      continue;
    }
    lines.push(`${head}>`);
    lines.push(`      <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${xmlEscape(c.failure.body)}</failure>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

function seedCase(report: SweepReport, row: SeedRow, replay: string, shrunkFile: string | undefined): TestCase {
  const testCase: TestCase = { name: `seed ${row.seed}`, classname: `faildrill.${report.scenario.name}.sweep` };
  if (row.verdict === 'pass') return testCase;
  const failed = row.failed.length > 0 ? row.failed : [row.failure ?? 'the run failed'];
  const expectationMissed = row.failed.some((m) => !m.startsWith('invariant '));
  const ms = (v: number | null) => (v === null ? 'never' : formatMs(v));
  const body = [
    ...failed,
    `detection ${ms(row.detectionMs)}, switch ${ms(row.switchMs)}, rto ${ms(row.rtoMs)}, failback ${ms(row.failbackMs)}; seed ${row.seed}, target ${report.target}`,
    ...(row.drawn ? [`drawn: ${Object.entries(row.drawn).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
    ...(shrunkFile ? [`shrunk schedule: ${shrunkFile}`] : []),
    `reproduce: ${replay}`,
  ].join('\n');
  return { ...testCase, failure: { message: failed.join('; '), type: expectationMissed || row.failed.length === 0 ? 'ExpectationMissed' : 'InvariantViolated', body } };
}

/**
 * JUnit XML for a sweep: one testsuite for the scenario's sweep, one testcase per seed (`seed N`),
 * failures listing what each seed missed and the command that replays it. Times are 0: the seeds ran
 * on simulated time and the sweep does not keep their wall time.
 */
export function renderSweepJunit(report: SweepReport, context: SweepReportContext = {}): string {
  const replay = seedReplays(report, context.dir);
  const inDir = (file: string) => (context.dir === undefined ? file : `${context.dir.replace(/\/$/, '')}/${file}`);
  const shrunk = new Map(report.failures.flatMap((f) => (f.shrunk ? [[f.seed, inDir(f.shrunk.file)] as const] : [])));
  const cases = report.rows.map((row) => seedCase(report, row, replay(row.seed), shrunk.get(row.seed)));
  const dist = (name: keyof SweepReport['distribution']) => {
    const d = report.distribution[name];
    const ms = (v: number | null) => (v === null ? 'none' : formatSeconds(v));
    return `p50 ${ms(d.p50Ms)}, p95 ${ms(d.p95Ms)}, p99 ${ms(d.p99Ms)}, max ${ms(d.maxMs)}, never ${d.never}`;
  };
  const properties: Record<string, string> = {
    seeds: report.seeds.spec,
    'seeds.count': String(report.seeds.count),
    ...(report.shard ? { shard: `${report.shard.index}/${report.shard.count}` } : {}),
    swarm: String(report.swarm),
    target: report.target,
    'scenario.file': report.scenario.file,
    'scenario.hash': report.scenario.hash,
    'faildrill.version': report.faildrill.version,
    detection: dist('detection'),
    switch: dist('switch'),
    rto: dist('rto'),
    ...(report.worst ? { 'worst.seed': String(report.worst.seed), 'worst.replay': replay(report.worst.seed) } : {}),
    rerun: sweepCommand(report),
  };
  return junitDocument({
    name: `${report.scenario.name} sweep`,
    file: report.scenario.file,
    time: seconds(0),
    properties,
    cases,
    ...(context.startedAt ? { startedAt: context.startedAt } : {}),
  });
}

/** Writes `junit.xml` into the run's output folder. */
export class JunitReporter implements Reporter {
  #file?: string;
  #startedAt?: string;

  onRunStart(start: RunStart): void {
    this.#file = start.file;
    this.#startedAt = start.startedAt;
  }

  async onRunEnd(result: RunResult, outDir: string, context: RunContext = {}): Promise<void> {
    const merged: RunContext = { ...context, file: context.file ?? this.#file, startedAt: context.startedAt ?? this.#startedAt };
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'junit.xml'), renderJunit(result, merged));
  }
}
