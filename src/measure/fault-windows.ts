import type { RunEvent } from './events.js';

/** One fault as the event log tells it: injection, removal, and the servers it hits. */
export interface FaultWindow {
  faultId: string;
  action: string;
  target: string;
  /** The server the fault hits: its target, or the member a database-wide fault hit (the writer). */
  affects: string;
  planned: boolean;
  injectedAtMs: number;
  /** null: never removed during the run (a terminated instance, a database failover, or removed only at the end). */
  removedAtMs: number | null;
}

/** Every fault of the log, in order of injection; removals at the end of the run do not count as removals. */
export function faultWindows(events: readonly RunEvent[]): FaultWindow[] {
  const windows: FaultWindow[] = [];
  for (const e of events) {
    if (e.component !== 'fault') continue;
    const faultId = String(e.detail.faultId);
    if (e.type === 'injected') {
      windows.push({
        faultId,
        action: String(e.detail.action),
        target: String(e.detail.target),
        affects: String(e.detail.affects ?? e.detail.target),
        planned: e.detail.planned === true,
        injectedAtMs: e.atMs,
        removedAtMs: null,
      });
    } else if (e.type === 'removed' && e.detail.atEnd !== true) {
      const open = windows.find((w) => w.faultId === faultId && w.removedAtMs === null);
      if (open) open.removedAtMs = e.atMs;
    }
  }
  return windows;
}

/** Until when a fault acts: its removal, or the end of the run. */
export function activeUntilMs(w: FaultWindow, durationMs: number): number {
  return w.removedAtMs ?? durationMs;
}
