import pc from 'picocolors';
import { formatValue } from '../measure/expectations.js';
import type { RunEvent } from '../measure/events.js';
import type { FaultMetrics } from '../measure/metrics.js';
import type { Progress } from '../run/progress.js';
import type { RunResult } from '../run/result.js';
import { outsideText, type FigureCheck } from '../explain/record.js';
import { formatDurationMs } from '../scenario/duration.js';
import type { Reporter, RunStart } from './reporter.js';

/** Events worth a line while the run goes: faults, verdicts of checkers, failovers, routing changes. */
export function describeEvent(e: RunEvent): string | undefined {
  const d = e.detail;
  switch (`${e.component}.${e.type}`) {
    case 'fault.injected':
      return pc.red(`fault ${d.faultId}: ${d.action} on ${d.target}${d.planned ? ' (planned maintenance)' : ''}`);
    case 'fault.removed':
      return pc.green(`fault ${d.faultId} removed from ${d.target}${d.atEnd ? ' (end of run)' : ''}`);
    case 'db.failover.started':
      return pc.yellow(`database: ${d.database} failing over ${d.from} → ${d.to} (${d.reason}${d.expectedMs === undefined ? '' : `, ~${Math.round(Number(d.expectedMs) / 1000)} s`})`);
    case 'db.writer':
      return pc.cyan(`database: ${d.database} writer is now ${d.writer}`);
    case 'db.data.lost':
      return pc.red(`database: ${d.writes} acknowledged writes lost (RPO ${Math.round(Number(d.rpoMs) / 100) / 10} s)`);
    case 'db.lag.alert':
      return pc.yellow(`database: replication lag ${Math.round(Number(d.lagMs) / 1000)} s exceeds ${Math.round(Number(d.thresholdMs) / 1000)} s`);
    case 'db.lag.ok':
      return `database: replication lag back to ${Math.round(Number(d.lagMs))} ms`;
    case 'controller.health':
      return d.health === 'degraded' ? undefined : `controller: ${d.target} ${d.health}${d.reason ? ` (${d.reason})` : ''}`;
    case 'controller.failover':
      return d.status === 'pending'
        ? undefined
        : pc.yellow(`controller: ${d.failoverId} ${d.direction} ${d.group} ${d.from} → ${d.to} (${d.type}) ${d.status}`);
    case 'controller.drain.complete':
      return `controller: ${d.group} ${d.member} drained`;
    case 'route53.health':
      return `route53: health check ${d.healthCheck} ${d.health} (${d.healthyCheckers}/${d.checkers} checkers healthy)`;
    case 'lb.target.health':
      return `lb: ${d.targetGroup}/${d.target} ${d.health}`;
    case 'vip.state':
      return d.state === d.previous ? undefined : `keepalived: ${d.node} ${String(d.previous).toUpperCase()} → ${String(d.state).toUpperCase()} (priority ${d.priority})`;
    case 'vip.track.health':
      return `keepalived: ${d.script} on ${d.target} ${d.health === 'healthy' ? 'ok' : 'failed'} (priority ${d.priority})`;
    case 'vip.holders':
      return String(d.holders).includes(',') ? pc.red(`vip ${d.vip}: SPLIT BRAIN, held by ${d.holders}`) : undefined;
    case 'controller.split-brain':
      return pc.red(`controller: split brain on ${d.vip}, held by ${d.holders} (fencing: ${d.fencing})`);
    case 'controller.fenced':
      return pc.yellow(`controller: demoted ${d.node} on ${d.vip}, kept ${d.keep}`);
    case 'controller.fencing':
      return d.granted ? undefined : pc.yellow(`controller: fencing kept ${d.node} from taking ${d.vip} (${d.by})`);
    case 'controller.port.error':
      return pc.yellow(
        `controller: ${d.port}.${d.operation} failed in ${d.loop} (${d.code}, attempt ${d.attempt}${d.retryInMs !== undefined ? `, retry in ${formatDurationMs(Number(d.retryInMs))}` : d.retryable ? '' : ', not retryable'})`,
      );
    case 'controller.failback.held':
      return pc.yellow(`controller: failback of ${d.group} held ${formatDurationMs(Number(d.holdMs))} (flap damping: ${d.reason})`);
    case 'controller.loop.crashed':
      return pc.red(`controller: ${d.loop} crashed: ${d.message}`);
    case 'run.aborted':
    case 'run.halted':
      return pc.red(`${e.type === 'halted' ? 'HALTED' : 'ABORTED'}: ${d.message}; undoing every fault, injecting no more`);
    case 'invariant.violated':
      return pc.red(`invariant violated: ${d.invariant}: ${d.message}`);
    case 'dns.route.changed':
    case 'db.route.changed':
    case 'vip.route.changed':
    case 'lb.route.changed':
      return pc.cyan(`route: ${d.layer} ${d.resource} ${d.from} → ${d.to}`);
    case 'asg.instance':
      return `autoscaling: ${d.instance} ${d.state}`;
    case 'asg.capacity':
      return `autoscaling: desired capacity ${d.previous} → ${d.desired}`;
    case 'operator.request':
      return `operator: ${d.action} on ${d.layer}`;
    default:
      return undefined;
  }
}

