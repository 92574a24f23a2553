import type { FailoverController } from '../../controller/controller.js';
import { EnvironmentError } from '../../errors.js';
import { injectHostFault, type AppliedFault } from '../../faults/host/inject.js';
import { MemoryLease } from '../../lease/memory-lease.js';
import { HostLoad } from '../../load/host-load.js';
import { EventLog, type EventDetail } from '../../measure/events.js';
import { SampleRecorder } from '../../measure/samples.js';
import { SeededRng } from '../../random/seeded-rng.js';
import type { FaultEffect, OpenOptions, Session, SessionRecord, TargetPorts, Undo } from '../../run/target.js';
import type { Scenario } from '../../scenario/schema.js';
import { trackScriptPhaseMs, writerCheckPhaseMs } from '../../scenario/script-phase.js';
import { writerCheckRunsFile } from './db-endpoint/vip-keepalived.js';
import { scriptRunsFile } from './keepalived.js';
import { alignedStartEpochMs, scriptRunsEpochMs } from './script-schedule.js';
import { nothingLeftBehind, runInvariants } from './invariants.js';
import type { WallClock } from '../shared/wall-clock.js';
import { setUp } from './setup.js';
import { teardownWorld, type TeardownReport } from './teardown.js';
import { abortError, RunTimers, sleep } from '../shared/timers.js';
import { listNamespaces } from './topology.js';
import { ArbiterEndpoint } from './arbiter-endpoint.js';
import { hostVirtualIpPort } from './vip-port.js';
import { HostWorld } from './world.js';
import { routedProbePort } from './db-checks.js';

/** The load starts this long before the run's t0, so that its first probe falls on the run's first bucket. */
export const LOAD_LEAD_MS = 1_500;

/** How long past one script interval the session waits for the track script's first logged run. */
const SCRIPT_LOG_SLACK_MS = 2_000;
/** How long the end of a run waits for scheduled work still in flight (an injection, an operation). */
const SETTLE_MS = 15_000;
/** The same after an interrupt: the run must end within 2 s of the signal. */
const SETTLE_ABORTED_MS = 300;
/** After its last request, how long the load driver may take to report before it is stopped. */
const LOAD_FINISH_SLACK_MS = 3_000;
/** How long the end of a run waits for a database member's rejoin in flight (pg_rewind, restart, streaming). */
const DB_SETTLE_MS = 60_000;

/** A host run's facts for the result, beside the samples (`SessionRecord.extra.host`). */
export interface HostRunInfo {
  runId: string;
  subnet: string;
  namespaces: string[];
  setupMs: number;
  phaseOffsetMs: number;
  teardown: TeardownReport;
  load: { driver: string; load: number; probe: number };
}

/**
 * One drill on this machine (see {@link Session}): real namespaces, processes, faults and load on the
 * wall clock. Composes the rooms that do the work — setup, services, the VIP port, timers, invariants,
 * teardown — and holds the run's state: whether its events are live, the faults it applied.
 * `open` → {@link HostSession.open}; everything it made is torn down by `finish` or by disposal.
 */
export class HostSession implements Session {
  readonly rng: SeededRng;
  readonly events: EventLog;
  readonly #world: HostWorld;
  readonly #signal: AbortSignal;
  readonly #timers: RunTimers;
  /** Faults applied and not undone, by a key of their own (a fault id may come back after its removal). */
  readonly #active = new Map<number, { faultId: string; applied: AppliedFault }>();
  #sequence = 0;
  #ports?: TargetPorts;
  #live = false;
  #setupMs = 0;
  #phaseOffsetMs = 0;
  #teardown?: Promise<TeardownReport>;
  /** The fencing arbiter the nodes' scripts ask (`fencing: arbiter`). */
  readonly #arbiter = new ArbiterEndpoint();

