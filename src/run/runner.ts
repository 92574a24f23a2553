import { FailoverController, type FailoverEvent } from '../controller/controller.js';
import type { EventDetail, RunEvent } from '../measure/events.js';
import type { InvariantResult } from '../measure/invariants.js';
import type { SampleSeries } from '../measure/samples.js';
import type { Scenario } from '../scenario/schema.js';
import { stopConditionsOf } from './abort/registry.js';
import type { HaltSwitch } from './abort/halt.js';
import { StopWatch, type StopRecord } from './abort/stop-watch.js';
import { controllerConfigOf } from './controller-config.js';
import { FaultBook } from './fault-book.js';
import { openNotifiers } from '../notify/registry.js';
import { scheduleOperations } from './operations.js';
import { scheduleProgress, type Progress } from './progress.js';
import type { Target, TargetName, TargetSettings } from './target.js';

export type { Progress } from './progress.js';

/** How long the run's end waits for notifications still being delivered (each is bounded by 2 s). */
const NOTIFY_FLUSH_MS = 5_000;
/** The same after a signal: the process must end within two seconds. */
const NOTIFY_FLUSH_ABORTED_MS = 300;

export interface DrillOptions {
  seed: number;
  /** The scenario file, for messages. */
  file?: string;
  /** Aborts the drill (SIGINT/SIGTERM): setup stops, faults are undone, the run ends at once. */
  signal?: AbortSignal;
  /** Values of the target's own options (`--aws moto`, …). */
  settings?: TargetSettings;
  /** Every event as it is appended. */
  onEvent?: (event: RunEvent) => void;
  onProgress?: (progress: Progress) => void;
  /**
   * The machine-wide kill switch (`faildrill halt`): checked before every injection and watched while
   * the run goes; when it is on, the run stops like a tripped stop condition, with the verdict `halted`.
   */
  halt?: HaltSwitch;
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
  /** Set when a signal ended the run early. */
  aborted?: string;
  /** Set when a stop condition of `abort:` or the kill switch stopped the run early: what tripped, when, and when the run ended. */
  stop?: StopRecord;
  /** Target-specific facts (a host run's namespaces and teardown). */
  extra?: Record<string, unknown>;
}

/**
 * The one drill runner, for every target: opens a session, builds the controller over the session's
 * ports, schedules the faults, operations and progress ticks, runs until the scenario's end (or a
 * signal), undoes every fault still active and collects the record. The session is disposed on every
 * exit, so a failing drill leaves nothing behind either. A stop condition of `abort:` or the kill
 * switch stops it early ({@link StopWatch}): every fault undone at once, none injected after, the
 * controller let finish what it started, then the run ends and is measured up to there.
 */
export async function runDrill(target: Target, scenario: Scenario, options: DrillOptions): Promise<DrillRecord> {
  const signal = options.signal ?? new AbortController().signal;
  await using session = await target.open(scenario, {
    seed: options.seed,
    signal,
    ...(options.file ? { file: options.file } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const { events } = session;
  if (options.onEvent) events.subscribe(options.onEvent);
  await using notifier = await openNotifiers({
    scenario,
    events,
    delivers: target.capabilities.notify?.support === 'yes',
    targetName: target.name,
    ...(session.notifyChannel ? { supplied: session.notifyChannel.bind(session) } : {}),
  });
  const config = controllerConfigOf(scenario);
  const controller = new FailoverController(config, {
    ...session.ports,
    clock: session.clock,
    rng: session.rng.fork('controller'),
    events,
    notifier,
  });
  session.attach(controller);

  let undoing: Promise<void> | undefined;
  const stops = new StopWatch({
    conditions: stopConditionsOf(scenario),
    ...(options.halt ? { halt: options.halt } : {}),
    session,
    durationMs: scenario.durationMs,
    onStop: () => {
      // every active fault is undone at once; the book refuses injections from now on
      undoing = faults.removeAll();
      undoing.catch(() => undefined);
    },
    settled: () => controller.failovers.every((f) => f.status !== 'pending' && f.status !== 'in_progress'),
  });
  const faults = new FaultBook(session, () => stops.allowsInjection());
  // scheduled work of the scenario (faults, their removal, operations) does nothing once a stop tripped
  const scheduled = {
    events,
    clock: session.clock,
    schedule: (atMs: number, fn: () => void | Promise<void>) => session.schedule(atMs, () => (stops.stop ? undefined : fn())),
  };
  const startDetail: EventDetail = { scenario: scenario.name, seed: options.seed, target: target.name, durationMs: scenario.durationMs };
  await session.start(startDetail);
  notifier.start();
  for (const fault of scenario.faults) {
    scheduled.schedule(fault.atMs, () => faults.inject(fault));
    if (fault.durationMs !== undefined) scheduled.schedule(fault.atMs + fault.durationMs, () => faults.remove(fault.id));
  }
  scheduleOperations(scenario, config, scheduled, controller, faults);
  // ticks run even without a listener: they count the load as they go, so results do not depend on who watches
  scheduleProgress(scenario, session, faults, (progress) => options.onProgress?.(progress));

  controller.start();
  stops.start();
  await session.runUntil(scenario.durationMs, AbortSignal.any([signal, stops.signal]));
  stops.close();
  controller.stop();
  await undoing;
  await faults.removeAll();
  const aborted = signal.aborted ? abortReason(signal) : undefined;
  const stop = stops.stop;
  if (stop) stop.endedAtMs ??= Math.min(scenario.durationMs, session.clock.nowMs());
  await notifier.flush(aborted ? NOTIFY_FLUSH_ABORTED_MS : NOTIFY_FLUSH_MS);
  const record = await session.finish(aborted ?? stop?.message);
  const durationMs = stop ? Math.max(1, Math.ceil(stop.endedAtMs!)) : scenario.durationMs;
  return {
    target: target.name,
    seed: options.seed,
    durationMs,
    events: events.events,
    samples: stop ? samplesUntil(record.samples, durationMs) : record.samples,
    failovers: controller.failovers,
    invariants: record.invariants,
    engineEvents: record.engineEvents,
    ...(aborted ? { aborted } : {}),
    ...(stop ? { stop } : {}),
    ...(record.extra ? { extra: record.extra } : {}),
  };
}

/** A stopped run's samples: the buckets up to its end (those after it saw no request). */
function samplesUntil(samples: SampleSeries, endMs: number): SampleSeries {
  const buckets = Math.ceil(endMs / samples.resolutionMs);
  const cut = (values: number[]) => values.slice(0, buckets);
  const byServer: SampleSeries['byServer'] = {};
  for (const [id, s] of Object.entries(samples.byServer)) byServer[id] = { ok: cut(s.ok), err: cut(s.err) };
  return { ...samples, ok: cut(samples.ok), err: cut(samples.err), p50Ms: cut(samples.p50Ms), p99Ms: cut(samples.p99Ms), byServer };
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'aborted';
}
