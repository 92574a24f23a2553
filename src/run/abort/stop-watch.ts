import { DEFAULT_RETRY_POLICY } from '../../controller/backoff.js';
import type { Session } from '../target.js';
import type { StopCondition, Trip } from './condition.js';
import { describeHalt, HALT_POLL_MS, type HaltState, type HaltSwitch } from './halt.js';

/** How often stop conditions are judged, in run time (and how often a stopped run asks whether the controller finished). */
export const STOP_CHECK_MS = HALT_POLL_MS;
/**
 * After a stop, how long the controller may take to finish what it started before the run ends
 * anyway: one failover step's retry budget (src/controller/backoff.ts), after which a step gives up.
 */
export const CONTROLLER_FINISH_MS = DEFAULT_RETRY_POLICY.stepBudgetMs;

/** How a run was stopped early, for the record and result.json. */
export interface StopRecord extends Trip {
  /** `aborted` by a stop condition of `abort:`, `halted` by the machine-wide kill switch. */
  verdict: 'aborted' | 'halted';
  /** Run time at which it tripped: every active fault was undone from here on. */
  atMs: number;
  /** Run time at which the run ended (the controller had finished, or {@link CONTROLLER_FINISH_MS} had passed). */
  endedAtMs?: number;
}

export interface StopWatchOptions {
  conditions: readonly StopCondition[];
  /** The kill switch; absent on targets that change nothing outside faildrill's memory. */
  halt?: HaltSwitch;
  session: Pick<Session, 'schedule' | 'requestTotals' | 'clock' | 'events'>;
  durationMs: number;
  /** Called once, at the instant a stop trips (after its `run`/`aborted` or `run`/`halted` event): undo every fault here. */
  onStop(stop: StopRecord): void;
  /** Whether the controller has finished what it started (no failover pending or in progress). */
  settled(): boolean;
}

/**
 * Watches a running drill for a reason to stop early: the stop conditions of `abort:` at every check
 * ({@link STOP_CHECK_MS} of run time) and on every event, and the kill switch (watched, and checked
 * before every injection). When one trips it logs why, calls `onStop` at once, refuses further
 * injections, and aborts {@link signal} once the controller has finished, so the run ends.
 */
export class StopWatch {
  readonly #ended = new AbortController();
  #stop?: StopRecord;
  #ticking = false;
  #unwatch?: () => void;

  constructor(private readonly options: StopWatchOptions) {}

  /** Aborted when a stopped run should end. */
  get signal(): AbortSignal {
    return this.#ended.signal;
  }

  get stop(): StopRecord | undefined {
    return this.#stop;
  }

  /** Starts judging (call at the run's time 0, after the session started). */
  start(): void {
    const { conditions, halt, session } = this.options;
    if (conditions.some((c) => c.observe)) {
      session.events.subscribe((event) => {
        if (this.#stop) return;
        for (const condition of conditions) {
          const trip = condition.observe?.(event);
          if (trip) return this.#trip(trip, 'aborted');
        }
      });
    }
    if (conditions.some((c) => c.check)) this.#tickFrom(0);
    if (halt) {
      const now = halt.state();
      if (now) this.#halt(now);
      else this.#unwatch = halt.watch((state) => this.#halt(state));
    }
  }

  /** Before an injection: false when the run is stopped or the kill switch is on (which stops it). */
  allowsInjection(): boolean {
    if (this.#stop) return false;
    const state = this.options.halt?.state();
    if (!state) return true;
    this.#halt(state);
    return false;
  }

  /** Stops watching the kill switch. */
  close(): void {
    this.#unwatch?.();
  }

  #halt(state: HaltState): void {
    if (this.#stop) return;
    this.#trip({ condition: 'halt', limit: 'faildrill halt', actual: 'on', message: `halted by ${describeHalt(state)}` }, 'halted');
  }

  #trip(trip: Trip, verdict: StopRecord['verdict']): void {
    const { session } = this.options;
    const atMs = session.clock.nowMs();
    this.#stop = { ...trip, verdict, atMs };
    session.events.emit('run', verdict, { condition: trip.condition, limit: trip.limit, actual: trip.actual, message: trip.message });
    this.options.onStop(this.#stop);
    this.#endIfSettled(atMs);
    if (!this.#ticking) this.#tickFrom(atMs);
  }

  #endIfSettled(atMs: number): void {
    const stop = this.#stop!;
    if (stop.endedAtMs !== undefined || (!this.options.settled() && atMs < stop.atMs + CONTROLLER_FINISH_MS)) return;
    stop.endedAtMs = atMs;
    this.#ended.abort(stop.message);
  }

  /** Checks every {@link STOP_CHECK_MS} on the run's clock, on multiples of it. */
  #tickFrom(fromMs: number): void {
    this.#ticking = true;
    const next = (Math.floor(fromMs / STOP_CHECK_MS) + 1) * STOP_CHECK_MS;
    if (next >= this.options.durationMs) return;
    this.options.session.schedule(next, () => {
      this.#check(next);
      if (this.#stop?.endedAtMs === undefined) this.#tickFrom(next);
    });
  }

  #check(atMs: number): void {
    if (this.#stop) return this.#endIfSettled(atMs);
    const totals = { atMs, ...this.options.session.requestTotals() };
    for (const condition of this.options.conditions) {
      const trip = condition.check?.(totals);
      if (trip) return this.#trip(trip, 'aborted');
    }
  }
}
