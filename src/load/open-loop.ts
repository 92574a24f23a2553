import { build, type Histogram } from 'hdr-histogram-js';
import { Agent, request, type ClientRequest } from 'node:http';
import type { Clock, Rng } from '../controller/ports.js';
import type { SampleRecorder } from '../measure/samples.js';
import { arrivalSchedule, type ArrivalSchedule } from './arrival-schedule.js';
import { SERVER_HEADER, socketReason, statusOk, statusReason } from './http-outcome.js';

/** Where a client sends its request now: a URL and the endpoint it goes through (a server a DNS answer names, a load balancer), or why it cannot send. */
export type LoadTarget = { url: string; via: string } | { error: string };

/** One request as the client saw it; times are run times of the load's Clock. */
export interface RequestSample {
  client: number;
  /** When the schedule said it leaves: latency counts from here (coordinated-omission free). */
  scheduledMs: number;
  /** When it really left (later than scheduled when the process stalled). */
  startMs: number;
  /** When the answer was complete, or the request failed or timed out. */
  endMs: number;
  ok: boolean;
  /** Why it failed: `timeout`, `refused`, `reset`, `status 503`, `overload`, or the target's reason. */
  reason?: string;
  /** The server that answered (`x-faildrill-server`), else the endpoint it went through, else the entry id. */
  server: string;
}

export interface OpenLoopOptions {
  /** The run's wall clock: the schedule and every sample's times. */
  clock: Clock;
  /** Draws each client's phase (one draw per client); fork it from the run's Rng. */
  rng: Rng;
  ratePerSec: number;
  clients: number;
  /** Each request's own deadline, from when it leaves (target resolution included). */
  timeoutMs: number;
  /** How long the schedule runs from its start; requests still in flight end by their timeout. */
  durationMs: number;
  /** Hard bound on the requests sent, whatever the rate and duration say. */
  maxRequests: number;
  /** Most requests in flight at once (open sockets busy); one more is an `overload` error, never queued. Default {@link inFlightBound}. */
  maxInFlight?: number;
  /** Where client `client` sends now; may resolve asynchronously (a DNS lookup), within the request's timeout. */
  target(client: number): LoadTarget | Promise<LoadTarget>;
  /** Every request lands here, in the bucket of its scheduled time (none when `onSample` takes them elsewhere). */
  recorder?: SampleRecorder;
  /** Recorded as the server of requests that went nowhere (no target, overload). */
  entryId: string;
  /** Sees every sample as it completes; must not throw. */
  onSample?(sample: RequestSample): void;
}

/** What the load has done so far. */
export interface OpenLoopTotals {
  /** Requests the schedule sent, overloads included. */
  sent: number;
  ok: number;
  errors: number;
  /** Requests not answered yet. */
  inFlight: number;
  /** The most in flight at once. */
  peakInFlight: number;
  /** Failed requests per reason. */
  reasons: Record<string, number>;
  /** Percentiles of end − scheduled over every completed request, from an HDR histogram (3 significant digits). */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/**
 * The most requests an open-loop load can have in flight when every request takes its whole
 * timeout: `ratePerSec × timeoutMs / 1000`, plus one per client for the schedule's rounding.
 */
export function inFlightBound(ratePerSec: number, timeoutMs: number, clients: number): number {
  return Math.ceil((ratePerSec * timeoutMs) / 1000) + clients;
}

type Outcome = { ok: boolean; reason?: string; server: string };

/**
 * Open-loop HTTP load (design.md §10): requests leave on a fixed schedule at `ratePerSec` whether
 * or not earlier ones answered, each client on its own keep-alive connection pool, each request
 * with its own timeout. Every request is a sample bucketed by its scheduled time, so a stall shows
 * as errors and latency rather than as fewer requests. Bounded in count (`maxRequests`), in time
 * (`durationMs`, then the timeout) and in sockets (`maxInFlight`); it stops by itself.
 */
export class OpenLoopLoad {
  readonly schedule: ArrivalSchedule;
  readonly maxInFlight: number;
  readonly #agents: Array<Agent | undefined>;
  readonly #pending = new Set<Promise<void>>();
  readonly #histogram: Histogram = build({ numberOfSignificantValueDigits: 3 });
  readonly #reasons = new Map<string, number>();
  #sent = 0;
  #ok = 0;
  #errors = 0;
  #inFlight = 0;
  #peakInFlight = 0;
  #loop?: Promise<void>;
  #done?: Promise<void>;
  #stopping = false;
  #wake: () => void = () => undefined;
  readonly #stopSignal = new Promise<void>((resolve) => (this.#wake = resolve));

