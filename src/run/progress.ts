import type { Scenario } from '../scenario/schema.js';
import type { FaultBook } from './fault-book.js';
import type { Session } from './target.js';

/** A snapshot for live progress. */
export interface Progress {
  atMs: number;
  durationMs: number;
  phase: string;
  /** Success ratio of the requests sent since the previous snapshot; undefined when none were sent. */
  successRatio: number | undefined;
}

/** Snapshots per run: a tick every duration / this, and at least a second apart. */
const PROGRESS_TICKS = 50;

/** Schedules live progress snapshots: virtual or wall time, phase (baseline, the active faults, recovery), success ratio. */
export function scheduleProgress(
  scenario: Scenario,
  session: Pick<Session, 'schedule' | 'requestTotals'>,
  faults: Pick<FaultBook, 'activeIds'>,
  onProgress: (progress: Progress) => void,
): void {
  const tickMs = Math.max(1_000, Math.floor(scenario.durationMs / PROGRESS_TICKS));
  const firstFaultMs = Math.min(Infinity, ...scenario.faults.map((f) => f.atMs), ...scenario.operations.map((o) => o.atMs));
  let last = { ok: 0, total: 0 };
  const tick = (atMs: number) =>
    session.schedule(atMs, () => {
      const totals = session.requestTotals();
      const sent = totals.total - last.total;
      const active = faults.activeIds;
      onProgress({
        atMs,
        durationMs: scenario.durationMs,
        phase: active.length > 0 ? `fault ${active.join(', ')}` : atMs < firstFaultMs ? 'baseline' : 'recovery',
        successRatio: sent > 0 ? (totals.ok - last.ok) / sent : undefined,
      });
      last = totals;
      if (atMs + tickMs < scenario.durationMs) tick(atMs + tickMs);
    });
  tick(tickMs);
}
