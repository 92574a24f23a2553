const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
/** `500ms`, `30s`, `1.5m`, `2h`, or compounds such as `1m30s` and `1h 5m`. */
export const DURATION_PATTERN = /^(\d+(\.\d+)?\s*(ms|h|m|s)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)/g;

/** Parses a duration into milliseconds; returns undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) return undefined;
  let total = 0;
  for (const [, value, unit] of trimmed.matchAll(PART)) total += Number(value) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Formats milliseconds the way people read drill timings: `850ms`, `12.4s`, `3m 05s`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (Math.round(abs) < 1_000) return `${sign}${Math.round(abs)}ms`;
  if (Math.round(abs / 100) < 600) return `${sign}${(abs / 1_000).toFixed(1)}s`;
  const totalSec = Math.round(abs / 1_000);
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const s = totalSec % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${sign}${h}h ${pad(m)}m ${pad(s)}s` : `${sign}${m}m ${pad(s)}s`;
}

/** Writes milliseconds in the scenario syntax with the largest whole unit: `300s` → `5m`, `100ms`. */
export function durationText(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
