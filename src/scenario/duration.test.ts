import { describe, expect, it } from 'vitest';
import { durationText, formatDurationMs, parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['0s', 0],
    [' 10 s ', 10_000],
    ['0.25s', 250],
    ['2.5ms', 3],
  ])('%j is %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '10', 's', '-5s', '5 sec', '5S', '.5s', '1.s', '1e3ms', '5d', 'ten s'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [12.4, '12ms'],
    [1_000, '1.0s'],
    [12_400, '12.4s'],
    [59_940, '59.9s'],
    [60_000, '1m 00s'],
    [185_000, '3m 05s'],
    [119_600, '2m 00s'],
    [3_725_000, '1h 02m 05s'],
    [-1_500, '-1.5s'],
    [-185_000, '-3m 05s'],
    [999.6, '1.0s'],
    [59_960, '1m 00s'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('prints non-finite values as they are', () => {
    expect(formatDurationMs(Number.NaN)).toBe('NaN');
    expect(formatDurationMs(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });

  it('round-trips whole seconds below a minute', () => {
    for (const ms of [1_000, 7_000, 42_000]) expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
  });
});

describe('durationText', () => {
  it.each([
    [100, '100ms'],
    [5_000, '5s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
    [0, '0s'],
  ])('%d ms is written %j and parses back', (ms, text) => {
    expect(durationText(ms)).toBe(text);
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('compound durations', () => {
  it.each([
    ['1m30s', 90_000],
    ['1h 5m', 3_900_000],
    ['2m0.5s', 120_500],
    ['1s500ms', 1_500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['1m30', 'm30s', '1m 30x', '1 m s'])('%j is not a duration', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
