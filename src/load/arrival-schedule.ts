import type { Rng } from '../controller/ports.js';

/**
 * A constant-arrival-rate schedule spread over clients (k6's constant-arrival-rate, wrk2): client c
 * sends at `startMs + phaseMs[c] + k × intervalMs` for k = 0, 1, … while before `endMs`, whether or
 * not its earlier requests have answered. Together the clients send `ratePerSec`.
 */
export interface ArrivalSchedule {
  /** Each client's gap between requests: `clients / ratePerSec` seconds. */
  intervalMs: number;
  /** Each client's offset of its first request from the start, in [0, intervalMs). */
  phaseMs: number[];
}

/** The schedule of `clients` sharing `ratePerSec`, with phases drawn from `rng` (one draw per client, in client order). */
export function arrivalSchedule(ratePerSec: number, clients: number, rng: Rng): ArrivalSchedule {
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`ratePerSec must be a positive number, got ${ratePerSec}`);
  if (!Number.isInteger(clients) || clients < 1) throw new RangeError(`clients must be a positive integer, got ${clients}`);
  const intervalMs = (clients * 1000) / ratePerSec;
  const phaseMs = Array.from({ length: clients }, () => rng.next() * intervalMs);
  return { intervalMs, phaseMs };
}

/**
 * How many requests the schedule sends in a window of `durationMs`: client c sends
 * `ceil((durationMs − phase) / interval)`, so the total lies within one per client of
 * `ratePerSec × durationMs / 1000`.
 */
export function scheduledCount(schedule: ArrivalSchedule, durationMs: number): number {
  return schedule.phaseMs.reduce((sum, phase) => sum + Math.max(0, Math.ceil((durationMs - phase) / schedule.intervalMs)), 0);
}
