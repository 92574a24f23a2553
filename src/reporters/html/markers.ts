import type { FaultMetrics } from '../../measure/metrics.js';
import { formatClock, formatMs } from '../format.js';

export type MarkerKind = 'injected' | 'removed' | 'detected' | 'switched' | 'recovered' | 'failedBack';

/** How each moment is drawn and named. */
export const MARKER_KINDS: Record<MarkerKind, { label: string; colour: string; dash: string }> = {
  injected: { label: 'fault injected', colour: '#c62828', dash: '' },
  removed: { label: 'fault removed', colour: '#2e7d32', dash: '4 3' },
  detected: { label: 'detection', colour: '#ef6c00', dash: '' },
  switched: { label: 'switch', colour: '#1565c0', dash: '' },
  recovered: { label: 'recovery', colour: '#00897b', dash: '2 2' },
  failedBack: { label: 'failback', colour: '#6a1b9a', dash: '' },
};

/** One moment of one fault on the time axis. */
export interface Marker {
  atMs: number;
  kind: MarkerKind;
  faultId: string;
  /** Since the fault was injected (removed, for failback): `+13.7s`; empty for the injection itself. */
  relative: string;
  /** Tooltip: `detection of app-1-stop at 3m 13s (+13.7s, by controller)`. */
  title: string;
}

/** A fault's active window, shaded on charts. */
export interface FaultSpan {
  faultId: string;
  startMs: number;
  endMs: number;
  planned: boolean;
  /** Never removed within the run (a terminated instance, a failover): shaded lightly to the end. */
  open: boolean;
}

/** Every moment §4 defines, per fault, in time order. */
export function markersOf(perFault: readonly FaultMetrics[]): Marker[] {
  const markers: Marker[] = [];
  for (const f of perFault) {
    const add = (kind: MarkerKind, atMs: number | null, extra = '') => {
      if (atMs === null) return;
      const fromMs = kind === 'failedBack' ? (f.removedAtMs ?? f.injectedAtMs) : f.injectedAtMs;
      const relative = kind === 'injected' ? '' : `+${formatMs(atMs - fromMs)}`;
      const since = relative === '' ? '' : ` (${relative}${extra})`;
      markers.push({ atMs, kind, faultId: f.faultId, relative, title: `${MARKER_KINDS[kind].label} of ${f.faultId} at ${formatClock(atMs)}${since}` });
    };
    add('injected', f.injectedAtMs);
    add('detected', f.detectedAtMs, f.detectedBy ? `, by ${f.detectedBy}` : '');
    add('switched', f.switchedAtMs);
    add('recovered', f.rtoMs !== null && f.rtoMs > 0 ? f.recoveredAtMs : null);
    add('removed', f.removedAtMs);
    add('failedBack', f.failedBackAtMs);
  }
  return markers.sort((a, b) => a.atMs - b.atMs);
}

/** Each fault's window, from injection to removal (or the end of the run). */
export function faultSpansOf(perFault: readonly FaultMetrics[], durationMs: number): FaultSpan[] {
  return perFault.map((f) => ({ faultId: f.faultId, startMs: f.injectedAtMs, endMs: f.removedAtMs ?? durationMs, planned: f.planned, open: f.removedAtMs === null }));
}
