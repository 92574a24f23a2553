import { scaleLinear, scalePoint } from 'd3-scale';
import { line } from 'd3-shape';
import type { HistoryMetrics } from '../../history/history.js';
import { TREND_METRICS } from '../../history/trend.js';
import { formatMs } from '../format.js';
import { px, type PlotFrame } from './layout.js';

/** One run on the trend chart. */
export interface TrendPoint {
  /** Axis label: `11-23 20:45`. */
  label: string;
  /** Tooltip: time, seed, verdict. */
  title: string;
  current: boolean;
  metrics: HistoryMetrics;
}

export const TREND_COLOURS: Record<(typeof TREND_METRICS)[number]['name'], string> = { rto: '#c62828', detection: '#ef6c00', switch: '#1565c0' };

export interface TrendChartView extends PlotFrame {
  series: Array<{ name: string; colour: string; path: string; dots: Array<{ x: number; y: number; r: number; title: string }> }>;
  yTicks: Array<{ y: number; label: string }>;
  xTicks: Array<{ x: number; label: string }>;
  current?: { x: number; width: number };
}

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 56;
const RIGHT = 700;
const TOP = 12;
const BOTTOM = 180;

/** RTO, detection and switch across runs; the current run highlighted. Missing figures leave gaps. */
export function trendChart(points: readonly TrendPoint[]): TrendChartView {
  const x = scalePoint<number>()
    .domain(points.map((_, i) => i))
    .range([LEFT, RIGHT])
    .padding(0.5);
  const values = points.flatMap((p) => TREND_METRICS.map((m) => p.metrics[m.key])).filter((v): v is number => v !== null);
  const y = scaleLinear()
    .domain([0, Math.max(1_000, ...values)])
    .nice(4)
    .range([BOTTOM, TOP]);
  const series = TREND_METRICS.map(({ name, key }) => {
    const path =
      line<TrendPoint>()
        .defined((p) => p.metrics[key] !== null)
        .x((_, i) => x(i) ?? LEFT)
        .y((p) => y(p.metrics[key] ?? 0))
        .digits(1)(points as TrendPoint[]) ?? '';
    const dots = points.flatMap((p, i) => {
      const v = p.metrics[key];
      return v === null ? [] : [{ x: px(x(i) ?? LEFT), y: px(y(v)), r: p.current ? 5 : 3, title: `${name} ${formatMs(v)} — ${p.title}` }];
    });
    return { name, colour: TREND_COLOURS[name], path, dots };
  });
  const every = Math.max(1, Math.ceil(points.length / 8));
  const step = x.step();
  const currentIndex = points.findIndex((p) => p.current);
  const anchor = currentIndex >= 0 ? currentIndex : points.length - 1;
  return {
    width: WIDTH,
    height: HEIGHT,
    plotLeft: LEFT,
    plotRight: RIGHT,
    top: TOP,
    bottom: BOTTOM,
    series,
    yTicks: y.ticks(4).map((t) => ({ y: px(y(t)), label: formatMs(t) })),
    xTicks: points.flatMap((p, i) => (Math.abs(anchor - i) % every === 0 ? [{ x: px(x(i) ?? LEFT), label: p.label }] : [])),
    ...(currentIndex >= 0 ? { current: { x: px((x(currentIndex) ?? LEFT) - step / 2), width: px(step) } } : {}),
  };
}
