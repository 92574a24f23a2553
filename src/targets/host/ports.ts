import { createInterface } from 'node:readline';
import { PortError } from '../../controller/port-error.js';
import type { HealthProbePort, ProbeResult } from '../../controller/ports.js';
import type { NsProcess } from './process.js';
import { parseProbeAnswer } from './programs/prober.js';


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
