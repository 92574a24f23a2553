import { describe, expect, it } from 'vitest';
import { idRanges, parseIdRanges, seqRanges, writeId, writeSeq } from './write-ids.js';

describe('write id ranges', () => {
  it('compresses ids into ranges of their sequence numbers and reads them back', () => {
    const ids = [5, 1, 2, 3, 7, 8, 10].map(writeId);
    expect(idRanges(ids)).toBe('1-3,5,7-8,10');
    expect([...parseIdRanges('1-3,5,7-8,10')].sort()).toEqual([...ids].sort());
    expect(idRanges([])).toBe('');
    expect(parseIdRanges('').size).toBe(0);
  });

  it('ignores what is no write id and rejects a malformed range', () => {
    expect(writeSeq('x1')).toBeUndefined();
    expect(idRanges(['w2', 'other', 'w2', 'w1'])).toBe('1-2');
    expect(() => parseIdRanges('1-a')).toThrow(RangeError);
  });

  it('compresses bare sequence numbers the same way, duplicates once', () => {
    expect(seqRanges([10, 3, 1, 2, 2, 7])).toBe('1-3,7,10');
    expect(seqRanges([])).toBe('');
  });
});
