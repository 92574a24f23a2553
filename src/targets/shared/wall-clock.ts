import type { Clock } from '../../controller/ports.js';

/**
 * The wall clock of a run on a real target (host, aws): milliseconds since the run started, from CLOCK_MONOTONIC (shared
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