  constructor(readonly options: OpenLoopOptions) {
    const o = options;
    if (!(o.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${o.timeoutMs}`);
    if (!(o.durationMs >= 0)) throw new RangeError(`durationMs must not be negative, got ${o.durationMs}`);
    if (!Number.isInteger(o.maxRequests) || o.maxRequests < 0) throw new RangeError(`maxRequests must be a non-negative integer, got ${o.maxRequests}`);
    this.schedule = arrivalSchedule(o.ratePerSec, o.clients, o.rng);
    this.maxInFlight = o.maxInFlight ?? inFlightBound(o.ratePerSec, o.timeoutMs, o.clients);
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${this.maxInFlight}`);
    this.#agents = new Array<Agent | undefined>(o.clients);
  }

  /** Starts the schedule at run time `startAtMs` (now by default; a later time waits for it). */
  start(startAtMs = this.options.clock.nowMs()): void {
    if (this.#loop) throw new Error('OpenLoopLoad.start: already started');
    this.#loop = this.#run(startAtMs);
    this.#done = this.#finish();
  }

  /** Resolves once the schedule has ended (its duration or `maxRequests`) and every request has completed. */
  done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  /** Sends nothing more; resolves once the requests in flight have completed (each by its timeout). */
  stop(): Promise<void> {
    this.#stopping = true;
    this.#wake();
    return this.done();
  }

  totals(): OpenLoopTotals {
    const h = this.#histogram;
    const ms = (us: number) => us / 1000;
    return {
      sent: this.#sent,
      ok: this.#ok,
      errors: this.#errors,
      inFlight: this.#inFlight,
      peakInFlight: this.#peakInFlight,
      reasons: Object.fromEntries([...this.#reasons.entries()].sort(([a], [b]) => a.localeCompare(b))),
      latencyMs:
        h.totalCount === 0
          ? { p50: 0, p90: 0, p99: 0, max: 0 }
          : { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) },
    };
  }

  async #run(startAtMs: number): Promise<void> {
    const { clock, durationMs, maxRequests } = this.options;
    const { intervalMs, phaseMs } = this.schedule;
    const endMs = startAtMs + durationMs;
    const next = phaseMs.map((phase) => startAtMs + phase);
    while (!this.#stopping) {
      const nowMs = clock.nowMs();
      let soonestMs = Infinity;
      for (let client = 0; client < next.length; client++) {
        while (next[client]! <= nowMs && next[client]! < endMs) {
          if (this.#sent >= maxRequests) return;
          this.#send(client, next[client]!);
          next[client]! += intervalMs;
        }
        if (next[client]! < endMs) soonestMs = Math.min(soonestMs, next[client]!);
      }
      if (soonestMs === Infinity) return;
      await Promise.race([clock.sleep(soonestMs - clock.nowMs()), this.#stopSignal]);
    }
  }

  async #finish(): Promise<void> {
    await this.#loop;
    await Promise.all([...this.#pending]);
    for (const agent of this.#agents) agent?.destroy();
  }

  #send(client: number, scheduledMs: number): void {
    this.#sent++;
    const startMs = this.options.clock.nowMs();
    if (this.#inFlight >= this.maxInFlight) {
      this.#record(client, scheduledMs, startMs, { ok: false, reason: 'overload', server: this.options.entryId });
      return;
    }
    this.#inFlight++;
    this.#peakInFlight = Math.max(this.#peakInFlight, this.#inFlight);
    const pending: Promise<void> = this.#exchange(client).then((outcome) => {
      this.#inFlight--;
      this.#pending.delete(pending);
      this.#record(client, scheduledMs, startMs, outcome);
    });
    this.#pending.add(pending);
  }

  /** One request of `client`: resolves with its outcome by the timeout at the latest, never rejects. */
  #exchange(client: number): Promise<Outcome> {
    const { timeoutMs, entryId } = this.options;
    return new Promise<Outcome>((resolve) => {
      let req: ClientRequest | undefined;
      let server = entryId;
      let settled = false;
      const settle = (ok: boolean, reason?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (!ok) req?.destroy();
        resolve(reason === undefined ? { ok, server } : { ok, reason, server });
      };
      const deadline = setTimeout(() => settle(false, 'timeout'), timeoutMs);
      Promise.resolve()
        .then(() => this.options.target(client))
        .then(
          (target) => {
            if (settled) return;
            if ('error' in target) return settle(false, target.error);
            server = target.via;
            try {
              req = request(target.url, { method: 'GET', agent: this.#agent(client), headers: { 'user-agent': 'faildrill load' } });
            } catch (err) {
              return settle(false, `bad url: ${err instanceof Error ? err.message : String(err)}`);
            }
            req.once('response', (res) => {
              const answered = res.headers[SERVER_HEADER];
              if (typeof answered === 'string' && answered !== '') server = answered;
              res.once('end', () => (statusOk(res.statusCode) ? settle(true) : settle(false, statusReason(res.statusCode))));
              res.once('aborted', () => settle(false, 'reset'));
              res.on('error', () => settle(false, 'reset'));
              res.resume();
            });
            req.on('error', (err: NodeJS.ErrnoException) => settle(false, socketReason(err)));
            req.end();
          },
          (err: unknown) => settle(false, err instanceof Error ? err.message : String(err)),
        );
    });
  }

  /** The client's keep-alive pool: unlimited sockets, so a request never waits for a busy one (the in-flight bound is ours). */
  #agent(client: number): Agent {
    return (this.#agents[client] ??= new Agent({ keepAlive: true, maxSockets: Infinity }));
  }

  #record(client: number, scheduledMs: number, startMs: number, outcome: Outcome): void {
    const endMs = this.options.clock.nowMs();
    const latencyMs = endMs - scheduledMs;
    const { recorder } = this.options;
    recorder?.add(Math.floor(scheduledMs / recorder.resolutionMs), outcome.server, outcome.ok, latencyMs, 1);
    this.#histogram.recordValue(Math.max(0, Math.round(latencyMs * 1000)));
    if (outcome.ok) this.#ok++;
    else {
      this.#errors++;
      const reason = outcome.reason ?? 'error';
      this.#reasons.set(reason, (this.#reasons.get(reason) ?? 0) + 1);
    }
    const sample: RequestSample = { client, scheduledMs, startMs, endMs, ok: outcome.ok, server: outcome.server };
    if (outcome.reason !== undefined) sample.reason = outcome.reason;
    this.options.onSample?.(sample);
  }
}
