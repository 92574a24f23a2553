import { NsProcess } from '../process.js';
import { programFile } from '../programs/locate.js';
import { parseRelayAnswer, type RelayAnswer, type RelayRequest } from './relay.js';
import type { HttpCall, SqlCall } from './rest.js';

/** How long past a request's own timeout the client waits for the relay's answer. */
const RELAY_BACKSTOP_MS = 1_000;

/** The compiled relay program (run from dist/, as every host helper). */
export const RELAY_PROGRAM = 'targets/host/patroni/relay';

/**
 * The relay program (`relay.ts`) running in a namespace: {@link http} and {@link sql} send a request
 * line and resolve with the answer line of the same id (or a timeout, should the relay stall).
 */
export class RelayClient {
  readonly process: NsProcess;
  readonly #pending = new Map<number, (a: RelayAnswer) => void>();
  #next = 1;

  constructor(ns: string, lifetimeMs: number, logFile?: string) {
    this.process = new NsProcess({
      ns,
      role: 'patroni-relay',
      command: process.execPath,
      args: [programFile(RELAY_PROGRAM), String(lifetimeMs)],
      stdin: true,
      onLine: (line, stream) => {
        if (stream !== 'stdout') return;
        const a = parseRelayAnswer(line);
        if (!a) return;
        this.#pending.get(a.id)?.(a);
        this.#pending.delete(a.id);
      },
      ...(logFile ? { logFile } : {}),
    });
    void this.process.exited.then(() => {
      for (const [id, resolve] of this.#pending) resolve({ id, error: 'relay exited', latencyMs: 0 });
      this.#pending.clear();
    });
  }

  readonly http: HttpCall = (req) => this.#send({ ...req, id: 0 });
  readonly sql: SqlCall = (req) => this.#send({ ...req, id: 0 });

  #send(req: RelayRequest): Promise<RelayAnswer> {
    const id = this.#next++;
    const stdin = this.process.child.stdin;
    if (!this.process.running || !stdin || stdin.destroyed) return Promise.resolve({ id, error: 'relay not running', latencyMs: 0 });
    return new Promise((resolve) => {
      const backstop = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ id, error: 'timeout', latencyMs: req.timeoutMs + RELAY_BACKSTOP_MS });
      }, req.timeoutMs + RELAY_BACKSTOP_MS);
      this.#pending.set(id, (a) => {
        clearTimeout(backstop);
        resolve(a);
      });
      stdin.write(`${JSON.stringify({ ...req, id })}\n`);
    });
  }

  async stop(): Promise<void> {
    this.process.child.stdin?.end();
    await this.process.stop(1_000);
  }
}
