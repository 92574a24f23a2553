import type { RunEvent } from './events.js';

/** One stretch in which the app's writes failed: from the first failed write to the first one that went through after it. */
export interface WriteOutage {
  sinceMs: number;
  unavailableMs: number;
}

/** The write outages a run's `db`/`writes.resumed` events report (every target emits them from its write log). */
export function writeOutagesOf(events: readonly RunEvent[]): WriteOutage[] {
  return events
    .filter((e) => e.component === 'db' && e.type === 'writes.resumed')
    .map((e) => ({ sinceMs: Number(e.detail.sinceMs), unavailableMs: Number(e.detail.unavailableMs) }))
    .filter((o) => Number.isFinite(o.sinceMs) && Number.isFinite(o.unavailableMs));
}

/** The longest of `outages`; null when there is none (writes never failed, or never went through again). */
export function longestOutageMs(outages: readonly WriteOutage[]): number | null {
  return outages.length > 0 ? Math.max(...outages.map((o) => o.unavailableMs)) : null;
}

/**
 * Each fault's write outages: an outage belongs to the fault injected last before it began, among
 * those active then (`windows[i]` from its injection to `untilMs[i]`) — the fault that cut the writes,
 * not an earlier one still running. An outage no active fault explains belongs to none.
 */
export function outagesByFault(outages: readonly WriteOutage[], windows: ReadonlyArray<{ injectedAtMs: number; untilMs: number }>): WriteOutage[][] {
  const byFault = windows.map((): WriteOutage[] => []);
  for (const o of outages) {
    let owner = -1;
    windows.forEach((w, i) => {
      if (w.injectedAtMs <= o.sinceMs && o.sinceMs < w.untilMs && (owner < 0 || w.injectedAtMs >= windows[owner]!.injectedAtMs)) owner = i;
    });
    if (owner >= 0) byFault[owner]!.push(o);
  }
  return byFault;
}

/**
 * Follows an app's write log and says when a write-unavailability window ends: it opens at the first
 * failed write and closes at the first write sent at or after that which went through. Each target
 * feeds it its writes (host and aws: each write's outcome; the simulator: the first write of a stretch).
 */
export class WriteOutageTracker {
  #sinceMs?: number;

  /** A write sent at `sentMs` failed. */
  failed(sentMs: number): void {
    this.#sinceMs ??= sentMs;
  }

  /** A write sent at `sentMs` went through at `endedMs`: the window it closes, if one was open. */
  acked(sentMs: number, endedMs: number): WriteOutage | undefined {
    const sinceMs = this.#sinceMs;
    if (sinceMs === undefined || sentMs < sinceMs) return undefined;
    this.#sinceMs = undefined;
    return { sinceMs, unavailableMs: endedMs - sinceMs };
  }
}
