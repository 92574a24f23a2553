import { describe, expect, it } from 'vitest';
import { count, dur, maxOf, minOf, minus, minusOne, msText, plus, times, ZERO } from './expr.js';

describe('Expr: a duration that keeps its derivation', () => {
  it('writes the formula in names and with the numbers, and computes the value', () => {
    const e = plus(times(minusOne(count('fall', 2)), dur('interval', 5_000)), dur('timeout', 1_000));
    expect(e.ms).toBe(6_000);
    expect(e.formula).toBe('(fall − 1) × interval + timeout');
    expect(e.numbers).toBe('(2 − 1) × 5s + 1s');
  });

  it('wraps a sum after a minus, leaves zero out of sums and flattens nested min/max', () => {
    const a = plus(dur('a', 1_000), dur('b', 2_000));
    expect(minus(dur('c', 10_000), a)).toMatchObject({ ms: 7_000, formula: 'c − (a + b)' });
    expect(plus(ZERO, dur('x', 5))).toMatchObject({ ms: 5, formula: 'x' });
    const m = minOf(dur('p', 3), minOf(dur('q', 2), dur('p', 3)));
    expect(m).toMatchObject({ ms: 2, formula: 'min(p, q)' });
    expect(maxOf(dur('p', 3), dur('p', 3)).formula).toBe('p');
  });

  it('prints milliseconds as a scenario writes them', () => {
    expect([msText(3_648.4375), msText(500), msText(60_000), msText(0.4)]).toEqual(['3.648s', '500ms', '60s', '0.4ms']);
  });
});
