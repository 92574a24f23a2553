import { outsideText, type FigureCheck } from '../../explain/record.js';
import type { FaultMetrics } from '../../measure/metrics.js';
import { formatMs } from '../format.js';

/** A measured figure on its bound's bar: the bound as a band, the measured value as a tick, percentages of one scale. */
export interface BoundBar {
  fromPct: number;
  widthPct: number;
  /** Where the measured value sits; null when it did not happen. */
  atPct: number | null;
  hasValue: boolean;
  inside: boolean;
  title: string;
}

const pct = (v: number) => Math.round(v * 1000) / 10;

/** The bar of one figure of a fault, or undefined when the fault has no bound for it (results written before bounds existed). */
export function boundBar(f: FaultMetrics, figure: string): BoundBar | undefined {
  const check: FigureCheck | undefined = f.bounds?.figures.find((x) => x.figure === figure);
  if (!check || check.inside === null) return undefined;
  const measured = check.measured;
  const never = check.occurs === 'never' || check.minMs === null;
  // nothing expected and nothing happened: no bar to draw
  if (never && measured === null) return undefined;
  const lo = never ? 0 : check.minMs!;
  const hi = never ? 0 : (check.maxMs ?? Math.max(lo * 2, (measured ?? 0) * 1.2, 1));
  const scale = Math.max(hi, measured ?? 0, 1) * 1.15;
  const range = never ? 'none expected' : `bound ${formatMs(lo)}–${check.maxMs === null ? '∞' : formatMs(check.maxMs)}${check.occurs === 'maybe' ? ' (or never)' : ''}`;
  return {
    fromPct: pct(lo / scale),
    widthPct: never ? 0 : Math.max(0.5, pct((hi - lo) / scale)),
    atPct: measured === null ? null : pct(measured / scale),
    hasValue: measured !== null,
    inside: check.inside,
    title: `${formatMs(measured)} measured, ${range}${check.inside ? '' : ' — OUTSIDE'}: ${check.decidedBy}`,
  };
}

/** `bound 15.0s–25.0s`, or `outside its bound 15.0s–25.0s`, for the worst fault's figure on a card. */
export function boundNote(f: FaultMetrics | undefined, figure: string): string {
  const check = f?.bounds?.figures.find((x) => x.figure === figure);
  if (!check || check.inside === null || check.occurs === 'never' || check.minMs === null) return '';
  const range = `${formatMs(check.minMs)}–${check.maxMs === null ? '∞' : formatMs(check.maxMs)}`;
  return check.inside ? `bound ${range}` : `OUTSIDE its bound ${range}`;
}

/** One line per figure outside its bound, for the banner: `app-1 rto 130.0s outside 20.0s–90.0s`. */
export function flaggedFigures(perFault: readonly FaultMetrics[]): string[] {
  return perFault.flatMap((f) => (f.bounds?.figures ?? []).filter((x) => x.inside === false).map((x) => `${f.faultId}: ${outsideText(x)}`));
}
