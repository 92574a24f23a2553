import { createInterface } from 'node:readline';
import type { Clock, HealthProbePort, ProbeResult } from '../../controller/ports.js';
import { NsProcess } from './process.js';

/**
 * The wall clock of a host run: milliseconds since the run started, from CLOCK_MONOTONIC (shared
 * with the helper processes, so their timestamps line up). Pending sleeps resolve at {@link close}.
 */
export class WallClock implements Clock {
  readonly t0Ns: bigint;
  readonly #pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(t0Ns = process.hrtime.bigint()) {
    this.t0Ns = t0Ns;
  }

  nowMs(): number {
    return Number(process.hrtime.bigint() - this.t0Ns) / 1e6;
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

/**
 * The controller's health checks, sent over HTTP from the controller's namespace by a helper
 * process (one GET per check, a fresh connection each time).
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
        try {
          const answer = JSON.parse(line) as { id: number } & ProbeResult;
          const resolve = this.#waiting.get(answer.id);
          this.#waiting.delete(answer.id);
          resolve?.({ ok: answer.ok, latencyMs: answer.latencyMs, ...(answer.reason ? { reason: answer.reason } : {}) });
        } catch {
          // not an answer
        }
      });
    }
  }

  probe(endpointId: string, request: { path: string; timeoutMs: number }): Promise<ProbeResult> {
    const base = this.baseUrl(endpointId);
    if (!base) return Promise.resolve({ ok: false, latencyMs: 0, reason: `no address for ${endpointId}` });
    if (this.#closed || !this.prober.running) return Promise.resolve({ ok: false, latencyMs: 0, reason: 'prober stopped' });
    const id = ++this.#sequence;
    return new Promise((resolve) => {
      const fallback = setTimeout(() => {
        if (this.#waiting.delete(id)) resolve({ ok: false, latencyMs: request.timeoutMs, reason: 'timeout' });
      }, request.timeoutMs + 1_000);
      this.#waiting.set(id, (result) => {
        clearTimeout(fallback);
        resolve(result);
      });
      this.prober.child.stdin?.write(`${JSON.stringify({ id, url: `${base}${request.path}`, timeoutMs: request.timeoutMs })}\n`);
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
