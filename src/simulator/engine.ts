import TinyQueue from 'tinyqueue';

interface ScheduledEvent {
  atMs: number;
  sequence: number;
  run: () => void;
  cancelled: boolean;
  /** The callback touches no promise: no need to let awaiting code run after it. */
  sync: boolean;
}

/** A handle to cancel a scheduled event. */
export interface Timer {
  cancel(): void;
}

/** Lets every promise continuation queued so far run (a macrotask boundary); no time passes. */
function drainMicrotasks(): Promise<void> {
  // eslint-disable-next-line no-restricted-globals -- a turn of the event loop, not a timer: virtual time does not move
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Events one instant may hold before the engine calls it a livelock: far more than any model runs at
 * one time (a 10,000-client load flushes once per instant), far fewer than a minute of spinning.
 */
export const MAX_EVENTS_PER_INSTANT = 1_000_000;

/** The model keeps scheduling events at one instant: virtual time would never move on. */
export class SimulatorLivelockError extends Error {
  readonly code = 'simulator.livelock';

  constructor(readonly atMs: number) {
    super(`the simulator ran ${MAX_EVENTS_PER_INSTANT.toLocaleString('en-US')} events at t = ${atMs} ms without time moving on (a model that keeps rescheduling itself): this is a faildrill bug`);
    this.name = 'SimulatorLivelockError';
  }
}

/**
 * Discrete-event engine: one priority queue ordered by (time, sequence), a virtual clock that jumps
 * from event to event, and no wall time anywhere.
 */
export class Engine {
  #nowMs = 0;
  #sequence = 0;
  #processed = 0;
  readonly #queue = new TinyQueue<ScheduledEvent>([], (a, b) => a.atMs - b.atMs || a.sequence - b.sequence);

  get nowMs(): number {
    return this.#nowMs;
  }

  /** Events run so far. */
  get processed(): number {
    return this.#processed;
  }

  /**
   * Runs `run` at `atMs` (not before now); events at the same time run in scheduling order. Pass
   * `sync` for model steps that neither resolve nor start promises (health checker ticks, adverts):
   * the engine then skips the turn of the event loop that lets awaiting code continue.
   */
  at(atMs: number, run: () => void, sync = false): Timer {
    const event: ScheduledEvent = { atMs: Math.max(atMs, this.#nowMs), sequence: this.#sequence++, run, cancelled: false, sync };
    this.#queue.push(event);
    return { cancel: () => void (event.cancelled = true) };
  }

  /** Runs `run` after `delayMs` of virtual time. */
  after(delayMs: number, run: () => void, sync = false): Timer {
    return this.at(this.#nowMs + delayMs, run, sync);
  }

  /**
   * Processes every event before `endMs`, then sets the clock to `endMs`. `stopped`, checked between
   * events, ends the run early (an interrupted drill); the clock then stays where it was.
   */
  async runUntil(endMs: number, onEvent?: () => void, stopped?: () => boolean): Promise<void> {
    await drainMicrotasks();
    let atInstant = 0;
    for (;;) {
      if (stopped?.()) return;
      const next = this.#queue.peek();
      if (!next || next.atMs >= endMs) break;
      this.#queue.pop();
      if (next.cancelled) continue;
      atInstant = next.atMs === this.#nowMs ? atInstant + 1 : 0;
      if (atInstant > MAX_EVENTS_PER_INSTANT) throw new SimulatorLivelockError(next.atMs);
      this.#nowMs = next.atMs;
      this.#processed++;
      next.run();
      // Code awaiting a port or the clock continues at this instant, before time moves on.
      if (!next.sync) await drainMicrotasks();
      onEvent?.();
    }
    this.#nowMs = Math.max(this.#nowMs, endMs);
  }
}
