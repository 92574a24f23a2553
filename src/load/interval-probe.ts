import { get } from 'node:http';
import type { Clock } from '../controller/ports.js';
import { SERVER_HEADER } from './http-outcome.js';

export interface IntervalProbeOptions {
  url: string;
  /** Run times (ms) of the first probe (not before 0) and the end: no probe leaves at or after `endAtMs`. */
  startAtMs: number;
  endAtMs: number;
  intervalMs: number;
  /** Each probe's socket timeout. */
  timeoutMs: number;
  /** Bound: no more probes than this. */
  maxProbes: number;
}

/** One probe's outcome: its start and latency on the run's clock, the server that answered ('' when none), why it failed. */
export type ProbeOutcome = (startMs: number, latencyMs: number, ok: boolean, server: string, reason?: string) => void;

/**
 * The fixed-interval probe beside every host load driver: a GET on a fresh connection every
 * `intervalMs` from `startAtMs` to `endAtMs`, whatever earlier probes did; its samples give every
 * time measured from samples its resolution. Bounded in count (`maxProbes`) and time.
 */
export class IntervalProbe {
  #nextMs: number;
  #sent = 0;
  #stopped = false;
  #timer?: NodeJS.Timeout;
  readonly #pending = new Set<Promise<void>>();
  #scheduleEnded!: () => void;
  readonly #ended = new Promise<void>((resolve) => (this.#scheduleEnded = resolve));

  constructor(
    readonly options: IntervalProbeOptions,
    private readonly clock: Pick<Clock, 'nowMs'>,
    private readonly onOutcome: ProbeOutcome,
  ) {
    this.#nextMs = Math.max(0, options.startAtMs);
  }

  /** Probes sent so far. */
  get count(): number {
    return this.#sent;
  }

  start(): void {
    this.#schedule();
  }

  /** Sends no more probes; those in flight still report. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#scheduleEnded();
  }

  /** Resolves once the schedule has ended and every probe has reported. */
  async done(): Promise<void> {
    await this.#ended;
    await Promise.all([...this.#pending]);
  }

  #schedule(): void {
    if (this.#stopped || this.#nextMs >= this.options.endAtMs || this.#sent >= this.options.maxProbes) {
      this.#scheduleEnded();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#probe();
      this.#nextMs += this.options.intervalMs;
      this.#schedule();
    }, Math.max(0, this.#nextMs - this.clock.nowMs()));
  }

  #probe(): void {
    const startMs = this.clock.nowMs();
    if (startMs >= this.options.endAtMs || this.#sent >= this.options.maxProbes) return;
    this.#sent++;
    const pending = new Promise<void>((resolve) => {
      let done = false;
      const finish = (ok: boolean, server: string, reason?: string) => {
        if (done) return;
        done = true;
        this.onOutcome(startMs, this.clock.nowMs() - startMs, ok, server, reason);
        resolve();
      };
      const url = new URL(this.options.url);
      let answered = (): void => finish(false, '', 'reset');
      const req = get({ host: url.hostname, port: url.port || 80, path: '/', agent: false, timeout: this.options.timeoutMs }, (res) => {
        const server = String(res.headers[SERVER_HEADER] ?? '');
        const status = res.statusCode ?? 0;
        answered = () => (res.complete ? finish(status >= 200 && status < 400, server, status >= 400 ? `status ${status}` : undefined) : finish(false, server, 'reset'));
        res.resume();
        res.on('end', answered);
        res.on('error', () => finish(false, server, 'reset'));
      });
      req.on('timeout', () => {
        finish(false, '', 'timeout');
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => finish(false, '', err.code ?? 'error'));
      // whatever else ends the exchange (a response cut short) still reports, so done() never waits forever
      req.on('close', () => answered());
    });
    this.#pending.add(pending);
    void pending.then(() => this.#pending.delete(pending));
  }
}
