import { describe, expect, it } from 'vitest';
import type { RunEvent } from './events.js';
import { longestOutageMs, outagesByFault, writeOutagesOf, WriteOutageTracker } from './write-unavailability.js';

const resumed = (atMs: number, sinceMs: number, unavailableMs: number): RunEvent => ({ atMs, component: 'db', type: 'writes.resumed', detail: { database: 'd', sinceMs, unavailableMs } });

describe('write unavailability', () => {
  it('reads the outages the write logs report, and the longest of them', () => {
    const outages = writeOutagesOf([resumed(5_000, 1_000, 3_000), { atMs: 6_000, component: 'db', type: 'writer', detail: {} }, resumed(9_000, 7_000, 1_500)]);
    expect(outages).toEqual([
      { sinceMs: 1_000, unavailableMs: 3_000 },
      { sinceMs: 7_000, unavailableMs: 1_500 },
    ]);
    expect(longestOutageMs(outages)).toBe(3_000);
    expect(longestOutageMs([])).toBeNull();
  });

  it('gives an outage to the fault injected last before it began among those active, none to an outage no fault explains', () => {
    const outages = [
      { sinceMs: 500, unavailableMs: 100 }, // before any fault
      { sinceMs: 2_000, unavailableMs: 200 }, // only the long fault runs
      { sinceMs: 6_000, unavailableMs: 300 }, // both run: the later one cut the writes
      { sinceMs: 20_000, unavailableMs: 400 }, // the short one ended; the long one still runs
    ];
    const windows = [
      { injectedAtMs: 1_000, untilMs: 60_000 },
      { injectedAtMs: 5_000, untilMs: 10_000 },
    ];
    expect(outagesByFault(outages, windows).map((list) => list.map((o) => o.sinceMs))).toEqual([[2_000, 20_000], [6_000]]);
  });

  it('opens a window at the first failed write and closes it at the first write sent at or after it that went through', () => {
    const t = new WriteOutageTracker();
    expect(t.acked(100, 110)).toBeUndefined(); // nothing failed yet
    t.failed(1_000);
    t.failed(1_050); // the window stays open from the first failure
    expect(t.acked(900, 1_200)).toBeUndefined(); // sent before the failure: it closes nothing
    expect(t.acked(1_100, 1_120)).toEqual({ sinceMs: 1_000, unavailableMs: 120 });
    expect(t.acked(1_150, 1_160)).toBeUndefined();
  });
});

