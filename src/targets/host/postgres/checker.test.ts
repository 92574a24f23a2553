import { describe, expect, it } from 'vitest';
import { checkWrites } from './checker.js';

describe('acknowledged-write checker', () => {
  it('counts as lost exactly the acknowledged ids the node lacks, and ignores unacknowledged rows it has', () => {
    // acked 1–10; the node has 1–6 and 9, plus 11 (sent, never acknowledged: its commit timed out)
    const check = checkWrites([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 9, 11]);
    expect(check).toEqual({ acked: 10, held: 7, lost: [7, 8, 10], lostRanges: '7-8,10', unacked: 1 });
  });

  it('loses nothing when the node holds every acknowledged write', () => {
    expect(checkWrites([3, 1, 2], [1, 2, 3])).toMatchObject({ lost: [], lostRanges: '', held: 3 });
    expect(checkWrites([], [1])).toMatchObject({ acked: 0, lost: [], unacked: 1 });
  });
});
