/** What a request to a server gets back. */
export type Response =
  | { kind: 'ok'; latencyMs: number }
  /** Connection refused: the service is stopped; the client learns it at once. */
  | { kind: 'refused'; latencyMs: number }
  /** Nothing comes back (paused process, dropped packets): the client waits for its timeout. */
  | { kind: 'no-answer' };

export type ServerState = 'up' | 'stopped' | 'unreachable' | 'slow';

/** An app server: up, stopped, unreachable or slow, each set and cleared by faults. */
export class SimServer {
  #stopped = 0;
  #unreachable = 0;
  #extraLatencyMs = 0;

  constructor(
    readonly id: string,
    readonly baseLatencyMs: number,
  ) {}

  get state(): ServerState {
    if (this.#unreachable > 0) return 'unreachable';
    if (this.#stopped > 0) return 'stopped';
    return this.#extraLatencyMs > 0 ? 'slow' : 'up';
  }

  /** Faults nest: two overlapping stops need two restores. */
  stop(): void {
    this.#stopped++;
  }
  start(): void {
    this.#stopped = Math.max(0, this.#stopped - 1);
  }
  isolate(): void {
    this.#unreachable++;
  }
  reconnect(): void {
    this.#unreachable = Math.max(0, this.#unreachable - 1);
  }
  addLatency(ms: number): void {
    this.#extraLatencyMs += ms;
  }
  removeLatency(ms: number): void {
    this.#extraLatencyMs = Math.max(0, this.#extraLatencyMs - ms);
  }

  respond(): Response {
    if (this.#unreachable > 0) return { kind: 'no-answer' };
    if (this.#stopped > 0) return { kind: 'refused', latencyMs: 1 };
    return { kind: 'ok', latencyMs: this.baseLatencyMs + this.#extraLatencyMs };
  }
}

/** Whether a health check with `timeoutMs` passes against this response. */
export function checkPasses(response: Response, timeoutMs: number): boolean {
  return response.kind === 'ok' && response.latencyMs <= timeoutMs;
}
