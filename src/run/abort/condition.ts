import type { RunEvent } from '../../measure/events.js';

/** The load's request counts at one check, cumulative since the run's start. */
export interface LoadTotals {
  atMs: number;
  ok: number;
  total: number;
}

/** A stop condition that tripped: which one, its limit as written, what was measured. */
export interface Trip {
  /** The scenario key under `abort:` (`errorRate`, `downtime`, `probeFailing`, `alarms`), or `halt`. */
  condition: string;
  /** The limit as written, with its window: `> 50% over 5s`. */
  limit: string;
  /** The measured value that crossed it: `62.40%`, `ALARM`. */
  actual: string;
  /** One line for people: what tripped and why. */
  message: string;
}

/**
 * One stop condition of `abort:`, evaluated by the runner as the run goes: from the load's totals at
 * every check (a fixed interval of run time, so the simulator trips at the same virtual instant on
 * every run), and from the run's events as they are appended. Each returns a {@link Trip} once it trips.
 */
export interface StopCondition {
  readonly name: string;
  check?(totals: LoadTotals): Trip | undefined;
  observe?(event: RunEvent): Trip | undefined;
}

/**
 * Snapshots of the load's totals over the last `windowMs` of run time: the counts of the requests
 * sent in the window are the difference between the newest snapshot and the oldest one within it.
 */
export class TotalsWindow {
  readonly #snapshots: LoadTotals[] = [{ atMs: 0, ok: 0, total: 0 }];

  constructor(readonly windowMs: number) {}

  /** Adds the totals of a check; drops snapshots older than the window. */
  push(totals: LoadTotals): void {
    this.#snapshots.push(totals);
    while (this.#snapshots.length > 2 && this.#snapshots[1]!.atMs <= totals.atMs - this.windowMs) this.#snapshots.shift();
  }

  /** Whether a whole window has passed since the run started. */
  get full(): boolean {
    const newest = this.#snapshots.at(-1)!;
    return newest.atMs >= this.windowMs;
  }

  /** Requests sent, and answered, between the oldest snapshot in the window and the newest. */
  delta(): { ok: number; total: number; spanMs: number } {
    const oldest = this.#snapshots[0]!;
    const newest = this.#snapshots.at(-1)!;
    return { ok: newest.ok - oldest.ok, total: newest.total - oldest.total, spanMs: newest.atMs - oldest.atMs };
  }
}
