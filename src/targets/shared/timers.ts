import type { Clock } from '../../controller/ports.js';

/** Resolves after `ms` of wall time, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Thrown by {@link waitUntil} when `signal` aborted: the reason it was aborted with. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`interrupted by ${typeof reason === 'string' ? reason : 'a signal'}`);
}

/**
 * Polls `check` every `pollMs` until it is true; throws when `timeoutMs` passes (naming `what`) or
 * `signal` aborts (the abort reason).
 */
export async function waitUntil(check: () => Promise<boolean>, options: { timeoutMs: number; what: string; signal?: AbortSignal; pollMs?: number }): Promise<void> {
  const start = Date.now();
  const pollMs = options.pollMs ?? 50;
  while (Date.now() - start < options.timeoutMs) {
    if (options.signal?.aborted) throw abortError(options.signal);
    if (await check()) return;
    await sleep(pollMs, options.signal);
  }
  if (options.signal?.aborted) throw abortError(options.signal);
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
}

/**
 * Work on the run's wall clock: `schedule(atMs, fn)` runs `fn` at run time `atMs` unless the
 * scheduler was closed; a rejection goes to `onError`. Keeps the work in flight so the end of the
 * run can wait for it.
 */
export class RunTimers {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly clock: Pick<Clock, 'nowMs'>,
    private readonly onError: (err: Error) => void,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  schedule(atMs: number, fn: () => void | Promise<void>): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      const work: Promise<void> = (async () => fn())()
        .catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))))
        .finally(() => this.#pending.delete(work));
      this.#pending.add(work);
    }, Math.max(0, atMs - this.clock.nowMs()));
    this.#timers.add(timer);
  }

  /** Runs nothing more that is scheduled; work in flight goes on. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Waits for the work in flight, at most `timeoutMs`; true when all of it settled. */
  async settle(timeoutMs: number): Promise<boolean> {
    const all = Promise.allSettled([...this.#pending]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const settled = await Promise.race([all, late]);
    clearTimeout(timer);
    return settled;
  }
}
