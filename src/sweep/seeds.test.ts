import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { describeSeeds, parseSeeds, parseShard, shardSeeds } from './seeds.js';

describe('parseSeeds', () => {
  it('reads 1..N, A..B, comma lists and mixes, in the order written', () => {
    expect(parseSeeds('1..5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('10..12')).toEqual([10, 11, 12]);
    expect(parseSeeds('7,3,11')).toEqual([7, 3, 11]);
    expect(parseSeeds('1..3, 42')).toEqual([1, 2, 3, 42]);
    expect(parseSeeds('0..0')).toEqual([0]);
    expect(parseSeeds('2147483647')).toEqual([2147483647]);
  });

  it.each(['', 'abc', '1..', '..5', '5..1', '1,,2', '-1', '1.5', '1..3,2', '2147483648', '0..1000000'])('rejects %j as usage', (spec) => {
    expect(() => parseSeeds(spec)).toThrow(UsageError);
  });

  it('names the problem', () => {
    expect(() => parseSeeds('5..1')).toThrow(/runs backwards/);
    expect(() => parseSeeds('1..3,2')).toThrow(/seed 2 is listed twice/);
  });
});

describe('shards', () => {
  it('reads i/n and rejects anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2']) expect(() => parseShard(bad), bad).toThrow(UsageError);
  });

  it('takes every n-th seed starting at the i-th', () => {
    const seeds = parseSeeds('1..10');
    expect(shardSeeds(seeds, { index: 1, count: 3 })).toEqual([1, 4, 7, 10]);
    expect(shardSeeds(seeds, { index: 2, count: 3 })).toEqual([2, 5, 8]);
    expect(shardSeeds(seeds, { index: 3, count: 3 })).toEqual([3, 6, 9]);
    expect(shardSeeds(seeds, undefined)).toEqual(seeds);
  });

  it('covers every seed exactly once over all shards', () => {
    const seeds = parseSeeds('5..100,3,1');
    for (const count of [1, 2, 3, 7, 200]) {
      const all = Array.from({ length: count }, (_, i) => shardSeeds(seeds, { index: i + 1, count })).flat();
      expect(all.sort((a, b) => a - b)).toEqual([...seeds].sort((a, b) => a - b));
    }
  });
});

describe('describeSeeds', () => {
  it('writes runs as ranges', () => {
    expect(describeSeeds([1, 2, 3, 4, 9, 11, 12])).toBe('1..4,9,11,12');
    expect(describeSeeds([1, 3, 5, 7])).toBe('1,3,5,7');
    expect(describeSeeds([])).toBe('');
  });
});