  private constructor(
    readonly scenario: Scenario,
    options: OpenOptions,
  ) {
    this.rng = new SeededRng(options.seed);
    this.#signal = options.signal;
    this.#world = new HostWorld(scenario, options.seed, (component, type, detail) => this.#emit(component, type, detail), options.signal);
    this.events = new EventLog(this.#world.clock);
    this.#timers = new RunTimers(this.#world.clock, (err) => this.#emit('run', 'error', { message: err.message }));
  }

  /**
   * Sets the run up (namespaces, apps, prober, keepalived, nginx) and waits until it is steady.
   * On failure or abort it tears down what it made and throws: the abort's reason, or an
   * {@link EnvironmentError} naming the step that failed.
   */
  static async open(scenario: Scenario, options: OpenOptions): Promise<HostSession> {
    const session = new HostSession(scenario, options);
    const started = process.hrtime.bigint();
    try {
      await setUp(session.#world, session.#arbiter);
    } catch (err) {
      await session.#tearDown().catch(() => undefined);
      if (options.signal.aborted) throw abortError(options.signal);
      throw new EnvironmentError(`host setup failed: ${(err as Error).message}`);
    }
    session.#setupMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    session.#ports = session.#makePorts();
    return session;
  }

  get clock(): WallClock {
    return this.#world.clock;
  }

  get ports(): TargetPorts {
    if (!this.#ports) throw new Error('the host session is not set up');
    return this.#ports;
  }

  /** Emits into the run's log while the run's clock runs; before and after, nothing. */
  #emit(component: string, type: string, detail: EventDetail): void {
    if (this.#live) this.events.emit(component, type, detail);
  }

  #makePorts(): TargetPorts {
    const world = this.#world;
    const vip = this.scenario.setup.vip;
    const nginx = world.services.nginx;
    const db = world.database;
    return {
      probe: db && world.dbProbePort ? routedProbePort(world.probePort!, world.dbProbePort, (e) => db.members.includes(e)) : world.probePort!,
      ...(world.dbFailover?.port ? { database: world.dbFailover.port } : {}),
      ...(nginx ? { loadBalancer: nginx.port } : {}),
      ...(vip && world.vipObserver
        ? {
            virtualIp: hostVirtualIpPort(vip, world.plan.vip!, world.vipObserver, world.services.keepalived, (c, t, d) => this.#emit(c, t, d)),
            lease: new MemoryLease(world.clock),
          }
        : {}),
    };
  }

  /** Fencing: the nodes' fencing scripts get the controller's answers from now on. */
  attach(controller: FailoverController): void {
    this.#arbiter.attach((node) => controller.mayHoldAddress(node));
  }

  /**
   * The run's time 0, {@link LOAD_LEAD_MS} from now at the earliest. With a track script, the time 0 at
   * which real keepalived's schedule (logged by the script on the initial master) has the phase the
   * simulator draws from the same seed ({@link trackScriptPhaseMs}): the script first runs that long
   * after time 0, so a fault meets the same point of the script's cycle on both targets. Setup takes
   * about the same time on every run: without this the first fault would always hit the same phase.
   */
  async #startTimeNs(signal: AbortSignal): Promise<bigint> {
    const earliestNs = () => process.hrtime.bigint() + BigInt(LOAD_LEAD_MS) * 1_000_000n;
    const schedule = this.#alignedSchedule();
    if (!schedule) return earliestNs();
    const deadline = Date.now() + schedule.intervalMs + SCRIPT_LOG_SLACK_MS;
    let runs = scriptRunsEpochMs(schedule.file);
    while (runs.length === 0 && Date.now() < deadline && !signal.aborted) {
      await sleep(50, signal);
      runs = scriptRunsEpochMs(schedule.file);
    }
    if (runs.length === 0) return earliestNs();
    const nowEpochMs = Date.now();
    const nowNs = process.hrtime.bigint();
    const t0EpochMs = alignedStartEpochMs(Math.max(...runs), schedule.intervalMs, schedule.phaseMs, nowEpochMs + LOAD_LEAD_MS);
    return nowNs + BigInt(Math.round((t0EpochMs - nowEpochMs) * 1e6));
  }

  /**
   * The keepalived script whose schedule time 0 is aligned to: the app VIP's track script on its initial
   * master, else the database VIP's writer check on the primary (endpoint mode vip).
   */
  #alignedSchedule(): { file: string; intervalMs: number; phaseMs: number } | undefined {
    const { vip, database } = this.scenario.setup;
    const plan = this.#world.plan;
    if (vip?.trackScript) {
      const master = [...vip.nodes].sort((a, b) => b.priority - a.priority)[0]!.server;
      const { intervalMs } = vip.trackScript;
      return { file: scriptRunsFile(plan, master), intervalMs, phaseMs: trackScriptPhaseMs(this.rng.seed, vip.id, intervalMs) };
    }
    const check = database?.endpoint.vip?.check;
    if (database && check) {
      const { intervalMs } = check;
      return { file: writerCheckRunsFile(plan, database.primary), intervalMs, phaseMs: writerCheckPhaseMs(this.rng.seed, database.id, intervalMs) };
    }
    return undefined;
  }

  /**
   * Starts the run: waits until {@link LOAD_LEAD_MS} before time 0 (aligned to the track script), starts the load
   * {@link LOAD_LEAD_MS} before t0 and, at t0, emits `run`/`start` and the VIP's and nginx's opening
   * state. Both waits end at once on abort; the run then starts (and ends) at once.
   */
  async start(detail: EventDetail): Promise<void> {
    const { scenario } = this;
    const world = this.#world;
    const signal = this.#signal;
    const t0Ns = await this.#startTimeNs(signal);
    this.#phaseOffsetMs = Math.max(0, Number(t0Ns - process.hrtime.bigint()) / 1e6 - LOAD_LEAD_MS);
    await sleep(this.#phaseOffsetMs, signal);
    if (!signal.aborted) {
      world.clock.startAt(t0Ns);
      world.load = new HostLoad({
        ns: world.plan.client.ns,
        dir: world.plan.dir,
        url: `${world.baseUrl(world.entryId)}/`,
        driver: scenario.load.driver,
        seed: this.rng.fork('load').seed,
        ratePerSec: scenario.load.ratePerSec,
        clients: scenario.load.clients,
        timeoutMs: scenario.load.timeoutMs,
        probeIntervalMs: scenario.load.probeIntervalMs,
        t0Ns: world.clock.t0Ns,
        durationMs: scenario.durationMs,
        entryId: world.entryId,
        onProcess: world.track('load', world.plan.client.ns),
      });
      world.load.start(0);
      world.database?.start(world.clock.t0Ns, (atMs, fn) => this.schedule(atMs, fn));
      world.dbFailover?.start?.();
      await sleep(-world.clock.nowMs(), signal);
    }
    if (signal.aborted) world.clock.startAt(process.hrtime.bigint());
    this.#live = true;
    this.events.emit('run', 'start', {
      ...detail,
      subnet: world.plan.subnet,
      resolutionMs: scenario.load.probeIntervalMs,
      setupMs: this.#setupMs,
      phaseOffsetMs: this.#phaseOffsetMs,
      runId: world.plan.runId,
    });
    const vip = scenario.setup.vip;
    for (const node of vip ? world.services.keepalived.values() : [])
      this.events.emit('vip', 'state', { vip: vip!.id, node: node.id, state: node.state, previous: 'init', priority: node.priority, source: 'keepalived log' });
    world.vipObserver?.arm();
    world.services.nginx?.arm();
  }

  schedule(atMs: number, fn: () => void | Promise<void>): void {
    if (this.#signal.aborted) return;
    this.#timers.schedule(atMs, fn);
  }

  /** Applies `fault` for real, journaled first (`src/faults/host/inject.ts`); the undo is safe to call once. */
  async inject(fault: FaultEffect, onEffect: (detail: EventDetail) => void): Promise<Undo> {
    const world = this.#world;
    const applied = await injectHostFault(fault, world.services, world.journal, onEffect);
    const key = ++this.#sequence;
    this.#active.set(key, { faultId: fault.id, applied });
    const holds = [fault.target, ...(fault.peer ? [fault.peer] : [])];
    for (const server of holds) world.faultsOn.set(server, (world.faultsOn.get(server) ?? 0) + 1);
    return async () => {
      if (!this.#active.delete(key)) return;
      await applied.undo();
      for (const server of holds) world.faultsOn.set(server, (world.faultsOn.get(server) ?? 1) - 1);
      if (!this.#signal.aborted) world.dbFailover?.faultsChanged();
    };
  }

  requestTotals(): { ok: number; total: number } {
    return this.#world.load?.recorder.totals() ?? { ok: 0, total: 0 };
  }

  /** Waits on the wall clock until run time `endMs`, or until `signal` (or the session's) aborts. */
  async runUntil(endMs: number, signal: AbortSignal): Promise<void> {
    const either = AbortSignal.any([signal, this.#signal]);
    await sleep(endMs - this.clock.nowMs(), either);
    this.#timers.close();
  }

  /**
   * Ends the run: waits for scheduled work in flight, undoes any fault still applied, collects the
   * load's samples, emits `run`/`end`, judges the invariants, then tears everything down and checks
   * that nothing is left. After an interrupt it waits for nothing (the run ends within 2 s of it).
   */
  async finish(aborted: string | undefined): Promise<SessionRecord> {
    const { scenario } = this;
    const world = this.#world;
    const interrupted = aborted !== undefined || this.#signal.aborted;
    this.#timers.close();
    world.clock.close();
    await this.#timers.settle(interrupted ? SETTLE_ABORTED_MS : SETTLE_MS);
    const undoErrors = await this.#undoActive();
    await world.load?.finish(interrupted ? 0 : scenario.load.timeoutMs + LOAD_FINISH_SLACK_MS);
    if (!interrupted) await world.vipObserver?.pollOnce();
    world.services.nginx?.unwatch();
    if (!interrupted) await world.dbFailover?.settle(DB_SETTLE_MS);
    await world.database?.report(interrupted).catch((err: Error) => this.events.emit('db', 'error', { message: `closing report: ${err.message}` }));
    const samples = (world.load?.recorder ?? new SampleRecorder(scenario.load.probeIntervalMs, scenario.durationMs)).finish();
    const requests = world.load?.requests ?? { load: 0, probe: 0 };
    this.events.emit('run', 'end', {
      requests: requests.load,
      probes: requests.probe,
      resolutionMs: samples.resolutionMs,
      ...(aborted ? { aborted } : {}),
    });
    this.#live = false;
    const invariants = runInvariants(scenario, this.events.events);
    if (world.database) invariants.push(world.database.fenceInvariant());
    const teardown = await this.#tearDown();
    teardown.errors.unshift(...undoErrors);
    invariants.push(nothingLeftBehind(teardown, await listNamespaces(`fd-${world.plan.tag}-`)));
    const host: HostRunInfo = {
      runId: world.plan.runId,
      subnet: world.plan.subnet,
      namespaces: world.namespaces,
      setupMs: this.#setupMs,
      phaseOffsetMs: this.#phaseOffsetMs,
      teardown,
      load: { driver: scenario.load.driver, ...requests },
    };
    return { samples, invariants, engineEvents: 0, extra: { host } };
  }

  /** Undoes every fault this session applied that was not undone; the errors, as messages. */
  async #undoActive(): Promise<string[]> {
    const errors: string[] = [];
    for (const [key, { faultId, applied }] of [...this.#active.entries()].reverse()) {
      this.#active.delete(key);
      await applied.undo().catch((err: Error) => errors.push(`undo ${faultId}: ${err.message}`));
    }
    return errors;
  }

  /** Tears the world down once (later calls get the same report). */
  #tearDown(): Promise<TeardownReport> {
    this.#live = false;
    this.#timers.close();
    this.#teardown ??= this.#undoActive().then(async (errors) => {
      await this.#arbiter.close().catch((err: Error) => errors.push(`arbiter: ${err.message}`));
      const report = await teardownWorld(this.#world, { interrupted: this.#signal.aborted });
      report.errors.unshift(...errors);
      return report;
    });
    return this.#teardown;
  }

  /** Tears down whatever is left (after `finish`, nothing). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tearDown();
  }
}
