import { describe, expect, it } from 'vitest';
import { compareSize, shrinkSchedule, sizeOf, towards, type Schedule, type ScheduleItem } from './shrink.js';

const RUN_MS = 600_000;

const fault = (index: number, atMs: number, durationMs: number | undefined): ScheduleItem => ({
  kind: 'fault',
  index,
  atMs,
  durationMs,
  canHaveDuration: true,
});

const threeFaults: Schedule = { items: [fault(0, 120_000, 60_000), fault(1, 200_000, 100_000), fault(2, 300_000, undefined)] };

/** A fake drill that fails while fault `index` is present, lasts at least `minMs` and starts no earlier than `fromMs`. */
const failsWith =
  (index: number, minMs: number, fromMs: number) =>
  async (s: Schedule): Promise<boolean> =>
    s.items.some((i) => i.index === index && (i.durationMs ?? RUN_MS - i.atMs) >= minMs && i.atMs >= fromMs);

describe('towards', () => {
  it('tries the target first, then halves the move, in whole steps', () => {
    expect(towards(120_000, 0, 1_000)).toEqual([0, 60_000, 90_000, 105_000, 113_000, 116_000, 118_000, 119_000]);
    expect(towards(2_500, 1_000, 1_000)).toEqual([1_000, 1_500]);
    expect(towards(1_500, 1_000, 1_000)).toEqual([]);
    expect(towards(5_000, 5_000, 1_000)).toEqual([]);
  });
});

describe('shrinkSchedule', () => {
  it('finds the minimal schedule of a known case: one fault, shortest duration and earliest start that still fail', async () => {
    const result = await shrinkSchedule(threeFaults, failsWith(1, 10_000, 30_000), { runMs: RUN_MS });
    expect(result.schedule.items).toEqual([fault(1, 30_000, 10_000)]);
    expect(result.exhausted).toBe(false);
    expect(result.attempts).toBeLessThanOrEqual(200);
    expect(compareSize(result.size, result.originalSize)).toBeLessThan(0);
  });

  it('keeps every item the failure needs and shrinks the rest of each to the floor', async () => {
    const needsBoth = async (s: Schedule) => s.items.some((i) => i.index === 0) && s.items.some((i) => i.index === 2);
    const result = await shrinkSchedule(threeFaults, needsBoth, { runMs: RUN_MS });
    expect(result.schedule.items).toEqual([fault(0, 0, 1_000), fault(2, 0, 1_000)]);
  });

  it('gives a permanent fault a duration when a shorter one still fails, and never drops below one item', async () => {
    const result = await shrinkSchedule({ items: [fault(0, 60_000, undefined)] }, async () => true, { runMs: RUN_MS });
    expect(result.schedule.items).toEqual([fault(0, 0, 1_000)]);
  });

  it('leaves durations alone when an item cannot have one', async () => {
    const op: ScheduleItem = { kind: 'operation', index: 0, atMs: 90_000, durationMs: undefined, canHaveDuration: false };
    const result = await shrinkSchedule({ items: [op] }, async () => true, { runMs: RUN_MS });
    expect(result.schedule.items).toEqual([{ ...op, atMs: 0 }]);
  });

  it('stops at the attempt budget with a schedule that still fails and is no larger', async () => {
    const stillFails = failsWith(1, 10_000, 30_000);
    const result = await shrinkSchedule(threeFaults, stillFails, { runMs: RUN_MS, maxAttempts: 4 });
    expect(result.attempts).toBe(4);
    expect(result.exhausted).toBe(true);
    expect(await stillFails(result.schedule)).toBe(true);
    expect(compareSize(result.size, result.originalSize)).toBeLessThanOrEqual(0);
  });

  it('on random schedules and predicates, always returns a failing schedule no larger than the original', async () => {
    let x = 2026;
    const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
    for (let trial = 0; trial < 40; trial++) {
      const items = Array.from({ length: 1 + rand(5) }, (_, i) => fault(i, rand(500) * 1_000, rand(3) === 0 ? undefined : (1 + rand(200)) * 1_000));
      const original = { items };
      const needed = items[rand(items.length)]!;
      const minMs = Math.min(needed.durationMs ?? RUN_MS - needed.atMs, rand(60) * 1_000);
      const fromMs = Math.min(needed.atMs, rand(300) * 1_000);
      const stillFails = async (s: Schedule) => s.items.length >= 1 && (await failsWith(needed.index, minMs, fromMs)(s));
      const result = await shrinkSchedule(original, stillFails, { runMs: RUN_MS });
      expect(await stillFails(result.schedule)).toBe(true);
      expect(compareSize(result.size, sizeOf(original, RUN_MS))).toBeLessThanOrEqual(0);
      expect(result.schedule.items.length).toBeLessThanOrEqual(items.length);
    }
  });
});
