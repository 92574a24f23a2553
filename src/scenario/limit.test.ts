import { describe, expect, it } from 'vitest';
import { holds, parseLimit, percentNumber, type Limit } from './limit.js';

describe('parseLimit', () => {
  it.each<[string, Limit['unit'], Omit<Limit, 'text'>]>([
    ['< 30s', 'ms', { op: '<', value: 30_000, unit: 'ms' }],
    ['<=1.5m', 'ms', { op: '<=', value: 90_000, unit: 'ms' }],
    ['> 500ms', 'ms', { op: '>', value: 500, unit: 'ms' }],
    ['30s', 'ms', { op: '<=', value: 30_000, unit: 'ms' }],
    ['0', 'ms', { op: '<=', value: 0, unit: 'ms' }],
    ['== 0.0', 'ms', { op: '==', value: 0, unit: 'ms' }],
    ['<= 2%', 'ratio', { op: '<=', value: 0.02, unit: 'ratio' }],
    ['>= 99.5%', 'ratio', { op: '>=', value: 0.995, unit: 'ratio' }],
    ['100%', 'ratio', { op: '<=', value: 1, unit: 'ratio' }],
    ['0 %', 'ratio', { op: '<=', value: 0, unit: 'ratio' }],
    ['0', 'count', { op: '<=', value: 0, unit: 'count' }],
    ['== 0', 'count', { op: '==', value: 0, unit: 'count' }],
    ['>=3', 'count', { op: '>=', value: 3, unit: 'count' }],
  ])('%j as %s', (text, unit, expected) => {
    expect(parseLimit(text, unit)).toEqual({ ...expected, text: text.trim() });
  });

  it('keeps the text as written, trimmed', () => {
    expect(parseLimit('  < 30s  ', 'ms')?.text).toBe('< 30s');
  });

  it.each<[string, Limit['unit']]>([
    ['', 'ms'],
    ['<', 'ms'],
    ['5', 'ms'],
    ['=< 5s', 'ms'],
    ['!= 5s', 'ms'],
    ['< 2%', 'ms'],
    ['2', 'ratio'],
    ['%', 'ratio'],
    ['101%', 'ratio'],
    ['-1%', 'ratio'],
    ['abc%', 'ratio'],
    // the number of a percentage is written like a duration's: no hex, exponent, sign or bare point
    ['0x10%', 'ratio'],
    ['1e2%', 'ratio'],
    ['+5%', 'ratio'],
    ['.5%', 'ratio'],
    ['5.%', 'ratio'],
    ['5%%', 'ratio'],
    ['30s', 'ratio'],
    ['1.5', 'count'],
    ['-1', 'count'],
    ['3 requests', 'count'],
  ])('rejects %j as %s', (text, unit) => {
    expect(parseLimit(text, unit)).toBeUndefined();
  });
});

describe('holds', () => {
  const limit = (text: string, unit: Limit['unit'] = 'ms') => parseLimit(text, unit)!;

  it.each([
    ['< 30s', 29_999, true],
    ['< 30s', 30_000, false],
    ['<= 30s', 30_000, true],
    ['<= 30s', 30_001, false],
    ['> 30s', 30_000, false],
    ['> 30s', 30_001, true],
    ['>= 30s', 29_999, false],
    ['>= 30s', 30_000, true],
    ['== 0', 0, true],
    ['== 0', 1, false],
  ])('%j holds for %d: %s', (text, actual, expected) => {
    expect(holds(limit(text), actual)).toBe(expected);
  });

  it('compares ratios as fractions', () => {
    expect(holds(limit('<= 2%', 'ratio'), 0.02)).toBe(true);
    expect(holds(limit('<= 2%', 'ratio'), 0.021)).toBe(false);
  });
});

describe('percentNumber (history --threshold)', () => {
  it('reads 20, 20% and 0.5 % as percent, above 100 too', () => {
    expect([percentNumber('20'), percentNumber('20%'), percentNumber(' 0.5 %'), percentNumber('150%')]).toEqual([20, 20, 0.5, 150]);
  });
  it.each(['0x10', '1e2%', '-5%', '', '%', 'Infinity'])('rejects %j', (text) => {
    expect(percentNumber(text)).toBeUndefined();
  });
});
