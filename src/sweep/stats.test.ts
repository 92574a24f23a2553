import { describe, expect, it } from 'vitest';
import { distributionOf, percentile } from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the value at rank ceil(p/100 · n)', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is null for no values and rejects impossible percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('distributionOf', () => {
  it('counts nulls as never and takes percentiles of the rest, unsorted input', () => {
    const values = [null, 300, 100, null, 200, 1_000, 500, 400, 600, 700, 800, 900];
    const d = distributionOf(values);
    expect(d).toEqual({ count: 10, never: 2, minMs: 100, p50Ms: 500, p95Ms: 1_000, p99Ms: 1_000, maxMs: 1_000 });
  });

  it('keeps p50 <= p95 <= p99 <= max for any input', () => {
    let x = 12345;
    const values = Array.from({ length: 777 }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % 100_000));
    const d = distributionOf(values);
    expect(d.p50Ms!).toBeLessThanOrEqual(d.p95Ms!);
    expect(d.p95Ms!).toBeLessThanOrEqual(d.p99Ms!);
    expect(d.p99Ms!).toBeLessThanOrEqual(d.maxMs!);
    expect(d.maxMs).toBe(Math.max(...values));
  });

  it('is all null when nothing happened', () => {
    expect(distributionOf([null, null])).toEqual({ count: 0, never: 2, minMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
  });
});
