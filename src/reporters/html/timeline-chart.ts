import { scaleLinear, scaleLog } from 'd3-scale';
import { area, curveStepAfter, line } from 'd3-shape';
import type { Timeline } from '../../run/result.js';
import { CHART_WIDTH, PLOT_LEFT, PLOT_RIGHT, axisTime, px, timeTicks, type ChartFrame } from './layout.js';
import { MARKER_KINDS, type FaultSpan, type Marker } from './markers.js';

/** Geometry of one timeline chart, ready for the `timeline-chart` partial. */
export interface TimelineChartView extends ChartFrame {
  title: string;
  rate: { top: number; bottom: number; okPath: string; errPath: string; ticks: Tick[] };
  latency: { top: number; bottom: number; p50Path: string; p99Path: string; ticks: Tick[] };
  xTicks: Array<{ x: number; label: string }>;
  windows: Array<{ x: number; width: number; label: string; title: string; labelY: number; cls: string }>;
  markers: Array<{ x: number; anchor: 'start' | 'end'; dx: number; colour: string; dash: string; title: string; label: string; labelY: number; top: number }>;
}

interface Tick {
  y: number;
  label: string;
}

export interface TimelineChartOptions {
  fromMs: number;
  toMs: number;
  title: string;
  markers: readonly Marker[];
  windows: readonly FaultSpan[];
  /** Name markers in text above the plot (detail charts); the overview relies on colour and tooltips. */
  labelMarkers: boolean;
  /** Chart size in SVG units; the default width and plot edges line up with the swimlanes. */
  height?: number;
  width?: number;
  plotLeft?: number;
  plotRight?: number;
}

interface Point {
  atMs: number;
  ok: number;
  err: number;
  p50: number;
  p99: number;
}

const LABEL_ROW_PX = 12;
const LABEL_ROWS = 3;

/** Buckets overlapping [fromMs, toMs] as per-second rates, plus a closing point so steps cover the last bucket. */
function pointsIn(timeline: Timeline, fromMs: number, toMs: number): Point[] {
  const { bucketMs } = timeline;
  const perSec = 1_000 / bucketMs;
  const first = Math.max(0, Math.floor(fromMs / bucketMs));
  const last = Math.min(timeline.ok.length - 1, Math.ceil(toMs / bucketMs) - 1);
  const points: Point[] = [];
  for (let i = first; i <= last; i++) {
    points.push({ atMs: i * bucketMs, ok: timeline.ok[i]! * perSec, err: timeline.err[i]! * perSec, p50: timeline.p50Ms[i]!, p99: timeline.p99Ms[i]! });
  }
  const end = points.at(-1);
  if (end) points.push({ ...end, atMs: Math.min(toMs, (last + 1) * bucketMs) });
  return points;
}

function latencyLabel(ms: number): string {
  return ms >= 1_000 ? `${ms / 1_000}s` : `${ms}ms`;
}

/** Approximate width of one 10 px label character, for placing labels. */
export const LABEL_CHAR_PX = 6.3;

/** Puts each label in the first row where it clears its neighbours (the least crowded row when none does). */
export function placeLabels<T extends { left: number; right: number }>(items: T[], rows: number): Array<T & { row: number }> {
  const rightEdges = Array.from({ length: rows }, () => -Infinity);
  return items.map((item) => {
    let row = rightEdges.findIndex((edge) => item.left >= edge + 4);
    if (row < 0) row = rightEdges.indexOf(Math.min(...rightEdges));
    rightEdges[row] = Math.max(rightEdges[row]!, item.right);
    return { ...item, row };
  });
}

/** One marker per kind and drawn position: faults that share a moment share a line, their tooltips joined. */
function distinctMarkers(markers: readonly Marker[], x: (ms: number) => number): Marker[] {
  const byPosition = new Map<string, Marker>();
  for (const m of markers) {
    const key = `${m.kind}@${px(x(m.atMs))}`;
    const seen = byPosition.get(key);
    byPosition.set(key, seen ? { ...seen, title: `${seen.title}; ${m.title}` } : m);
  }
  return [...byPosition.values()];
}

