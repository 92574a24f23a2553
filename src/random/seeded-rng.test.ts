import { describe, expect, it } from 'vitest';
import { SeededRng } from './seeded-rng.js';

const draws = (rng: SeededRng, n: number) => Array.from({ length: n }, () => rng.next());

describe('SeededRng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draws(new SeededRng(42), 100)).toEqual(draws(new SeededRng(42), 100));
    const a = new SeededRng(42);
    const b = new SeededRng(42);
    expect(Array.from({ length: 100 }, () => a.int(0, 1_000))).toEqual(Array.from({ length: 100 }, () => b.int(0, 1_000)));
  });

  it('gives different sequences for different seeds', () => {
    expect(draws(new SeededRng(1), 10)).not.toEqual(draws(new SeededRng(2), 10));
  });

  it('draws floats in [0, 1) that spread over the range', () => {
    const values = draws(new SeededRng(7), 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('forks a child that does not depend on how many draws the parent made', () => {
    const fresh = new SeededRng(7);
    const used = new SeededRng(7);
    draws(used, 57);
    expect(draws(used.fork('a'), 20)).toEqual(draws(fresh.fork('a'), 20));
  });

  it('forks different children for different names, and none equals the parent', () => {
    const rng = new SeededRng(7);
    const a = draws(rng.fork('a'), 20);
    expect(draws(rng.fork('b'), 20)).not.toEqual(a);
    expect(draws(rng.fork('ab'), 20)).not.toEqual(a);
    expect(draws(new SeededRng(7), 20)).not.toEqual(a);
    expect(draws(new SeededRng(8).fork('a'), 20)).not.toEqual(a);
    expect(draws(rng.fork('a').fork('x'), 5)).toEqual(draws(new SeededRng(7).fork('a').fork('x'), 5));
  });

  it('draws integers with both bounds included', () => {
    const rng = new SeededRng(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 12_000; i++) {
      const v = rng.int(1, 6);
      expect(Number.isInteger(v)).toBe(true);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(1_700);
      expect(n).toBeLessThan(2_300);
    }
  });

  it('covers negative ranges and a single value', () => {
    const rng = new SeededRng(5);
    const seen = new Set(Array.from({ length: 2_000 }, () => rng.int(-3, 3)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(Array.from({ length: 10 }, () => rng.int(5, 5))).toEqual(Array(10).fill(5));
  });

  it('rejects max < min', () => {
    expect(() => new SeededRng(1).int(3, 2)).toThrow(RangeError);
  });
});
