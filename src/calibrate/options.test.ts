import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseMaxDiff, planCalibration } from './options.js';

const base = { target: 'host', runs: '3', seeds: '200', maxDiff: '5%' };

describe('calibrate options', () => {
  it('real seeds 1..N inside the simulator seeds 1..M', () => {
    const plan = planCalibration(base, 2);
    expect(plan.target.name).toBe('host');
    expect(plan.realSeeds).toEqual([1, 2, 3]);
    expect(plan.simSeeds).toHaveLength(200);
    expect([plan.simSeeds[0], plan.simSeeds.at(-1)]).toEqual([1, 200]);
    expect(plan.maxDiffPct).toBe(5);
    expect(plan.workers).toBe(2);
  });

  it('--max-diff takes a percentage, with or without %', () => {
    expect(parseMaxDiff('2.5%')).toBe(2.5);
    expect(parseMaxDiff('10')).toBe(10);
    for (const bad of ['0%', '-1%', 'five', '5ms', '1001%']) expect(() => parseMaxDiff(bad)).toThrow(UsageError);
  });

  it('bad usage is a UsageError naming the flag (exit 2)', () => {
    expect(() => planCalibration({ ...base, target: 'sim' }, 2)).toThrow(/--target sim: calibrate sets a real target beside the simulator; expected host or aws/);
    expect(() => planCalibration({ ...base, target: 'mars' }, 2)).toThrow(/unknown target 'mars'/);
    expect(() => planCalibration({ ...base, runs: '0' }, 2)).toThrow(/--runs 0: expected an integer from 1 to 100/);
    expect(() => planCalibration({ ...base, runs: '4', seeds: '3' }, 2)).toThrow(/--seeds 3 is fewer than --runs 4/);
    expect(() => planCalibration({ ...base, workers: 'x' }, 2)).toThrow(/--workers x/);
  });
});
