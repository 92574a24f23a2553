/** Shared geometry of the report's charts: the timeline and the swimlanes share their x axis. */
export const CHART_WIDTH = 1000;
export const PLOT_LEFT = 160;
export const PLOT_RIGHT = 985;

/** The frame every chart view shares: the SVG's size and where its plot area sits horizontally. */
export interface ChartFrame {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
}

/** A chart with one plot area: also where it sits vertically. */
export interface PlotFrame extends ChartFrame {
  top: number;
  bottom: number;
}

/** Rounds a coordinate for compact SVG. */
export const px = (v: number): number => Math.round(v * 10) / 10;

/** Axis label for a time since the run started: `12:30` (m:ss), `1:05:00` past an hour, `45s` for short spans. */
export function axisTime(ms: number, spanMs: number): string {
  const totalSec = Math.round(ms / 1_000);
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const s = totalSec % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (spanMs >= 3_600_000 || h > 0) return `${h}:${pad(m)}:${pad(s)}`;
  return `${m}:${pad(s)}`;
}

/** Tick times for a time axis: round steps (1 s … 1 h) giving about `count` ticks. */
export function timeTicks(fromMs: number, toMs: number, count: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1_000);
  const span = Math.max(1, toMs - fromMs);
  const step = steps.find((s) => span / s <= count) ?? steps.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) ticks.push(t);
  return ticks;
}
