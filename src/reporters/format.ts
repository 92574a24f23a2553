import { formatValue } from '../measure/expectations.js';
import { formatDurationMs } from '../scenario/duration.js';

/** `12.4s`, `3m 05s`; an em dash when the figure did not happen. */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : formatDurationMs(ms);
}

/** Whole seconds with one decimal, as JUnit failure bodies state them: `143.2s`, `120s`. */
export function formatSeconds(ms: number): string {
  const sec = ms / 1_000;
  return Number.isInteger(sec) ? `${sec}s` : `${sec.toFixed(1)}s`;
}

/** `1,234,567`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

/** `0.42%`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? formatValue('ratio', ratio) : '—';
}

/** Offset since the run started as a clock: `03:13.690`, `1:03:13.690` past an hour. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1_000);
  const milli = total % 1_000;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(milli).padStart(3, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** `2026-11-23 20:45:12 UTC` from an ISO time; the text itself when it does not parse. */
export function formatWhen(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The command that reproduces a run. */
export function reproduceCommand(file: string, seed: number, target: string): string {
  return `faildrill run ${file} --seed ${seed} --target ${target}`;
}