const clock = (ms: number) => formatDurationMs(ms).padStart(8);

/** `12.3s [10.0s–15.0s]`, `— [never]`, `— [0ms–∞ or never]`. */
function boundCell(c: FigureCheck): string {
  const measured = formatValue('ms', c.measured);
  if (c.occurs === 'never' || c.minMs === null) return `${measured} [never]`;
  const range = `${formatDurationMs(c.minMs)}–${c.maxMs === null ? '∞' : formatDurationMs(c.maxMs)}`;
  return `${measured} [${range}${c.occurs === 'maybe' ? ' or never' : ''}]`;
}

/** Live progress and the end-of-run summary, for people at a terminal or reading a CI log. */
export class ConsoleReporter implements Reporter {
  #start?: RunStart;
  #lastPhase = '';
  #ticks = 0;
  #statusShown = false;
  readonly #tty: boolean;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    this.#tty = (out as NodeJS.WriteStream).isTTY === true;
  }

  #line(text = ''): void {
    if (this.#statusShown) this.out.write('\r\x1b[2K');
    this.#statusShown = false;
    this.out.write(text + '\n');
  }

  onRunStart(start: RunStart): void {
    this.#start = start;
    this.#line(`seed=${start.seed}`);
    this.#line(pc.bold(`faildrill run ${start.scenario}`) + pc.dim(` (${start.file}, target ${start.target})`));
  }

  onEvent(event: RunEvent): void {
    const text = describeEvent(event);
    if (text) this.#line(`${pc.dim(clock(event.atMs))}  ${text}`);
  }

  /** On a terminal, one status line rewritten in place; in a log, a line per phase change and every tenth of the run. */
  onProgress(p: Progress): void {
    const quiet = p.phase === this.#lastPhase && this.#ticks++ % 5 !== 4;
    this.#lastPhase = p.phase;
    if (!this.#tty && quiet) return;
    const ratio = p.successRatio === undefined ? '   n/a' : `${(p.successRatio * 100).toFixed(1).padStart(5)}%`;
    const colour = p.successRatio === undefined || p.successRatio >= 0.99 ? pc.green : p.successRatio >= 0.9 ? pc.yellow : pc.red;
    const status = pc.dim(`${clock(p.atMs)} / ${formatDurationMs(p.durationMs)}  ${p.phase.padEnd(24)} success `) + colour(ratio);
    if (!this.#tty) return this.#line(status);
    this.out.write(`\r\x1b[2K${status}`);
    this.#statusShown = true;
  }

  onRunEnd(result: RunResult, outDir: string): void {
    const m = result.metrics;
    this.#line();
    this.#line(pc.bold('Faults'));
    this.#table(
      ['fault', 'action', 'target', 'injected', 'noticed', 'detection', 'by', 'switch', 'to switch', 'RTO', 'first ok', 'failback', 'downtime', 'errors'],
      m.perFault.map((f: FaultMetrics) => [
        f.faultId,
        f.action,
        f.target,
        formatDurationMs(f.injectedAtMs),
        f.firstNoticedMs === null ? '—' : `${formatValue('ms', f.firstNoticedMs)} ${f.firstNoticedBy}`,
        formatValue('ms', f.detectionMs),
        f.detectedBy ? `${f.detectedBy}${f.detectedVia ? ` (${f.detectedVia})` : ''}` : '—',
        formatValue('ms', f.switchMs),
        formatValue('ms', f.timeToSwitchMs),
        formatValue('ms', f.rtoMs),
        formatValue('ms', f.firstSuccessMs),
        formatValue('ms', f.failbackMs),
        formatValue('ms', f.downtimeMs),
        `${f.errorCount}/${f.requestCount}`,
      ]),
    );
    this.#bounds(result);
    this.#line();
    this.#line(pc.bold('Expectations') + pc.dim(` (resolution ${formatDurationMs(m.resolutionMs)})`));
    this.#table(
      ['metric', 'limit', 'actual', ''],
      result.expectations.map((e) => [e.name, e.limit, formatValue(e.unit, e.actual), e.pass ? pc.green('pass') : pc.red('FAIL')]),
    );
    if (m.splitBrains.length > 0)
      for (const b of m.splitBrains)
        this.#line(pc.red(`split brain on ${b.vip}: ${b.holders.join(' and ')} from ${formatDurationMs(b.startMs)} for ${formatDurationMs(b.endMs - b.startMs)}`));
    this.#line(
      pc.dim(
        `requests ${m.requestCount}, errors ${m.errorCount} (${formatValue('ratio', m.errorRate)}), downtime ${formatDurationMs(m.downtimeMs)}, errors from first to last ${formatDurationMs(m.errorSpanMs)}` +
          (m.lostWrites > 0 ? `, lost writes ${m.lostWrites} (RPO ${formatDurationMs(m.rpoMs)})` : '') +
          (m.writesUnavailableMs !== null && m.writesUnavailableMs !== undefined ? `, writes unavailable ${formatDurationMs(m.writesUnavailableMs)}` : ''),
      ),
    );
    this.#line();
    const verdict =
      result.verdict === 'pass'
        ? pc.bgGreen(pc.black(' PASS '))
        : result.verdict === 'fail'
          ? pc.bgRed(pc.white(' FAIL '))
          : pc.bgYellow(pc.black(` ${result.verdict.toUpperCase()} `));
    this.#line(`${verdict} ${result.scenario.name} seed=${result.seed} → ${outDir}`);
    const stop = result.stop;
    if (stop)
      this.#line(
        pc.yellow(`  ■ stopped at ${formatDurationMs(stop.atMs)} by ${stop.condition} ${stop.limit}: ${stop.message}; every fault undone, the run ended at ${formatDurationMs(stop.endedAtMs ?? result.durationMs)}`),
      );
    if (result.verdict !== 'pass') {
      for (const e of result.expectations.filter((x) => !x.pass)) this.#line(pc.red(`  ✗ ${e.message}`));
      for (const i of (result.invariants ?? []).filter((x) => !x.pass)) this.#line(pc.red(`  ✗ invariant ${i.name}: ${i.message}`));
      this.#line(`reproduce: faildrill run ${this.#start?.file ?? result.scenario.file} --seed ${result.seed} --target ${result.target}`);
    }
  }

  /** Measured against the bounds the configuration implies (faildrill explain); figures outside them flagged. */
  #bounds(result: RunResult): void {
    const faults = result.metrics.perFault.filter((f) => f.bounds);
    if (faults.length === 0) return;
    const cell = (f: FaultMetrics, figure: string) => {
      const check = f.bounds!.figures.find((x) => x.figure === figure);
      if (!check || check.inside === null) return '';
      const text = boundCell(check);
      return check.inside ? text : pc.yellow(`${text} OUTSIDE`);
    };
    this.#line();
    this.#line(pc.bold('Against the bounds of the configuration') + pc.dim(' (faildrill explain: measured [min–max])'));
    this.#table(
      ['fault', 'decided by', 'detection', 'switch', 'RTO', 'failback'],
      faults.map((f) => [f.faultId, f.bounds!.decidedBy ?? '—', cell(f, 'detection'), cell(f, 'switch'), cell(f, 'rto'), cell(f, 'failback')]),
    );
    const outside = faults.flatMap((f) => f.bounds!.figures.filter((x) => x.inside === false).map((x) => `${f.faultId} ${outsideText(x)}`));
    const enforced = result.expectations.some((e) => e.name === 'withinBounds');
    for (const o of outside) this.#line(pc.yellow(`  ⚠ ${o}: the system, or faildrill's model, behaved differently from its configuration${enforced ? '' : ' (flagged; expect.withinBounds: true makes it fail)'}`));
  }

  #table(header: string[], rows: string[][]): void {
    // eslint-disable-next-line no-control-regex -- strips ANSI colour codes to measure visible width
    const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    const widths = header.map((h, i) => Math.max(visible(h).length, ...rows.map((r) => visible(r[i] ?? '').length)));
    const fmt = (cells: string[]) =>
      cells.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - visible(c).length))).join('  ').trimEnd();
    this.#line(pc.dim(fmt(header)));
    for (const row of rows) this.#line(fmt(row));
  }
}
