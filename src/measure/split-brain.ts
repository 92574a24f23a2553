import { serverList, type RunEvent } from './events.js';
import type { SplitBrain } from './figures.js';

/**
 * Periods with two or more VIP holders, from `vip`/`holders` events. A period starts when the second
 * holder appeared: `detail.sinceMs` (the host target debounces these events and says when it first
 * saw the holder set), else the event's time.
 */
export function splitBrainsOf(events: readonly RunEvent[], durationMs: number): { splitBrainMs: number; splitBrains: SplitBrain[] } {
  const open = new Map<string, SplitBrain>();
  const splitBrains: SplitBrain[] = [];
  for (const e of events) {
    if (e.component !== 'vip' || e.type !== 'holders') continue;
    const vip = String(e.detail.vip);
    const holders = serverList(e.detail.holders);
    const current = open.get(vip);
    const sinceMs = typeof e.detail.sinceMs === 'number' && e.detail.sinceMs <= e.atMs ? e.detail.sinceMs : e.atMs;
    if (holders.length >= 2 && !current) open.set(vip, { vip, startMs: sinceMs, endMs: durationMs, holders });
    else if (holders.length >= 2 && current) current.holders = [...new Set([...current.holders, ...holders])];
    else if (current) {
      current.endMs = e.atMs;
      splitBrains.push(current);
      open.delete(vip);
    }
  }
  splitBrains.push(...open.values());
  splitBrains.sort((a, b) => a.startMs - b.startMs);
  return { splitBrainMs: splitBrains.reduce((sum, b) => sum + b.endMs - b.startMs, 0), splitBrains };
}
