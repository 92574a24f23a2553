import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailoverController, type ControllerPorts } from '../../controller/controller.js';
import type { VirtualIpPort } from '../../controller/ports.js';
import { EnvironmentError } from '../../errors.js';
import { injectHostFault, type AppliedFault, type FaultHost, type HostService } from '../../faults/host/inject.js';
import { HostLoad } from '../../load/host-load.js';
import { EventLog, type EventDetail } from '../../measure/events.js';
import { controllerConfigOf, groupIdOf, serversBehind } from '../../run/controller-config.js';
import type { DrillOptions, DrillRecord } from '../../run/drill.js';
import { LogNotifier } from '../../run/log-notifier.js';
import type { FaultSpec, OperationSpec, Scenario } from '../../scenario/schema.js';
import { everyFaultRemoved, singleVipHolder, type InvariantResult } from '../../measure/invariants.js';
import { MemoryLease } from '../../lease/memory-lease.js';
import { SeededRng } from '../../random/seeded-rng.js';
import { delay } from './exec.js';
import { Journal, processStartTime, stateRoot } from './journal.js';
import { KeepalivedNode, type KeepalivedLogEvent } from './keepalived.js';
import { NginxLb } from './nginx.js';
import { checkHostCapabilities, checkHostEnvironment } from './preflight.js';
import { NsProcess } from './process.js';
import { HostProbePort, WallClock } from './ports.js';
import { APP_SERVER, CHECK_SCRIPT, PROBER } from './scripts.js';
import { buildTopology, listNamespaces, planTopology, runTag, type HostPlan } from './topology.js';
import { teardownRun, type TeardownReport } from './teardown.js';
import { VipObserver } from './vip.js';

/** How long helper processes may live at most beyond the run (they also exit with their parent). */
const LIFETIME_MARGIN_MS = 120_000;
/** The load starts this long after setup, so that its first probe falls on the run's first bucket. */
const LOAD_LEAD_MS = 1_500;
const PROGRESS_TICKS = 50;

/** A host run's extra facts, beside the {@link DrillRecord}. */
export interface HostDrillInfo {
  runId: string;
  subnet: string;
  namespaces: string[];
  setupMs: number;
  teardown: TeardownReport;
  load: { autocannon: number; probe: number };
}

/** Runs one drill of `scenario` on this machine: real namespaces, processes, faults and load. */
export async function runHostDrill(scenario: Scenario, options: DrillOptions & { file?: string }): Promise<DrillRecord & { host: HostDrillInfo }> {
  checkHostCapabilities(scenario, options.file);
  checkHostEnvironment(scenario);
  return new HostDrill(scenario, options).run();
}

class HostDrill {
  readonly plan: HostPlan;
  readonly journal: Journal;
  readonly apps = new Map<string, NsProcess>();
  readonly keepalived = new Map<string, KeepalivedNode>();
  nginx?: NginxLb;
  vipObserver?: VipObserver;
  prober?: NsProcess;
  probePort?: HostProbePort;
  load?: HostLoad;
  clock?: WallClock;
  events?: EventLog;
  #closed = false;
  readonly #active = new Map<string, { fault: Pick<FaultSpec, 'action' | 'target'>; applied: AppliedFault }>();
  #aborted: NodeJS.Signals | undefined;
  #wakeMain?: () => void;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #pending: Array<Promise<unknown>> = [];
  readonly #lifetimeMs: number;

  constructor(
    readonly scenario: Scenario,
    readonly options: DrillOptions,
  ) {
    const tag = runTag(options.seed);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const runId = `${stamp}-${tag}`;
    const dir = join(stateRoot(), runId);
    this.journal = new Journal(dir);
    this.plan = planTopology(scenario, runId, tag, dir);
    this.#lifetimeMs = scenario.durationMs + LIFETIME_MARGIN_MS;
  }

