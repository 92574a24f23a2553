import { describe, expect, it } from 'vitest';
import { criterionOf, differenceOf, insideRange, pairedOf, summaryOf, unpairedOf, type FigureRow } from './compare.js';

const row = (seed: number, rtoMs: number | null, detectionMs: number | null = 1_000): FigureRow => ({ seed, detectionMs, switchMs: 0, rtoMs });

describe('calibration arithmetic', () => {
  it('summary: nearest-rank median (as faildrill sweep), range, spread, nevers', () => {
    expect(summaryOf([300, null, 100, 200])).toEqual({ count: 3, never: 1, medianMs: 200, minMs: 100, maxMs: 300, spreadMs: 200 });
    // nearest rank of 4 values: the 2nd
    expect(summaryOf([4, 1, 3, 2]).medianMs).toBe(2);
    expect(summaryOf([null])).toEqual({ count: 0, never: 1, medianMs: null, minMs: null, maxMs: null, spreadMs: null });
  });

  it('difference: real − sim in ms and in % of sim; to the millisecond', () => {
    expect(differenceOf(10_400, 10_000)).toEqual({ diffMs: 400, diffPct: 4 });
    expect(differenceOf(9_000, 10_000)).toEqual({ diffMs: -1_000, diffPct: -10 });
    expect(differenceOf(0.2, 0)).toEqual({ diffMs: 0.2, diffPct: 0 });
    expect(differenceOf(30, 0)).toEqual({ diffMs: 30, diffPct: null });
    expect(differenceOf(null, 5)).toEqual({ diffMs: null, diffPct: null });
  });

  it('paired: each real seed against the simulator run of the same seed; medians over those seeds only', () => {
    const real = [row(1, 10_100), row(2, 9_900), row(3, 10_600)];
    const sim = [row(1, 10_000), row(2, 10_000), row(3, 10_500), row(4, 20_000), row(5, 20_000)];
    const p = pairedOf('rto', real, sim);
    expect(p.seeds.map((s) => s.diffMs)).toEqual([100, -100, 100]);
    expect(p.seeds[0]!.diffPct).toBeCloseTo(1, 9);
    // medians over seeds 1..3: real 10.1 s, sim 10.0 s (seeds 4 and 5 left out)
    expect([p.realMedianMs, p.simMedianMs, p.diffMs]).toEqual([10_100, 10_000, 100]);
    expect(p.diffPct).toBeCloseTo(1, 9);
    // unpaired: all five simulator seeds, median 10.5 s
    const u = unpairedOf('rto', real, sim);
    expect([u.real.medianMs, u.sim.medianMs, u.diffMs]).toEqual([10_100, 10_500, -400]);
  });

  it('inside the simulator range: within [min, max] to the millisecond; a figure that never happened only if some seed never had it', () => {
    const s = summaryOf([100, 200, null]);
    expect(insideRange(100, s)).toBe(true);
    expect(insideRange(200.4, s)).toBe(true);
    expect(insideRange(201, s)).toBe(false);
    expect(insideRange(null, s)).toBe(true);
    expect(insideRange(null, summaryOf([100]))).toBe(false);
  });

  it('criterion: |paired median RTO difference| ≤ max-diff % of the simulator’s', () => {
    const sim = [row(1, 10_000), row(2, 10_000), row(3, 10_000)];
    expect(criterionOf(pairedOf('rto', [row(1, 10_500), row(2, 10_500), row(3, 10_500)], sim), 5).pass).toBe(true);
    expect(criterionOf(pairedOf('rto', [row(1, 10_501), row(2, 10_501), row(3, 10_501)], sim), 5).pass).toBe(false);
    expect(criterionOf(pairedOf('rto', [row(1, 9_400), row(2, 9_400), row(3, 9_400)], sim), 5).pass).toBe(false);
    const none = criterionOf(pairedOf('rto', [row(1, null)], sim), 5);
    expect(none.pass).toBe(false);
    expect(none.reason).toMatch(/no RTO to compare on the real target/);
    const zero = criterionOf(pairedOf('rto', [row(1, 40)], [row(1, 0)]), 5);
    expect([zero.pass, zero.reason]).toEqual([false, 'the simulator recovers at once (RTO 0) and the real target does not']);
  });
});
