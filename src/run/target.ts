import type { ControllerPorts, FailoverController } from '../controller/controller.js';
import type { Clock, Rng } from '../controller/ports.js';
import type { EventDetail, EventLog } from '../measure/events.js';
import type { InvariantResult } from '../measure/invariants.js';
import type { SampleSeries } from '../measure/samples.js';
import type { FaultSpec, Scenario } from '../scenario/schema.js';
import type { ChannelContext, NotifyChannel } from '../notify/channel.js';
import type { NotifySpec } from '../scenario/notify-schema.js';
import type { TargetCapabilities } from './capabilities.js';
import type { TargetPlan } from './plan.js';

/** The name a target is registered under (`--target`). */
export type TargetName = 'sim' | 'host' | 'aws';

/** Something the machine lacks for a target to run a scenario (exit 3), named exactly. */
export interface Missing {
  name: string;
  /** What it is needed for. */
  why: string;
  /** How to get it: a package to install, a flag to pass. */
  install: string;
}

/** A fault as a session applies it: what it does and to whom, with the id the journal and rules carry. */
export type FaultEffect = Pick<FaultSpec, 'id' | 'action' | 'target'> & Partial<Omit<FaultSpec, 'id' | 'action' | 'target' | 'atMs' | 'durationMs'>>;

/** Takes a fault back; resolves once it is undone. Safe to call once. */
export type Undo = () => Promise<void>;

/** The ports a target lends the controller: a health probe, and a port per layer it has (clock, rng, events and the notifier come from the runner). */
export type TargetPorts = Omit<ControllerPorts, 'clock' | 'rng' | 'events' | 'notifier'>;

/** What a session leaves for measurement besides the event log. */
export interface SessionRecord {
  samples: SampleSeries;
  /** Invariants checked by the session (after every event on the simulator, over the run on real targets). */
  invariants: InvariantResult[];
  /** Engine events processed (simulator work, for benchmarks); 0 on real targets. */
  engineEvents: number;
  /** Target-specific facts for the result (a host run's namespaces, setup time, teardown report). */
  extra?: Record<string, unknown>;
}

/** Options for {@link Target.open}. */
export interface OpenOptions {
  seed: number;
  /** The scenario file, for messages. */
  file?: string;
  /** Aborted on SIGINT/SIGTERM: setup stops at its next step, a running drill ends at once. */
  signal: AbortSignal;
  /** Values of the target's own command-line options ({@link Target.options}), by key. */
  settings?: TargetSettings;
}

/** Values of a target's own options, by {@link TargetOption.key}. */
export type TargetSettings = Readonly<Record<string, string | undefined>>;

/** A command-line option a target adds to `faildrill run` (the aws target's `--aws moto`, `--allow-account`). */
export interface TargetOption {
  /** commander flags, e.g. `--aws <emulator>`. */
  flags: string;
  /** The value's key in {@link TargetSettings}: commander's camel case of the long flag (`allowAccount`). */
  key: string;
  description: string;
  /** Allowed values; anything else exits 2. */
  choices?: readonly string[];
}

/**
 * One drill's world on a target: its clock, the ports the controller uses, fault injection and the
 * load. The runner ({@link runDrill}) drives every session the same way:
 * `open` → `start` → `schedule`/`inject` while `runUntil` → `finish` → dispose.
 */
export interface Session extends AsyncDisposable {
  /** The run's clock: virtual on the simulator, the wall clock on real targets. 0 = run start. */
  readonly clock: Clock;
  /** The run's root generator (seeded); the runner forks the controller's from it. */
  readonly rng: Rng;
  /** The run's event log; subscribe before {@link start} to see every event. */
  readonly events: EventLog;
  readonly ports: TargetPorts;
  /** Gives the session the controller, for mechanisms that consult it (the arbiter lease of fencing). */
  attach(controller: FailoverController): void;
  /**
   * A notifier the session supplies for a `notify:` entry with what only it has (the aws session: sns
   * on the run's topic, through its own client); undefined: the runner builds it (`src/notify/registry.ts`).
   */
  notifyChannel?(spec: NotifySpec, context: ChannelContext): NotifyChannel | undefined;
  /**
   * Starts the load and the run's clock. At time 0 it emits `run`/`start` with `detail` plus its own
   * facts (subnet, setup time, resolution), then its opening events (the VIP's initial states, …).
   */
  start(detail: EventDetail): Promise<void>;
  /** Runs `fn` at run time `atMs` unless the run is over; a rejection becomes a `run`/`error` event. */
  schedule(atMs: number, fn: () => void | Promise<void>): void;
  /**
   * Applies `fault` (journaled first on real targets). Calls `onEffect` exactly once, at the moment
   * the fault takes effect (t_fault), with facts for the `fault`/`injected` event (the server it
   * affects, the rules it added); resolves with its undo once applying is complete.
   */
  inject(fault: FaultEffect, onEffect: (detail: EventDetail) => void): Promise<Undo>;
  /** Requests counted so far (live progress). */
  requestTotals(): { ok: number; total: number };
  /** Lets the world run until `endMs` on its clock, or until `signal` aborts. */
  runUntil(endMs: number, signal: AbortSignal): Promise<void>;
  /**
   * Ends the load, emits the session's closing facts and `run`/`end` (with `aborted`, the signal's
   * reason, when the run was cut short), and collects samples and invariants; real targets also tear
   * down here, so that "nothing left behind" is an invariant of the record. Faults are already undone
   * by the runner. Disposing the session afterwards (or instead, on error) tears down whatever is left.
   */
  finish(aborted: string | undefined): Promise<SessionRecord>;
}

/**
 * A place drills run: the simulator, this machine, the AWS API. Registered in
 * `src/targets/registry.ts`; the runner, `run`, `sweep` and `cleanup` know targets only through this.
 */
export interface Target {
  readonly name: TargetName;
  /** One line for `--help` and the report's environment section. */
  readonly description: string;
  /** What it supports: the one source for validation, `faildrill faults` and the README matrix. */
  readonly capabilities: TargetCapabilities;
  /** Whether results are deterministic (same scenario and seed ⇒ same bytes), so sweeps may use it. */
  readonly deterministic: boolean;
  /** Options of its own on `faildrill run` (shown under the target's name in `--help`). */
  readonly options?: readonly TargetOption[];
  /** What this machine lacks to run `scenario` here (exit 3 when not empty). Touches nothing. */
  preflight(scenario: Scenario, settings?: TargetSettings): Promise<Missing[]>;
  open(scenario: Scenario, options: OpenOptions): Promise<Session>;
  /**
   * What a run would set up and what each fault would run to apply and undo it (`run --dry-run`),
   * from the same code that does it. Touches nothing: no namespace, process, file or API call.
   */
  describe?(scenario: Scenario, options: { seed: number; settings?: TargetSettings }): Promise<TargetPlan>;
  /** Undoes what killed runs left behind (`faildrill cleanup`); with `run`, only that run's (by id or tag), where the target can tell runs apart. */
  cleanup?(options: { force: boolean; run?: string }): Promise<CleanupReport>;
}

/** What `faildrill cleanup` removed, per kind of thing, and what it could not. */
export interface CleanupReport {
  removed: Array<{ kind: string; items: string[] }>;
  skipped: string[];
  errors: string[];
}
