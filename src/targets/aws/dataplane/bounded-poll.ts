import type { Clock } from '../../../controller/ports.js';

/** What {@link boundedPoll} runs. */
export interface BoundedPollOptions {
  clock: Clock;
  intervalMs: number;
  /** Run time at which the loop ends by itself, whatever happens. */
  deadlineMs: number;
  /** Whether the owner has closed: the loop ends at its next wake-up. */
  closed(): boolean;
  /** One poll; a rejection goes to `onError` and the next poll tries again. */
  poll(): Promise<void>;
  onError?: (err: Error) => void;
}

/** Polls every `intervalMs` on the injected clock until `closed()` or the deadline: a loop that always stops by itself (design.md §7). */
export async function boundedPoll(options: BoundedPollOptions): Promise<void> {
  const { clock, intervalMs, deadlineMs } = options;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  while (!options.closed()) {
    const leftMs = deadlineMs - clock.nowMs();
    if (leftMs <= 0) return;
    await clock.sleep(Math.min(intervalMs, leftMs));
    if (options.closed() || clock.nowMs() >= deadlineMs) return;
    await options.poll().catch((err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
  }
}
