import { createInterface } from 'node:readline';
import { PortError } from '../../controller/port-error.js';
import type { Clock, HealthProbePort, ProbeResult } from '../../controller/ports.js';
import type { NsProcess } from './process.js';
import { parseProbeAnswer } from './programs/prober.js';

/**
 * The wall clock of a host run: milliseconds since the run started, from CLOCK_MONOTONIC (shared
 * with the helper processes, so their timestamps line up). The run's t0 is set by {@link startAt}
 * once setup is done; pending sleeps resolve at {@link close}.
 */
export class WallClock implements Clock {
  #t0Ns: bigint;
  readonly #pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(t0Ns = process.hrtime.bigint()) {
    this.#t0Ns = t0Ns;
  }

  get t0Ns(): bigint {
    return this.#t0Ns;
  }

  /** Sets the run's start (CLOCK_MONOTONIC ns; may lie in the future). */
  startAt(t0Ns: bigint): void {
    this.#t0Ns = t0Ns;
  }

  nowMs(): number {
    return Number(process.hrtime.bigint() - this.#t0Ns) / 1e6;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#pending.delete(entry);
          resolve();
        }, Math.max(0, ms)),
        resolve,
      };
      this.#pending.add(entry);
    });
  }

  /** Wakes every sleeper now (the run is over). */
  close(): void {
    for (const entry of this.#pending) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.#pending.clear();
  }
}

/** How long past a check's own timeout the port waits for the prober's answer before failing the check. */
const ANSWER_GRACE_MS = 1_000;

/**
 * The controller's health checks, sent over HTTP from the controller's namespace by the prober
 * (`programs/prober.ts`; one GET per check, a fresh connection each time). A check the prober does
 * not answer in time, or asked after the prober is gone, is a failed check; an endpoint without an
 * address or a request the prober cannot be given throws a {@link PortError}.
 */
export class HostProbePort implements HealthProbePort {
  readonly #waiting = new Map<number, (result: ProbeResult) => void>();
  #sequence = 0;
  #closed = false;

  constructor(
    private readonly prober: NsProcess,
    /** Base URL (`http://198.18.7.101:80`) of an endpoint id. */
    private readonly baseUrl: (endpointId: string) => string | undefined,
  ) {
    const stdout = prober.child.stdout;
    if (stdout) {
      createInterface({ input: stdout }).on('line', (line) => {
        const answer = parseProbeAnswer(line);
        if (!answer) return;
        const resolve = this.#waiting.get(answer.id);
        this.#waiting.delete(answer.id);
        resolve?.({ ok: answer.ok, latencyMs: answer.latencyMs, ...(answer.reason ? { reason: answer.reason } : {}) });
      });
    }
  }

  probe(endpointId: string, request: { path: string; timeoutMs: number }): Promise<ProbeResult> {
    const base = this.baseUrl(endpointId);
    if (!base) return Promise.reject(new PortError('INVALID', 'probe', 'probe', `no address for endpoint '${endpointId}'`));
    if (this.#closed || !this.prober.running) return Promise.resolve({ ok: false, latencyMs: 0, reason: 'prober stopped' });
    const stdin = this.prober.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable)
      return Promise.reject(new PortError('UNAVAILABLE', 'probe', 'probe', 'the prober takes no requests (its stdin is closed)'));
    const id = ++this.#sequence;
    return new Promise((resolve, reject) => {
      const fallback = setTimeout(() => {
        if (this.#waiting.delete(id)) resolve({ ok: false, latencyMs: request.timeoutMs, reason: 'timeout' });
      }, request.timeoutMs + ANSWER_GRACE_MS);
      this.#waiting.set(id, (result) => {
        clearTimeout(fallback);
        resolve(result);
      });
      stdin.write(`${JSON.stringify({ id, url: `${base}${request.path}`, timeoutMs: request.timeoutMs })}\n`, (err) => {
        if (!err || !this.#waiting.delete(id)) return;
        clearTimeout(fallback);
        reject(new PortError('UNAVAILABLE', 'probe', 'probe', `cannot reach the prober: ${err.message}`, { cause: err }));
      });
    });
  }

  /** Answers every outstanding check as failed and accepts no more. */
  close(): void {
    this.#closed = true;
    for (const resolve of this.#waiting.values()) resolve({ ok: false, latencyMs: 0, reason: 'prober stopped' });
    this.#waiting.clear();
    this.prober.child.stdin?.end();
  }
}
