import { FailoverController, type FailoverEvent } from '../controller/controller.js';
import type { RunEvent } from '../measure/events.js';
import type { SampleSeries } from '../measure/samples.js';
import type { TargetName } from '../faults/catalogue.js';
import type { OperationSpec, Scenario } from '../scenario/schema.js';
import type { FaultEffect } from '../simulator/faults.js';
import type { InvariantResult } from '../measure/invariants.js';
import { InvariantMonitor } from '../simulator/invariants.js';
import { SimWorld } from '../simulator/world.js';
import { controllerConfigOf, groupIdOf, serversBehind } from './controller-config.js';
import { LogNotifier } from './log-notifier.js';

/** A snapshot for live progress. */
export interface Progress {
  atMs: number;
  durationMs: number;
  phase: string;
  /** Success ratio of the requests sent since the previous snapshot; undefined when none were sent. */
  successRatio: number | undefined;
}

export interface DrillOptions {
  seed: number;
  /** Every event as it is appended. */
  onEvent?: (event: RunEvent) => void;
  onProgress?: (progress: Progress) => void;
}

/** What a drill leaves behind for measurement: the event log, client samples and the controller's failovers. */
export interface DrillRecord {
  target: TargetName;
  seed: number;
  durationMs: number;
  events: RunEvent[];
  samples: SampleSeries;
  failovers: readonly FailoverEvent[];
  /** Invariants checked after every event (the simulator), or over the run (real targets). */
  invariants: InvariantResult[];
  /** Engine events processed (simulator work, for benchmarks). */
  engineEvents: number;
}

const PROGRESS_TICKS = 50;

/** Runs one drill of `scenario` on the simulator: setup, load, faults, operations, controller, teardown. */
export async function runSimDrill(scenario: Scenario, options: DrillOptions): Promise<DrillRecord> {
  const world = new SimWorld(scenario, options.seed);
  const { engine, events } = world;
  if (options.onEvent) events.subscribe(options.onEvent);
  const notifier = new LogNotifier(events);
  const config = controllerConfigOf(scenario);
  const controller = new FailoverController(config, {
    clock: world.clock,
    rng: world.rng.fork('controller'),
    probe: world.probePort,
    events,
    notifier,
    ...(scenario.setup.dns ? { dns: world.dnsPort } : {}),
    ...(scenario.setup.loadBalancer ? { loadBalancer: world.loadBalancerPort } : {}),
    ...(world.virtualIpPort ? { virtualIp: world.virtualIpPort, lease: world.lease } : {}),
    ...(world.databasePort ? { database: world.databasePort } : {}),
    ...(world.scalingGroupPort ? { scalingGroup: world.scalingGroupPort } : {}),
  });
  if (scenario.setup.vip?.fencing === 'arbiter') world.setVipAuthority((node) => controller.authorizeMaster(node));

  const active = new Map<string, (atEnd?: boolean) => void>();
  const inject = (faultId: string, fault: FaultEffect, extra: Record<string, string | boolean> = {}) => {
    const affects = world.faultAffects(fault.target);
    const undo = world.applyFault(fault);
    events.emit('fault', 'injected', { faultId, action: fault.action, target: fault.target, ...(affects ? { affects } : {}), ...extra });
    active.set(faultId, (atEnd = false) => {
      active.delete(faultId);
      undo();
      events.emit('fault', 'removed', { faultId, action: fault.action, target: fault.target, ...(atEnd ? { atEnd } : {}) });
    });
  };
  const remove = (faultId: string) => active.get(faultId)?.();

  events.emit('run', 'start', { scenario: scenario.name, seed: options.seed, target: 'sim', durationMs: scenario.durationMs });
  for (const fault of scenario.faults) {
    engine.at(fault.atMs, () => inject(fault.id, fault));
    if (fault.durationMs !== undefined) engine.at(fault.atMs + fault.durationMs, () => remove(fault.id));
  }
  scenario.operations.forEach((op, i) => scheduleOperation(op, op.id ?? `op-${i + 1}`));

  function scheduleOperation(op: OperationSpec, opId: string): void {
    const groupId = groupIdOf(scenario, op.layer)!;
    engine.at(op.atMs, () => {
      events.emit('operator', 'request', { operationId: opId, action: op.action, layer: op.layer, group: groupId });
      if (op.action === 'manual-failover') void controller.manualFailover(groupId);
      else if (op.action === 'manual-failback') void controller.manualFailback(groupId);
      else void plannedMaintenance(op, opId, groupId);
    });
  }

  async function plannedMaintenance(op: OperationSpec, opId: string, groupId: string): Promise<void> {
    const failover = await controller.plannedFailover(groupId);
    if (!failover || failover.status !== 'completed') return;
    const group = config.groups.find((g) => g.id === groupId)!;
    const servers = group.members.primary.endpoints.flatMap((e) => serversBehind(scenario, e));
    const ids = servers.map((server) => `${opId}:${server}`);
    servers.forEach((server, i) => inject(ids[i]!, { action: 'service-stop', target: server }, { planned: true, operationId: opId }));
    engine.after(op.maintenanceMs!, () => {
      ids.forEach(remove);
      controller.endMaintenance(groupId);
    });
  }

  const tickMs = Math.max(1_000, Math.floor(scenario.durationMs / PROGRESS_TICKS));
  let lastTick = { ok: 0, total: 0 };
  const progressTick = (atMs: number) => {
    engine.at(atMs, () => {
      world.countLoadUntilNow();
      const totals = world.requestTotals();
      const sent = totals.total - lastTick.total;
      options.onProgress?.({
        atMs,
        durationMs: scenario.durationMs,
        phase: active.size > 0 ? `fault ${[...active.keys()].join(', ')}` : atMs < firstFaultMs(scenario) ? 'baseline' : 'recovery',
        successRatio: sent > 0 ? (totals.ok - lastTick.ok) / sent : undefined,
      });
      lastTick = totals;
      if (atMs + tickMs < scenario.durationMs) progressTick(atMs + tickMs);
    });
  };
  progressTick(tickMs);

  const invariants = new InvariantMonitor(world.invariantView(), events, {
    splitBrainExpected: scenario.expect.splitBrain !== undefined,
  });
  controller.start();
  await world.runUntil(scenario.durationMs, () => invariants.check());
  controller.stop();
  for (const undo of [...active.values()]) undo(true);
  const writes = world.databaseWrites();
  if (writes) events.emit('db', 'writes', { ...writes });
  events.emit('run', 'end', { engineEvents: engine.processed });
  return {
    target: 'sim',
    seed: options.seed,
    durationMs: scenario.durationMs,
    events: events.events,
    samples: world.samples(),
    failovers: controller.failovers,
    invariants: invariants.results(events.events),
    engineEvents: engine.processed,
  };
}

function firstFaultMs(scenario: Scenario): number {
  return Math.min(Infinity, ...scenario.faults.map((f) => f.atMs), ...scenario.operations.map((o) => o.atMs));
}
