import { describe, expect, it } from 'vitest';
import { writeLossEvents } from './write-loss.js';

const where = { database: 'db', from: 'db-a', to: 'db-b' };

describe('the acknowledged-write check at a writer change', () => {
  it('counts as lost exactly the acknowledged writes the new writer lacks, with the RPO from the oldest of them to the loss of the writer', () => {
    // w1–w5 acknowledged at 100 ms steps; the new writer holds w1, w2 and w4; the writer was lost at 1 000 ms
    const acked = [1, 2, 3, 4, 5].map((n) => ({ id: `w${n}`, ackedAtMs: n * 100 }));
    const held = new Set(['w1', 'w2', 'w4', 'w9']);
    const events = writeLossEvents(where, acked, (id) => held.has(id), 1_000);
    expect(events.checked).toEqual({ database: 'db', writer: 'db-b', acked: 5, missing: 2 });
    // oldest lost: w3, acknowledged at 300 ms → 1 000 − 300
    expect(events.lost).toEqual({ database: 'db', target: 'db-a', writes: 2, rpoMs: 700, ids: '3,5' });
  });

  it('reports no loss when the new writer holds every acknowledged write', () => {
    const events = writeLossEvents(where, [{ id: 'w1', ackedAtMs: 5 }], () => true, 10);
    expect(events).toEqual({ checked: { database: 'db', writer: 'db-b', acked: 1, missing: 0 } });
  });
});
