import type { Clock, Rng } from '../../../controller/ports.js';

/** One health check request in flight: the TCP connection, then the HTTP status. */
export interface CheckAttempt {
  /** Resolves once connected; rejects with the reason (`refused`, an errno code) when the connection fails. */
  connected: Promise<void>;
  /** Resolves with the HTTP status code; rejects when the connection fails or is reset. */
  response: Promise<number>;
  /** Drops the request (its timeout ran out). */
  abort(): void;
}

/** Sends one check to the endpoint (an HTTP GET on a fresh connection: {@link httpCheckTransport}). */
export interface CheckTransport {
  open(): CheckAttempt;
}

/**
 * A Route 53 health check's configuration. "Developer guide" below is the Route 53 Developer Guide,
 * "How Amazon Route 53 determines whether a health check is healthy"; defaults in
 * `src/scenario/defaults.ts`. Route 53 offers intervals of 10 s and 30 s and thresholds 1–10 (the
 * scenario schema enforces both); tests may shorten the times.
 */
export interface Route53CheckerSpec {
  healthCheckId: string;
  /** Each checker's request interval: 30 s standard or 10 s (developer guide; API `RequestInterval`). */
  intervalMs: number;
  /** Consecutive results before a checker changes its view: 1–10, default 3 (API `FailureThreshold`). */
  failureThreshold: number;
  /** Checker regions (API `Regions`: at least 3, all 8 by default); checkers do not coordinate, each on its own phase (developer guide). */
  regions: number;
  checkersPerRegion: number;
  /** The endpoint is healthy while more than this share of checkers report healthy: 0.18 (developer guide). */
  healthyCheckerShare: number;
  /** HTTP: the TCP connection must be made within 4 s (developer guide). */
  connectTimeoutMs: number;
  /** HTTP: then a status ≥ 200 and < 400 must arrive within 2 s of connecting (developer guide; API `HealthCheckConfig.Type`). */
  responseTimeoutMs: number;
}

/** One check's outcome, as a checker saw it. */
export interface CheckResult {
  checker: number;
  ok: boolean;
  /** `status 503`, `refused`, `connect timeout`, `response timeout`, an errno code. */
  reason?: string;
  startedAtMs: number;
  endedAtMs: number;
}

/** A change of the endpoint's health: what the session turns into a `route53`/`health` event. */
export interface HealthVerdict {
  healthCheckId: string;
  healthy: boolean;
  healthyCheckers: number;
  checkers: number;
  atMs: number;
}

export interface Route53CheckerOptions {
  spec: Route53CheckerSpec;
  transport: CheckTransport;
  /** The run's clock: wall time on the aws target, virtual time in tests. */
  clock: Clock;
  /** Draws each checker's phase; fork it per health check from the run's Rng. */
  rng: Rng;
  onVerdict: (verdict: HealthVerdict) => void;
  /** Run time at which the checkers stop by themselves (the run's end plus its teardown margin); default: at {@link Route53Checker.stop} only. */
  stopAtMs?: number;
  /** Every check's outcome (progress, tests); most sessions leave it out. */
  onCheck?: (result: CheckResult) => void;
}

interface Checker {
  index: number;
  phaseMs: number;
  healthy: boolean;
  streak: number;
}

type Outcome = { ok: true } | { ok: false; reason: string };

const TIMED_OUT = Symbol('timed out');

/**
 * Route 53 health evaluation done by faildrill, for emulators that never evaluate health checks
 * (design.md §8). The same rules as the simulator's model (`src/simulator/route53.ts`), each from
 * the documents named on {@link Route53CheckerSpec}: every checker sends one request per interval
 * from its own seeded phase; a checker changes its view after `failureThreshold` results in a row;
 * the endpoint is healthy while more than 18 % of checkers report healthy; a new check starts
 * healthy ("until there's enough data", developer guide). One difference in kind: here a check
 * takes real time, so a refused connection fails at once and a check that gets no answer fails
 * only when its timeout runs out (connect 4 s, then response 2 s), where the simulator's checks
 * settle at the instant they are sent. Time and phases come only from the injected Clock and Rng;
 * `onVerdict` must not throw.
 */
export class Route53Checker {
  readonly #checkers: Checker[] = [];
  #healthy = true;
  #running = false;
  #stopped = false;
  #startedAtMs = 0;
  readonly #inFlight = new Set<CheckAttempt>();

