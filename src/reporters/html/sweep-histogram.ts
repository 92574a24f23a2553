import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { Distribution } from '../../sweep/stats.js';
import { formatMs } from '../format.js';
import { px, type PlotFrame } from './layout.js';
import { LABEL_CHAR_PX, placeLabels } from './timeline-chart.js';

/** How each percentile is drawn. */
export const PERCENTILE_MARKS = [
  { key: 'p50Ms', label: 'p50', colour: '#0969da' },
  { key: 'p95Ms', label: 'p95', colour: '#bc4c00' },
  { key: 'p99Ms', label: 'p99', colour: '#cf222e' },
  { key: 'maxMs', label: 'max', colour: '#1f2328' },
] as const satisfies ReadonlyArray<{ key: keyof Distribution; label: string; colour: string }>;

/** Geometry of one histogram, ready for the `sweep-histogram` partial. */
export interface HistogramView extends PlotFrame {
  name: string;
  /** The y axis title is turned a quarter: its x is minus the middle of the plot's height. */
  yTitleX: number;
  bars: Array<{ x: number; y: number; width: number; height: number; title: string; label: string; labelX: number; labelY: number }>;
  never: { x: number; y: number; width: number; height: number; count: string; countY: number; labelX: number; title: string };
  markers: Array<{ x: number; labelX: number; labelY: number; top: number; anchor: 'start' | 'end'; colour: string; label: string; title: string }>;
  /** Share of all seeds at or below each value, a step line from 0 (bottom) to 100 % (top of the plot). */
  cumulativePath: string;
  /** The x axis: values from domainMs[0] at plotLeft to domainMs[1] at plotRight (linear), for drawing beside it. */
  domainMs: [number, number];
  xTicks: Array<{ x: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
}

const WIDTH = 560;
const HEIGHT = 236;
const LEFT = 44;
const NEVER_WIDTH = 34;
const NEVER_X = WIDTH - 12 - NEVER_WIDTH;
const RIGHT = NEVER_X - 22;
const LABEL_ROW_PX = 12;
const LABEL_ROWS = 3;
const TOP = 8 + LABEL_ROWS * LABEL_ROW_PX + 4;
const BOTTOM = HEIGHT - 40;

/** Axis label for a duration: `12s`, `12.5s`, `750ms`, `2m`. */
function tickLabel(ms: number): string {
  if (ms === 0) return '0';
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${Number((ms / 1_000).toFixed(2))}s`;
  return `${Math.round(ms)}ms`;
}

/** About 2·∛n bins (Rice), between 10 and 30: d3's nice edges may give somewhat fewer. */
export function binCountFor(n: number): number {
  return Math.max(10, Math.min(30, Math.ceil(2 * Math.cbrt(n))));
}

/** Round bin edges covering [min, max], from d3-scale's nice ticks. Always at least two edges. */
export function binEdges(min: number, max: number, bins: number): number[] {
  const pad = Math.max(1, Math.abs(max) * 0.05);
  const [lo, hi] = min === max ? [Math.max(0, min - pad), max + pad] : [min, max];
  const scale = scaleLinear().domain([lo, hi]).nice(bins);
  const edges = scale.ticks(bins);
  const [d0, d1] = scale.domain() as [number, number];
  if (edges[0]! > d0) edges.unshift(d0);
  if (edges.at(-1)! < d1) edges.push(d1);
  if (edges.at(-1)! <= max) edges.push(edges.at(-1)! + (edges[1]! - edges[0]!));
  return edges;
}

/** Counts values per bin: [e_i, e_{i+1}), the last bin closed. */
export function binCounts(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of values) {
    let i = edges.findIndex((e, k) => k > 0 && v < e) - 1;
    if (i < 0) i = counts.length - 1;
    counts[Math.max(0, i)]!++;
  }
  return counts;
}

/**
 * A histogram of one metric over the seeds of a sweep: bars of seeds per bin (d3-scale nice edges),
 * the cumulative share as a step line, p50/p95/p99/max marked, and a separate bar for seeds where it
 * never happened. Undefined when it happened in no seed. `alsoCover`: values the x axis must reach
 * too (a calibration's real runs, drawn beside it on the same axis).
 */
export function histogramChart(name: string, values: readonly (number | null)[], dist: Distribution, alsoCover: readonly number[] = []): HistogramView | undefined {
  const happened = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (happened.length === 0) return undefined;
  const edges = binEdges(Math.min(happened[0]!, ...alsoCover), Math.max(happened.at(-1)!, ...alsoCover), binCountFor(happened.length));
  const counts = binCounts(happened, edges);
  const x = scaleLinear()
    .domain([edges[0]!, edges.at(-1)!])
    .range([LEFT, RIGHT]);
  const y = scaleLinear()
    .domain([0, Math.max(1, ...counts, dist.never) * 1.08])
    .nice(4)
    .range([BOTTOM, TOP]);
  const seeds = (n: number) => `${n} seed${n === 1 ? '' : 's'}`;

  const bars = counts.flatMap((count, i) => {
    if (count === 0) return [];
    const left = x(edges[i]!);
    const width = Math.max(1, x(edges[i + 1]!) - left - 1);
    const top = y(count);
    const last = i === counts.length - 1;
    return [
      {
        x: px(left + 0.5),
        y: px(top),
        width: px(width),
        height: px(BOTTOM - top),
        title: `${name} ${formatMs(edges[i]!)} to ${formatMs(edges[i + 1]!)}${last ? ' (inclusive)' : ''}: ${seeds(count)}`,
        label: width >= 14 ? String(count) : '',
        labelX: px(left + 0.5 + width / 2),
        labelY: px(top - 3),
      },
    ];
  });

  const total = values.length;
  const cumulative = happened.map((v, i) => ({ v, share: (i + 1) / total }));
  const shareY = (share: number) => BOTTOM - share * (BOTTOM - TOP);
  const cumulativePath =
    line<{ v: number; share: number }>()
      .x((p) => x(p.v))
      .y((p) => shareY(p.share))
      .digits(1)([{ v: edges[0]!, share: 0 }, ...cumulative.flatMap((p, i) => [{ v: p.v, share: i / total }, p]), { v: edges.at(-1)!, share: happened.length / total }]) ?? '';

  const groups = new Map<number, string[]>();
  for (const mark of PERCENTILE_MARKS) {
    const v = dist[mark.key];
    if (v !== null) groups.set(v, [...(groups.get(v) ?? []), mark.label]);
  }
  const colourOf = (labels: string[]) => PERCENTILE_MARKS.find((m) => m.label === labels.at(-1))!.colour;
  const markers = placeLabels(
    [...groups.entries()].map(([value, labels]) => {
      const mx = px(x(value));
      const label = `${labels.join(' = ')} ${formatMs(value)}`;
      const widthPx = label.length * LABEL_CHAR_PX;
      const anchor: 'start' | 'end' = mx + widthPx > RIGHT + 20 ? 'end' : 'start';
      return { value, labels, mx, label, anchor, left: anchor === 'end' ? mx - widthPx - 2 : mx, right: anchor === 'end' ? mx : mx + widthPx + 2 };
    }),
    LABEL_ROWS,
  ).map((m) => ({
    x: m.mx,
    labelX: m.anchor === 'end' ? px(m.mx - 2) : px(m.mx + 2),
    labelY: 16 + m.row * LABEL_ROW_PX,
    top: 18 + m.row * LABEL_ROW_PX,
    anchor: m.anchor,
    colour: colourOf(m.labels),
    label: m.label,
    title: `${m.labels.join(', ')} of ${name}: ${formatMs(m.value)}`,
  }));

  const neverTop = y(dist.never);
  const every = Math.max(1, Math.ceil((edges.length - 1) / 8));
  return {
    name,
    width: WIDTH,
    height: HEIGHT,
    plotLeft: LEFT,
    plotRight: RIGHT,
    top: TOP,
    bottom: BOTTOM,
    yTitleX: -px((TOP + BOTTOM) / 2),
    bars,
    never: {
      x: NEVER_X,
      y: px(neverTop),
      width: NEVER_WIDTH,
      height: px(BOTTOM - neverTop),
      count: String(dist.never),
      countY: px(neverTop - 3),
      labelX: NEVER_X + NEVER_WIDTH / 2,
      title: `${name} never happened in ${seeds(dist.never)}`,
    },
    markers,
    cumulativePath,
    domainMs: [edges[0]!, edges.at(-1)!],
    xTicks: edges.filter((_, i) => i % every === 0).map((e) => ({ x: px(x(e)), label: tickLabel(e) })),
    yTicks: y
      .ticks(4)
      .filter((t) => Number.isInteger(t))
      .map((t) => ({ y: px(y(t)), label: String(t) })),
  };
}
