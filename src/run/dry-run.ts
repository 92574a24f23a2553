import { durationText, formatDurationMs } from '../scenario/duration.js';
import type { FaultSpec, Scenario } from '../scenario/schema.js';
import type { FaultPlan, TargetPlan } from './plan.js';
import { StopConditionsMap } from './abort/registry.js';
import { CONTROLLER_FINISH_MS, STOP_CHECK_MS } from './abort/stop-watch.js';

/** What the dry run says about the kill switch of this machine. */
export interface HaltNote {
  /** Whether the target watches the kill switch (the simulator changes nothing outside memory). */
  watched: boolean;
  /** The switch's file or variable. */
  source: string;
  /** Set when the switch is on now: a real run would be refused. */
  on?: string;
}

interface Step {
  atMs: number;
  order: number;
  lines: string[];
}

const indent = (prefix: string, lines: readonly string[]) => lines.map((l) => `${prefix}${l}`);

function faultWhat(f: FaultSpec): string {
  const params = [
    f.service && `service ${f.service}`,
    f.protocol && `protocol ${f.protocol}`,
    f.port !== undefined && `port ${f.port}`,
    f.peer && `peer ${f.peer}`,
    f.loss !== undefined && `loss ${f.loss}`,
    f.latencyMs !== undefined && `latency ${durationText(f.latencyMs)}`,
    f.forceFailover !== undefined && `forceFailover ${f.forceFailover}`,
  ].filter(Boolean);
  return `${f.action} on ${f.target}${params.length ? ` (${params.join(', ')})` : ''}`;
}

function commands(plan: FaultPlan, which: 'apply' | 'undo'): string[] {
  const list = plan[which];
  if (list.length === 0) return [`${which}: nothing to run`];
  return list.map((c, i) => `${i === 0 ? `${which}:`.padEnd(7) : ' '.repeat(7)}${c}`);
}

/** The schedule: each fault with the commands that apply it and undo it, operations, the end of the run. */
function schedule(scenario: Scenario, plan: TargetPlan): string[] {
  const steps: Step[] = [];
  scenario.faults.forEach((f, i) => {
    const p = plan.fault(f);
    steps.push({ atMs: f.atMs, order: i, lines: [`inject ${f.id}: ${faultWhat(f)}`, ...indent('  ', commands(p, 'apply'))] });
    const endMs = f.durationMs === undefined ? scenario.durationMs : f.atMs + f.durationMs;
    const why = f.durationMs === undefined ? ' (still active at the end of the run)' : '';
    steps.push({ atMs: endMs, order: i, lines: [`remove ${f.id}${why}`, ...indent('  ', commands(p, 'undo'))] });
  });
  scenario.operations.forEach((op, i) =>
    steps.push({
      atMs: op.atMs,
      order: 1_000 + i,
      lines: [`operation ${op.id ?? `op-${i + 1}`}: ${op.action} on ${op.layer}${op.maintenanceMs !== undefined ? ` (maintenance ${durationText(op.maintenanceMs)})` : ''}`],
    }),
  );
  steps.push({ atMs: scenario.durationMs, order: 10_000, lines: ['end of run: faults still active are undone, the load stops, results are measured'] });
  steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  return steps.flatMap((s) => [`${formatDurationMs(s.atMs).padStart(8)}  ${s.lines[0]}`, ...indent(' '.repeat(10), s.lines.slice(1))]);
}

function stopConditions(scenario: Scenario, halt: HaltNote): string[] {
  const abort = scenario.abort;
  const lines: string[] = [];
  if (abort) {
    if (abort.errorRate) lines.push(`errorRate ${abort.errorRate.text} over ${durationText(abort.windowMs)}`);
    if (abort.downtime) lines.push(`downtime ${abort.downtime.text}`);
    if (abort.probeFailing) lines.push(`probeFailing ${abort.probeFailing.text}`);
    if (abort.alarms.length > 0) lines.push(`CloudWatch alarms in ALARM: ${abort.alarms.join(', ')}`);
    lines.push(
      `judged every ${STOP_CHECK_MS} ms of run time; when one trips every fault is undone at once, none is injected after, the controller gets up to ${durationText(CONTROLLER_FINISH_MS)} to finish, verdict aborted (exit 4)`,
    );
  } else lines.push(`none (abort: takes ${Object.keys(StopConditionsMap).join(', ')})`);
  lines.push(
    halt.watched
      ? `kill switch ${halt.source}: checked before every injection and watched every ${STOP_CHECK_MS} ms; when set, faults are undone within 1 s, verdict halted (exit 5)`
      : `kill switch: not watched (the simulator changes nothing outside memory)`,
  );
  if (halt.on) lines.push(`the kill switch is ON now (${halt.on}): a real run would be refused (exit 6)`);
  return lines;
}

/**
 * The plan of `faildrill run --dry-run`: setup, load, controller, every fault with the exact commands
 * or API calls that apply and undo it (from the target's own fault code), the schedule, the stop
 * conditions and the expectations. Pure: the target's plan was worked out without touching anything.
 */
export function renderPlan(scenario: Scenario, targetName: string, plan: TargetPlan, seed: number, halt: HaltNote): string {
  const load = scenario.load;
  const c = scenario.controller;
  const expectations = Object.entries(scenario.expect).map(([name, limit]) => (typeof limit === 'object' ? `${name} ${limit.text}` : `${name} ${String(limit)}`));
  const layers = Object.entries(c.layers)
    .filter(([layer]) => scenario.setup[layer as keyof Scenario['setup']] !== undefined)
    .map(([layer, mode]) => `${layer} ${mode}`);
  const s = scenario.setup;
  const entry = load.entry ?? s.dns?.record ?? s.loadBalancer?.id ?? s.vip?.id ?? s.servers[0]!.id;
  return [
    `dry run: ${scenario.name} on the ${targetName} target, seed ${seed}, ${formatDurationMs(scenario.durationMs)}: nothing below is created, started, sent or changed`,
    '',
    'setup',
    ...indent('  ', plan.setup),
    '',
    'load',
    `  ${load.ratePerSec} requests/s from ${load.clients} clients to ${entry}, timeout ${durationText(load.timeoutMs)}, driver ${load.driver}, probe every ${durationText(load.probeIntervalMs)}`,
    ...scenario.loads.map((l) => `  ${l.name}: ${l.ratePerSec} requests/s from ${l.clients} clients to ${l.entry}`),
    '',
    'controller',
    `  health check every ${durationText(c.healthCheck.intervalMs)} (timeout ${durationText(c.healthCheck.timeoutMs)}, unhealthy after ${c.healthCheck.unhealthyThreshold}, healthy after ${c.healthCheck.healthyThreshold}); automatic failover ${c.automaticFailover ? 'on' : 'off'}, failback ${c.failback}${layers.length ? `; layers ${layers.join(', ')}` : ''}`,
    '',
    'schedule',
    ...indent('  ', schedule(scenario, plan)),
    '',
    'stop conditions',
    ...indent('  ', stopConditions(scenario, halt)),
    '',
    'expect',
    `  ${expectations.length > 0 ? expectations.join(', ') : 'nothing'}`,
    ...(plan.notes.length > 0 ? ['', 'notes', ...indent('  ', plan.notes)] : []),
    '',
  ].join('\n');
}