/** Requests per second (successes and errors stacked) over latency p50/p99, with fault windows and markers. */
export function timelineChart(timeline: Timeline, options: TimelineChartOptions): TimelineChartView {
  const { fromMs, toMs } = options;
  const height = options.height ?? 300;
  const labelSpace = (options.labelMarkers ? LABEL_ROWS * LABEL_ROW_PX + 4 : 0) + 16;
  const plotHeight = height - labelSpace - 24;
  const rateTop = labelSpace;
  const rateBottom = rateTop + Math.round(plotHeight * 0.6);
  const latencyTop = rateBottom + 18;
  const latencyBottom = labelSpace + plotHeight;

  const width = options.width ?? CHART_WIDTH;
  const plotLeft = options.plotLeft ?? PLOT_LEFT;
  const plotRight = options.plotRight ?? PLOT_RIGHT;
  const x = scaleLinear().domain([fromMs, Math.max(toMs, fromMs + 1)]).range([plotLeft, plotRight]).clamp(true);
  const points = pointsIn(timeline, fromMs, toMs);

  const maxRate = Math.max(1, ...points.map((p) => p.ok + p.err));
  const rate = scaleLinear().domain([0, maxRate]).nice(4).range([rateBottom, rateTop]);
  const okArea = area<Point>()
    .x((p) => x(p.atMs))
    .y0(rate(0))
    .y1((p) => rate(p.ok))
    .curve(curveStepAfter)
    .digits(1);
  const errArea = area<Point>()
    .x((p) => x(p.atMs))
    .y0((p) => rate(p.ok))
    .y1((p) => rate(p.ok + p.err))
    .curve(curveStepAfter)
    .digits(1);

  const latencies = points.flatMap((p) => [p.p50, p.p99]).filter((v) => v > 0);
  const lo = latencies.length ? Math.max(1, Math.min(...latencies) * 0.8) : 1;
  const hi = latencies.length ? Math.max(lo * 10, Math.max(...latencies) * 1.2) : 1_000;
  const latency = scaleLog().domain([lo, hi]).nice().range([latencyBottom, latencyTop]).clamp(true);
  const latencyLine = (pick: (p: Point) => number) =>
    line<Point>()
      .defined((p) => pick(p) > 0)
      .x((p) => x(p.atMs))
      .y((p) => latency(pick(p)))
      .curve(curveStepAfter)
      .digits(1)(points) ?? '';
  const logTicks = latency.ticks(4).filter((t) => Number.isInteger(Math.log10(t)));

  const spanMs = toMs - fromMs;
  const windows = placeLabels(
    options.windows
      .filter((w) => w.endMs > fromMs && w.startMs < toMs)
      .map((w) => {
        const left = x(w.startMs);
        const label = w.startMs >= fromMs ? w.faultId : '';
        return { w, x: px(left), width: px(Math.max(1, x(w.endMs) - left)), label, left, right: label === '' ? -Infinity : left + label.length * LABEL_CHAR_PX + 6 };
      }),
    2,
  ).map(({ w, x: wx, width: ww, label, row }) => ({
    x: wx,
    width: ww,
    label,
    title: `fault window: ${w.faultId}${w.open ? ' (not removed within the run)' : ''}`,
    labelY: rateTop + 11 + row * 11,
    cls: ['window', w.planned ? 'planned' : '', w.open ? 'open' : ''].filter(Boolean).join(' '),
  }));

  const markers = placeLabels(
    distinctMarkers(options.markers.filter((m) => m.atMs >= fromMs && m.atMs <= toMs), x).map((m) => {
      const mx = px(x(m.atMs));
      const label = options.labelMarkers ? `${MARKER_KINDS[m.kind].label} ${m.relative}`.trim() : '';
      const widthPx = label.length * LABEL_CHAR_PX;
      const anchor: 'start' | 'end' = mx + widthPx > width - 4 ? 'end' : 'start';
      return { x: mx, anchor, left: anchor === 'end' ? mx - widthPx - 2 : mx, right: anchor === 'end' ? mx : mx + widthPx + 2, label, marker: m };
    }),
    options.labelMarkers ? LABEL_ROWS : 1,
  ).map(({ x: mx, anchor, label, marker, row }) => ({
    x: mx,
    anchor,
    dx: anchor === 'end' ? -2 : 2,
    colour: MARKER_KINDS[marker.kind].colour,
    dash: MARKER_KINDS[marker.kind].dash,
    title: marker.title,
    label,
    labelY: 10 + row * LABEL_ROW_PX,
    top: options.labelMarkers ? 12 + row * LABEL_ROW_PX : rateTop,
  }));

  return {
    width,
    height,
    plotLeft,
    plotRight,
    title: options.title,
    rate: {
      top: rateTop,
      bottom: rateBottom,
      okPath: okArea(points) ?? '',
      errPath: errArea(points) ?? '',
      ticks: rate.ticks(4).map((t) => ({ y: px(rate(t)), label: t.toLocaleString('en-US') })),
    },
    latency: {
      top: latencyTop,
      bottom: latencyBottom,
      p50Path: latencyLine((p) => p.p50),
      p99Path: latencyLine((p) => p.p99),
      ticks: (logTicks.length >= 2 ? logTicks : latency.ticks(3)).map((t) => ({ y: px(latency(t)), label: latencyLabel(t) })),
    },
    xTicks: timeTicks(fromMs, toMs, 10).map((t) => ({ x: px(x(t)), label: axisTime(t, spanMs) })),
    windows,
    markers,
  };
}