  /** Emits into the run's log once the run's clock runs; before and after, nothing. */
  emit = (component: string, type: string, detail: EventDetail): void => {
    if (this.events && !this.#closed) this.events.emit(component, type, detail);
  };

  #track = (role: string, ns: string) => (pid: number) => this.journal.write({ op: 'process', pid, ns, role });

  async run(): Promise<DrillRecord & { host: HostDrillInfo }> {
    const { scenario, plan } = this;
    const setupStart = process.hrtime.bigint();
    const onSignal = (sig: NodeJS.Signals) => {
      this.#aborted ??= sig;
      this.#wakeMain?.();
    };
    const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
    process.on('SIGINT', handlers.SIGINT);
    process.on('SIGTERM', handlers.SIGTERM);
    this.journal.write({
      op: 'run',
      runId: plan.runId,
      tag: plan.tag,
      pid: process.pid,
      pidStart: processStartTime(process.pid) ?? '',
      scenario: scenario.name,
      subnet: plan.subnet,
      startedAt: new Date().toISOString(),
    });
    let teardown: TeardownReport | undefined;
    try {
      try {
        await this.#setup();
      } catch (err) {
        if (this.#aborted) throw new EnvironmentError(`host run interrupted by ${this.#aborted} during setup`);
        throw new EnvironmentError(`host setup failed: ${(err as Error).message}`);
      }
      const setupMs = Number(process.hrtime.bigint() - setupStart) / 1e6;
      const record = await this.#drill(setupMs);
      teardown = await this.#teardown();
      const left = await listNamespaces(`fd-${plan.tag}-`);
      record.invariants.push(
        left.length === 0 && teardown.errors.length === 0
          ? { name: 'nothing-left-behind', pass: true, message: `removed ${teardown.namespaces.length} namespaces and ${teardown.processes.length} processes` }
          : { name: 'nothing-left-behind', pass: false, message: `left: ${[...left, ...teardown.errors].join('; ')}` },
      );
      return { ...record, host: { ...record.host, teardown } };
    } finally {
      if (!teardown) await this.#teardown().catch(() => undefined);
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
      if (this.#aborted) process.kill(process.pid, this.#aborted);
    }
  }

  // ---- setup ------------------------------------------------------------------------------

  async #setup(): Promise<void> {
    const { plan, scenario } = this;
    for (const [name, source] of [['app.cjs', APP_SERVER], ['check.sh', CHECK_SCRIPT], ['prober.cjs', PROBER]] as const)
      writeFileSync(join(plan.dir, name), source, { mode: 0o700 });
    await buildTopology(plan, this.journal);
    this.#interruptible();
    for (const server of plan.servers.keys()) this.#startApp(server);
    const ctl = plan.controller;
    this.prober = new NsProcess({
      ns: ctl.ns,
      role: 'prober',
      command: process.execPath,
      args: [join(plan.dir, 'prober.cjs'), String(this.#lifetimeMs)],
      stdin: true,
      logFile: join(plan.dir, 'prober.log'),
    });
    if (this.prober.pid) this.#track('prober', ctl.ns)(this.prober.pid);
    this.probePort = new HostProbePort(this.prober, (endpoint) => this.#baseUrl(endpoint));
    await Promise.all([...plan.servers.keys()].map((s) => this.#waitHealthy(s, 10_000)));
    this.#interruptible();

    const vip = scenario.setup.vip;
    if (vip) {
      for (const spec of vip.nodes) {
        const host = plan.servers.get(spec.server)!;
        const node = new KeepalivedNode(plan, vip, spec, host, (n, e) => this.#onKeepalived(n, e), this.#track(`keepalived:${spec.server}`, host.ns));
        node.writeConfig();
        this.keepalived.set(spec.server, node);
      }
      this.vipObserver = new VipObserver(
        vip.id,
        plan.vip!,
        vip.nodes.map((n) => plan.servers.get(n.server)!),
        plan.client,
        this.emit,
        () => this.clock?.nowMs() ?? 0,
        vip.advertIntMs,
      );
      await this.vipObserver.start((pid, ns, role) => this.#track(role, ns)(pid));
      for (const node of this.keepalived.values()) node.start();
      await this.#waitVipSettled();
    }
    const lb = scenario.setup.loadBalancer;
    if (lb) {
      this.nginx = new NginxLb(plan, scenario, lb, this.emit, this.#track('nginx', plan.lb!.ns));
      this.nginx.start();
      this.nginx.watch();
      await this.#waitUntil(async () => (await this.probePort!.probe(lb.id, { path: '/', timeoutMs: 1_000 })).ok, 10_000, 'nginx answering through its upstream');
    }
    this.#interruptible();
  }

  #interruptible(): void {
    if (this.#aborted) throw new Error(`interrupted by ${this.#aborted}`);
  }

  #baseUrl(endpoint: string): string | undefined {
    const { plan, scenario } = this;
    const server = plan.servers.get(endpoint);
    if (server) return `http://${server.ip}:${plan.appPort}`;
    if (plan.lb && endpoint === scenario.setup.loadBalancer?.id) return `http://${plan.lb.ip}:80`;
    if (plan.vip && endpoint === scenario.setup.vip?.id) return `http://${plan.vip}:${plan.appPort}`;
    return undefined;
  }

  #startApp(server: string): void {
    const node = this.plan.servers.get(server)!;
    const app = new NsProcess({
      ns: node.ns,
      role: `app:${server}`,
      command: process.execPath,
      args: [join(this.plan.dir, 'app.cjs'), server, String(this.plan.appPort), String(this.#lifetimeMs)],
      logFile: join(this.plan.dir, `app-${server}.log`),
    });
    if (app.pid) this.#track(`app:${server}`, node.ns)(app.pid);
    this.apps.set(server, app);
  }

  async #waitHealthy(server: string, timeoutMs: number): Promise<void> {
    await this.#waitUntil(async () => (await this.probePort!.probe(server, { path: '/health', timeoutMs: 500 })).ok, timeoutMs, `app on ${server} healthy`);
  }

  async #waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const start = Date.now();
    for (let i = 0; i < 10_000 && Date.now() - start < timeoutMs; i++) {
      this.#interruptible();
      if (await check()) return;
      await delay(50);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  /** Waits until the highest-priority node holds the VIP alone and every track script has reported. */
  async #waitVipSettled(): Promise<void> {
    const vip = this.scenario.setup.vip!;
    const master = [...vip.nodes].sort((a, b) => b.priority - a.priority)[0]!.server;
    const scriptMs = vip.trackScript ? vip.trackScript.intervalMs * vip.trackScript.rise + vip.trackScript.timeoutMs : 0;
    const budget = 4 * vip.advertIntMs + 2 * vip.preemptDelayMs + scriptMs + 10_000;
    await this.#waitUntil(
      async () => {
        const holders = await this.vipObserver!.pollOnce();
        const scripts = !vip.trackScript || [...this.keepalived.values()].every((n) => n.scriptOk === true);
        return holders.length === 1 && holders[0] === master && scripts && this.keepalived.get(master)!.state === 'master';
      },
      budget,
      `keepalived: ${master} holding ${this.plan.vip} alone`,
    );
  }

  #onKeepalived(node: KeepalivedNode, event: KeepalivedLogEvent): void {
    const vip = this.scenario.setup.vip!;
    if (event.kind === 'state') {
      this.emit('vip', 'state', { vip: vip.id, node: node.id, state: event.state, previous: node.previousState, priority: node.priority, source: 'keepalived log' });
    } else if (event.kind === 'script') {
      this.emit('vip', 'track.health', {
        vip: vip.id,
        target: node.id,
        script: event.script,
        health: event.ok ? 'healthy' : 'unhealthy',
        priority: Math.min(254, Math.max(1, node.spec.priority + (event.ok ? 0 : vip.trackScript?.weight ?? 0))),
        ...(event.reason ? { reason: event.reason } : {}),
      });
    } else if (event.kind === 'priority') {
      this.emit('vip', 'priority', { vip: vip.id, node: node.id, from: event.from, to: event.to });
    }
  }

  // ---- the drill --------------------------------------------------------------------------

  async #drill(setupMs: number): Promise<DrillRecord & { host: HostDrillInfo }> {
    const { scenario, plan, options } = this;
    // keepalived runs its track script on a schedule that began at its start; setup takes about the
    // same time on every run, so without this the first fault would always hit the same phase of it.
    // A seeded offset within one interval draws the phase as the simulator does (uniform).
    const script = scenario.setup.vip?.trackScript;
    const phaseOffsetMs = script ? new SeededRng(options.seed).fork('host.phase').int(0, script.intervalMs - 1) : 0;
    await delay(phaseOffsetMs);
    this.#interruptible();
    const clock = new WallClock(process.hrtime.bigint() + BigInt(LOAD_LEAD_MS) * 1_000_000n);
    this.clock = clock;
    const entry = scenario.setup.vip ? scenario.setup.vip.id : scenario.setup.loadBalancer ? scenario.setup.loadBalancer.id : scenario.setup.servers[0]!.id;
    this.load = new HostLoad({
      ns: plan.client.ns,
      dir: plan.dir,
      url: `${this.#baseUrl(entry)}/`,
      ratePerSec: scenario.load.ratePerSec,
      clients: scenario.load.clients,
      timeoutMs: scenario.load.timeoutMs,
      probeIntervalMs: scenario.load.probeIntervalMs,
      t0Ns: clock.t0Ns,
      durationMs: scenario.durationMs,
      entryId: entry,
      onProcess: this.#track('load', plan.client.ns),
    });
    this.load.start(0);
    await delay(Math.max(0, -clock.nowMs()));

    const events = new EventLog(clock);
    this.events = events;
    if (options.onEvent) events.subscribe(options.onEvent);
    events.emit('run', 'start', {
      scenario: scenario.name,
      seed: options.seed,
      target: 'host',
      durationMs: scenario.durationMs,
      subnet: plan.subnet,
      resolutionMs: scenario.load.probeIntervalMs,
      setupMs: Math.round(setupMs),
      phaseOffsetMs,
      runId: plan.runId,
    });
    for (const node of this.keepalived.values())
      events.emit('vip', 'state', { vip: scenario.setup.vip!.id, node: node.id, state: node.state, previous: 'init', priority: node.priority, source: 'keepalived log' });
    this.vipObserver?.arm();
    this.nginx?.arm();

    const notifier = new LogNotifier(events);
    const virtualIp = this.vipObserver ? this.#virtualIpPort() : undefined;
    const ports: ControllerPorts = {
      clock,
      rng: new SeededRng(options.seed).fork('controller'),
      probe: this.probePort!,
      events,
      notifier,
      ...(this.nginx ? { loadBalancer: this.nginx.port } : {}),
      ...(virtualIp ? { virtualIp, lease: new MemoryLease(clock) } : {}),
    };
    const controller = new FailoverController(controllerConfigOf(scenario), ports);

    for (const fault of scenario.faults) {
      this.#at(fault.atMs, () => this.#inject(fault.id, fault));
      if (fault.durationMs !== undefined) this.#at(fault.atMs + fault.durationMs, () => this.#remove(fault.id));
    }
    scenario.operations.forEach((op, i) => this.#scheduleOperation(controller, op, op.id ?? `op-${i + 1}`));
    this.#progress();

    controller.start();
    await new Promise<void>((resolve) => {
      this.#wakeMain = resolve;
      const t = setTimeout(resolve, Math.max(0, scenario.durationMs - clock.nowMs()));
      this.#timers.push(t);
    });
    controller.stop();
    for (const t of this.#timers) clearTimeout(t);
    clock.close();
    await Promise.race([Promise.allSettled(this.#pending), delay(15_000, true)]);
    for (const id of [...this.#active.keys()]) await this.#remove(id, true);
    await this.load.finish(this.#aborted ? 0 : scenario.load.timeoutMs + 3_000);
    await this.vipObserver?.pollOnce();
    this.nginx?.unwatch();
    const samples = this.load.recorder.finish();
    events.emit('run', 'end', {
      requests: this.load.requests.autocannon,
      probes: this.load.requests.probe,
      resolutionMs: samples.resolutionMs,
      ...(this.#aborted ? { aborted: this.#aborted } : {}),
    });
    this.#closed = true;
    clock.close();
    this.probePort?.close();
    return {
      target: 'host',
      seed: options.seed,
      durationMs: scenario.durationMs,
      events: events.events,
      samples,
      failovers: controller.failovers,
      invariants: this.#invariants(events),
      engineEvents: 0,
      host: {
        runId: plan.runId,
        subnet: plan.subnet,
        namespaces: [plan.bridgeNs, plan.client.ns, plan.controller.ns, ...(plan.lb ? [plan.lb.ns] : []), ...[...plan.servers.values()].map((s) => s.ns)],
        setupMs: Math.round(setupMs),
        teardown: { namespaces: [], processes: [], rules: [], files: [], errors: [] },
        load: { ...this.load.requests },
      },
    };
  }

  /** Runs `fn` at run time `atMs` (wall clock), unless the run ended. */
  #at(atMs: number, fn: () => Promise<unknown> | void): void {
    const t = setTimeout(() => {
      if (this.#closed || this.#aborted) return;
      const p = Promise.resolve(fn()).catch((err: Error) => this.emit('run', 'error', { message: err.message }));
      this.#pending.push(p);
    }, Math.max(0, atMs - this.clock!.nowMs()));
    this.#timers.push(t);
  }

  #faultHost(): FaultHost {
    const { plan } = this;
    return {
      tag: plan.tag,
      nsOf: (server) => plan.servers.get(server)!.ns,
      ipOf: (server) => plan.servers.get(server)!.ip,
      hasService: (server, service) =>
        service === 'app' ? plan.servers.has(server) : service === 'keepalived' ? this.keepalived.has(server) : this.nginx !== undefined,
      stopService: async (server, service, onSignalled) => {
        if (service === 'app') {
          const app = this.apps.get(server);
          if (app) await app.stop(3_000, onSignalled);
          else onSignalled();
        } else if (service === 'keepalived') await this.keepalived.get(server)?.stop(onSignalled);
        else await this.nginx?.stop(onSignalled);
        this.emit('server', 'service', { server, service, state: 'stopped' });
      },
      startService: async (server, service) => {
        if (service === 'app') {
          this.#startApp(server);
          await this.#waitHealthy(server, 5_000).catch(() => undefined);
        } else if (service === 'keepalived') this.keepalived.get(server)?.start();
        else this.nginx?.start();
        this.emit('server', 'service', { server, service, state: 'started' });
      },
      servicePids: (server, service: HostService) => {
        const proc = service === 'app' ? this.apps.get(server) : service === 'keepalived' ? this.keepalived.get(server)?.process : this.nginx?.process;
        const ns = service === 'nginx' ? plan.lb!.ns : plan.servers.get(server)!.ns;
        return { ns, pids: proc?.tree() ?? [] };
      },
    };
  }

  async #inject(faultId: string, fault: FaultSpec | (Pick<FaultSpec, 'action' | 'target'> & { id: string }), extra: EventDetail = {}): Promise<void> {
    const applied = await injectHostFault(fault as FaultSpec, this.#faultHost(), this.journal, (detail) =>
      this.emit('fault', 'injected', { faultId, action: fault.action, target: fault.target, ...detail, ...extra }),
    );
    this.#active.set(faultId, { fault, applied });
  }

  async #remove(faultId: string, atEnd = false): Promise<void> {
    const active = this.#active.get(faultId);
    if (!active) return;
    this.#active.delete(faultId);
    await active.applied.undo();
    const detail: EventDetail = { faultId, action: active.fault.action, target: active.fault.target, ...(atEnd ? { atEnd } : {}) };
    if (this.events) this.events.emit('fault', 'removed', detail);
  }

  #scheduleOperation(controller: FailoverController, op: OperationSpec, opId: string): void {
    const groupId = groupIdOf(this.scenario, op.layer)!;
    this.#at(op.atMs, async () => {
      this.emit('operator', 'request', { operationId: opId, action: op.action, layer: op.layer, group: groupId });
      if (op.action === 'manual-failover') await controller.manualFailover(groupId);
      else if (op.action === 'manual-failback') await controller.manualFailback(groupId);
      else await this.#plannedMaintenance(controller, op, opId, groupId);
    });
  }

  async #plannedMaintenance(controller: FailoverController, op: OperationSpec, opId: string, groupId: string): Promise<void> {
    const failover = await controller.plannedFailover(groupId);
    if (!failover || failover.status !== 'completed') return;
    const group = controllerConfigOf(this.scenario).groups.find((g) => g.id === groupId)!;
    const servers = group.members.primary.endpoints.flatMap((e) => serversBehind(this.scenario, e));
    const ids = servers.map((server) => `${opId}:${server}`);
    for (const [i, server] of servers.entries())
      await this.#inject(ids[i]!, { id: ids[i]!, action: 'service-stop', target: server }, { planned: true, operationId: opId });
    this.#at(this.clock!.nowMs() + op.maintenanceMs!, async () => {
      for (const id of ids) await this.#remove(id);
      controller.endMaintenance(groupId);
    });
  }

  #progress(): void {
    const { scenario } = this;
    const tickMs = Math.max(1_000, Math.floor(scenario.durationMs / PROGRESS_TICKS));
    const firstFaultMs = Math.min(Infinity, ...scenario.faults.map((f) => f.atMs), ...scenario.operations.map((o) => o.atMs));
    let last = { ok: 0, total: 0 };
    for (let atMs = tickMs; atMs < scenario.durationMs; atMs += tickMs) {
      this.#at(atMs, () => {
        const totals = this.load!.recorder.totals();
        const sent = totals.total - last.total;
        this.options.onProgress?.({
          atMs,
          durationMs: scenario.durationMs,
          phase: this.#active.size > 0 ? `fault ${[...this.#active.keys()].join(', ')}` : atMs < firstFaultMs ? 'baseline' : 'recovery',
          successRatio: sent > 0 ? (totals.ok - last.ok) / sent : undefined,
        });
        last = totals;
      });
    }
  }

  /** The controller's view of the VIP: holders by polling, moves by keepalived priority, demotion by stopping keepalived. */
  #virtualIpPort(): VirtualIpPort {
    const vip = this.scenario.setup.vip!;
    const observer = this.vipObserver!;
    return {
      getHolders: async () => observer.pollOnce(),
      moveTo: async (_vip, nodeId) => {
        const others = vip.nodes.filter((n) => n.server !== nodeId).map((n) => n.priority);
        const boost = Math.min(254, Math.max(...others) + Math.abs(vip.trackScript?.weight ?? 0) + 1);
        for (const node of this.keepalived.values()) {
          node.writeConfig(node.id === nodeId ? Math.max(boost, node.spec.priority) : node.spec.priority);
          node.reload();
        }
        this.emit('vip', 'move', { vip: vip.id, node: nodeId, priority: boost, how: 'keepalived priority' });
        const budgetMs = 4 * vip.advertIntMs + vip.preemptDelayMs + 2_000;
        const start = Date.now();
        for (let i = 0; i < 1_000 && Date.now() - start < budgetMs; i++) {
          const holders = await observer.pollOnce();
          if (holders.length === 1 && holders[0] === nodeId) return;
          await delay(50);
        }
        throw new Error(`${nodeId} did not take ${this.plan.vip} within ${budgetMs} ms`);
      },
      demote: async (_vip, nodeId) => {
        await this.keepalived.get(nodeId)?.stop();
        this.emit('vip', 'fenced', { vip: vip.id, node: nodeId, how: 'keepalived stopped' });
      },
    };
  }

  /** Invariants over the run: one VIP holder (unless split brain is the subject), every fault removed. */
  #invariants(events: EventLog): InvariantResult[] {
    const log = events.events;
    const splitBrainJudged = this.scenario.setup.vip && !this.scenario.expect.splitBrain;
    return [...(splitBrainJudged ? [singleVipHolder(log)] : []), everyFaultRemoved(log)];
  }

  // ---- teardown ---------------------------------------------------------------------------

  async #teardown(): Promise<TeardownReport> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.clock?.close();
    this.probePort?.close();
    const report: TeardownReport = { namespaces: [], processes: [], rules: [], files: [], errors: [] };
    for (const [id, active] of [...this.#active.entries()]) {
      this.#active.delete(id);
      await active.applied.undo().catch((err: Error) => report.errors.push(`undo ${id}: ${err.message}`));
    }
    this.nginx?.unwatch();
    await this.vipObserver?.stop().catch(() => undefined);
    const stops: Array<Promise<void>> = [];
    for (const node of this.keepalived.values()) stops.push(node.stop());
    if (this.nginx) stops.push(this.nginx.stop());
    for (const app of this.apps.values()) stops.push(app.stop(2_000));
    if (this.load) stops.push(this.load.stop());
    if (this.prober) stops.push(this.prober.stop(1_000));
    await Promise.allSettled(stops);
    if (process.env.FAILDRILL_HOST_KEEP_LOGS) keepLogs(this.journal.dir, process.env.FAILDRILL_HOST_KEEP_LOGS);
    const rest = await teardownRun(this.journal.dir, { force: true });
    report.namespaces.push(...rest.namespaces);
    report.processes.push(...rest.processes);
    report.rules.push(...rest.rules);
    report.files.push(...rest.files);
    report.errors.push(...rest.errors);
    try {
      rmSync(this.journal.dir, { recursive: true, force: true });
    } catch {
      // teardownRun removed it
    }
    return report;
  }
}

/** FAILDRILL_HOST_KEEP_LOGS=<dir>: copies the run's logs and configs there before teardown (debugging). */
function keepLogs(runDir: string, into: string): void {
  try {
    const target = join(into, runDir.split('/').at(-1)!);
    mkdirSync(target, { recursive: true });
    for (const f of readdirSync(runDir)) if (/\.(log|conf|jsonl)$/.test(f)) cpSync(join(runDir, f), join(target, f));
  } catch {
    // best effort
  }
}
