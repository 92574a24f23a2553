import { describe, expect, it } from 'vitest';
import type { Rng } from '../controller/ports.js';
import { SeededRng } from '../random/seeded-rng.js';
import { arrivalSchedule, scheduledCount } from './arrival-schedule.js';

/** An Rng whose every draw is `value`. */
const constantRng = (value: number): Rng => ({ next: () => value, int: (min) => min, fork: () => constantRng(value) });

describe('arrivalSchedule', () => {
  it('gives each client a gap of clients / rate seconds and a seeded phase within one gap', () => {
    const ratePerSec = 200;
    const clients = 100;
    const a = arrivalSchedule(ratePerSec, clients, new SeededRng(7));
    expect(a.intervalMs).toBe((clients / ratePerSec) * 1000);
    expect(a.phaseMs).toHaveLength(clients);
    for (const phase of a.phaseMs) {
      expect(phase).toBeGreaterThanOrEqual(0);
      expect(phase).toBeLessThan(a.intervalMs);
    }
    expect(arrivalSchedule(ratePerSec, clients, new SeededRng(7))).toEqual(a);
    expect(arrivalSchedule(ratePerSec, clients, new SeededRng(8)).phaseMs).not.toEqual(a.phaseMs);
  });

  it('sends rate × duration within one request per client, for any seed', () => {
    const ratePerSec = 37;
    const clients = 9;
    const durationMs = 12_345;
    for (let seed = 1; seed <= 50; seed++) {
      const count = scheduledCount(arrivalSchedule(ratePerSec, clients, new SeededRng(seed)), durationMs);
      expect(Math.abs(count - (ratePerSec * durationMs) / 1000)).toBeLessThanOrEqual(clients);
    }
  });

  it('counts ceil((duration − phase) / interval) per client', () => {
    // Phases of half a gap: 4 clients at 100/s have a 40 ms gap, phase 20 ms; 1000 ms holds ceil(980 / 40) = 25 each.
    expect(scheduledCount(arrivalSchedule(100, 4, constantRng(0.5)), 1_000)).toBe(4 * 25);
    expect(scheduledCount(arrivalSchedule(100, 4, constantRng(0.5)), 0)).toBe(0);
  });

  it('refuses a rate or client count that cannot make a schedule', () => {
    expect(() => arrivalSchedule(0, 1, constantRng(0))).toThrow(RangeError);
    expect(() => arrivalSchedule(10, 0, constantRng(0))).toThrow(RangeError);
    expect(() => arrivalSchedule(10, 1.5, constantRng(0))).toThrow(RangeError);
  });
});
