import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../random/seeded-rng.js';
import { ttlHonouring } from './resolver.js';

describe('ttlHonouring', () => {
  it('lets round(share × clients) clients honour the TTL', () => {
    // load.honourTtl 0.98 of 100 clients (the README's example): 98 honour, 2 keep their first answer.
    expect(ttlHonouring(100, 0.98, new SeededRng(7)).filter(Boolean)).toHaveLength(98);
    expect(ttlHonouring(3, 0.5, new SeededRng(7)).filter(Boolean)).toHaveLength(Math.round(1.5));
    expect(ttlHonouring(10, 1, new SeededRng(7)).every(Boolean)).toBe(true);
    expect(ttlHonouring(10, 0, new SeededRng(7)).some(Boolean)).toBe(false);
  });

  it('picks the same clients for the same seed, others for another seed', () => {
    const pick = (seed: number) => ttlHonouring(50, 0.5, new SeededRng(seed)).map((h, i) => (h ? i : -1)).filter((i) => i >= 0);
    expect(pick(1)).toEqual(pick(1));
    expect(pick(1)).not.toEqual(pick(2));
  });

  it('rejects a share outside [0, 1] and a fractional population', () => {
    expect(() => ttlHonouring(10, 1.5, new SeededRng(1))).toThrow(/honourTtlShare/);
    expect(() => ttlHonouring(2.5, 0.5, new SeededRng(1))).toThrow(/clients/);
  });
});