  constructor(private readonly options: Route53CheckerOptions) {
    const { spec } = options;
    if (!(spec.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${spec.intervalMs}`);
    if (!Number.isInteger(spec.failureThreshold) || spec.failureThreshold < 1) throw new RangeError(`failureThreshold must be a whole number ≥ 1, got ${spec.failureThreshold}`);
    if (spec.connectTimeoutMs + spec.responseTimeoutMs >= spec.intervalMs) {
      throw new RangeError(`connect + response timeout (${spec.connectTimeoutMs + spec.responseTimeoutMs} ms) must be shorter than the interval (${spec.intervalMs} ms), as Route 53's 4 s + 2 s are within 10 s`);
    }
    const count = spec.regions * spec.checkersPerRegion;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`regions × checkersPerRegion must be ≥ 1, got ${count}`);
    for (let index = 0; index < count; index++) {
      this.#checkers.push({ index, phaseMs: options.rng.int(0, spec.intervalMs - 1), healthy: true, streak: 0 });
    }
  }

  /** Whether Route 53 would consider the endpoint healthy now. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Each checker's first check, in ms after {@link start}. */
  get phasesMs(): readonly number[] {
    return this.#checkers.map((c) => c.phaseMs);
  }

  /** Run time at which {@link start} was called. */
  get startedAtMs(): number {
    return this.#startedAtMs;
  }

  /** Starts every checker; each first checks at its phase after now. */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#startedAtMs = this.options.clock.nowMs();
    for (const checker of this.#checkers) void this.#loop(checker);
  }

  /** Stops checking at once: checks in flight are dropped, and no check or verdict follows. */
  stop(): void {
    this.#stopped = true;
    for (const attempt of this.#inFlight) attempt.abort();
    this.#inFlight.clear();
  }

  async #loop(checker: Checker): Promise<void> {
    const { clock, spec } = this.options;
    for (let k = 0; ; k++) {
      const atMs = this.#startedAtMs + checker.phaseMs + k * spec.intervalMs;
      if (atMs >= (this.options.stopAtMs ?? Infinity)) return;
      const waitMs = atMs - clock.nowMs();
      if (waitMs > 0) await clock.sleep(waitMs);
      if (this.#stopped) return;
      if (waitMs <= -spec.intervalMs) continue;
      const outcome = await this.#checkOnce(checker.index, atMs);
      if (this.#stopped) return;
      this.#record(checker, outcome.ok);
    }
  }

  async #checkOnce(checker: number, startedAtMs: number): Promise<Outcome> {
    const { clock, spec, transport } = this.options;
    const attempt = transport.open();
    this.#inFlight.add(attempt);
    const within = async <T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> =>
      Promise.race([work, clock.sleep(timeoutMs).then((): typeof TIMED_OUT => TIMED_OUT)]);
    let outcome: Outcome;
    try {
      if ((await within(attempt.connected, spec.connectTimeoutMs)) === TIMED_OUT) {
        outcome = { ok: false, reason: 'connect timeout' };
      } else {
        const status = await within(attempt.response, spec.responseTimeoutMs);
        if (status === TIMED_OUT) outcome = { ok: false, reason: 'response timeout' };
        else if (status >= 200 && status < 400) outcome = { ok: true };
        else outcome = { ok: false, reason: `status ${status}` };
      }
    } catch (err) {
      outcome = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    this.#inFlight.delete(attempt);
    if (!outcome.ok) attempt.abort();
    if (this.#stopped) return outcome;
    this.options.onCheck?.({ checker, ok: outcome.ok, ...(outcome.ok ? {} : { reason: outcome.reason }), startedAtMs, endedAtMs: clock.nowMs() });
    return outcome;
  }

  #record(checker: Checker, ok: boolean): void {
    if (ok === checker.healthy) {
      checker.streak = 0;
      return;
    }
    if (++checker.streak < this.options.spec.failureThreshold) return;
    checker.healthy = ok;
    checker.streak = 0;
    const healthyCheckers = this.#checkers.filter((c) => c.healthy).length;
    const healthy = healthyCheckers / this.#checkers.length > this.options.spec.healthyCheckerShare;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    this.options.onVerdict({ healthCheckId: this.options.spec.healthCheckId, healthy, healthyCheckers, checkers: this.#checkers.length, atMs: this.options.clock.nowMs() });
  }
}
