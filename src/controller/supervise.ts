import { backoffDelayMs, type RetryPolicy } from './backoff.js';
import { PortError } from './port-error.js';
import type { Clock, EventSink, Rng } from './ports.js';

/** What a {@link Supervisor} needs: time, jitter, where errors go, and whether the controller still runs. */
export interface SupervisorContext {
  clock: Clock;
  /** Draws the jitter of every backoff delay. */
  rng: Rng;
  events: EventSink;
  policy: RetryPolicy;
  running(): boolean;
}

/** Options of {@link Supervisor.loop}. */
export interface LoopOptions {
  /** Wait before the first step. */
  firstDelayMs?: number;
  /** The loop's own cadence: a failed step is retried no sooner than this (and later by backoff). */
  everyMs?: number;
}

/**
 * Runs the controller's background loops and failover steps so that a port error never stops one
 * silently nor escapes as an unhandled rejection: each error becomes a `controller`/`port.error`
 * event, and the work is tried again after an exponential backoff ({@link backoffDelayMs}).
 */
export class Supervisor {
  constructor(private readonly ctx: SupervisorContext) {}

  /**
   * Emits `controller`/`port.error` with `{ code, port, operation, retryable, loop, attempt, message }`,
   * plus `retryInMs` when the work will be tried again.
   */
  report(error: PortError, loop: string, attempt: number, retryInMs?: number): void {
    this.ctx.events.emit('controller', 'port.error', {
      code: error.code,
      port: error.port,
      operation: error.operation,
      retryable: error.retryable,
      loop,
      attempt,
      message: error.message,
      ...(retryInMs === undefined ? {} : { retryInMs }),
    });
  }

  /**
   * Runs `step` until it returns `'stop'` or the controller stops; `step` resolves the milliseconds to
   * wait before the next step. After the n-th failure in a row the error is reported and the step runs
   * again after max(`everyMs`, backoff(n)). Never rejects.
   */
  async loop(name: string, step: () => Promise<number | 'stop'>, options: LoopOptions = {}): Promise<void> {
    const { clock, running } = this.ctx;
    try {
      if (options.firstDelayMs !== undefined) await clock.sleep(options.firstDelayMs);
      let failures = 0;
      while (running()) {
        let waitMs: number | 'stop';
        try {
          waitMs = await step();
          failures = 0;
        } catch (err) {
          failures++;
          waitMs = Math.max(options.everyMs ?? 0, backoffDelayMs(this.ctx.policy, failures, this.ctx.rng));
          this.report(PortError.from(err, 'controller', name), name, failures, waitMs);
        }
        if (waitMs === 'stop' || !running()) return;
        await clock.sleep(waitMs);
      }
    } catch (err) {
      this.#crashed(name, err);
    }
  }

  /**
   * Runs one failover step. A retryable failure is reported and retried after backoff(n), as long as
   * fewer than `stepAttempts` attempts were made and the retry starts within `stepBudgetMs` of the
   * first; otherwise (or when the failure is not retryable, or the controller stopped) the step gives
   * up by rejecting with the last {@link PortError}, reported without `retryInMs`.
   */
  async retry<T>(loop: string, op: () => Promise<T>): Promise<T> {
    const { clock, policy, rng, running } = this.ctx;
    const firstMs = clock.nowMs();
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        const error = PortError.from(err, 'controller', loop);
        const delayMs = error.retryable && attempt < policy.stepAttempts ? backoffDelayMs(policy, attempt, rng) : undefined;
        const retry = delayMs !== undefined && clock.nowMs() + delayMs - firstMs <= policy.stepBudgetMs && running();
        this.report(error, loop, attempt, retry ? delayMs : undefined);
        if (!retry || delayMs === undefined) throw error;
        await clock.sleep(delayMs);
      }
    }
  }

  /** Lets `task` run on its own: a failure is reported under `loop`, never an unhandled rejection. */
  detach(loop: string, task: Promise<unknown>): void {
    task.catch((err: unknown) => {
      try {
        this.report(PortError.from(err, 'controller', loop), loop, 1);
      } catch (inner) {
        this.#crashed(loop, inner);
      }
    });
  }

  /** The supervisor itself failed (the event sink threw): say so if anything still listens. */
  #crashed(loop: string, err: unknown): void {
    try {
      this.ctx.events.emit('controller', 'loop.crashed', { loop, message: err instanceof Error ? err.message : String(err) });
    } catch {
      // nothing is left to tell
    }
  }
}
