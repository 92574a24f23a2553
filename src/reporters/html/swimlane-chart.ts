import { scaleLinear, scaleOrdinal } from 'd3-scale';
import { formatClock } from '../format.js';
import { CHART_WIDTH, PLOT_LEFT, PLOT_RIGHT, axisTime, px, timeTicks, type ChartFrame } from './layout.js';
import { MARKER_KINDS, type FaultSpan, type Marker } from './markers.js';
import type { Lane, Tone } from './swimlanes.js';

/** Fill per tone; values without a tone (server names, targets) take the categorical palette. */
export const TONE_FILL: Record<Tone, string> = { good: '#43a047', bad: '#e53935', warn: '#fb8c00', idle: '#9e9e9e' };
const CATEGORICAL = ['#1e88e5', '#8e24aa', '#00897b', '#6d4c41', '#3949ab', '#d81b60', '#546e7a'];

const LANE_PX = 20;
const LANE_GAP_PX = 4;
const SECTION_PX = 22;
const AXIS_PX = 24;
const CHAR_PX = 7;
const LABEL_CHARS = 26;

export interface SwimlaneView extends ChartFrame {
  sections: Array<{ title: string; y: number }>;
  lanes: Array<{ label: string; fullLabel: string; y: number; textY: number; spans: SpanView[] }>;
  windows: Array<{ x: number; width: number; cls: string }>;
  markers: Array<{ x: number; colour: string; title: string }>;
  xTicks: Array<{ x: number; label: string }>;
  axisY: number;
  laneHeight: number;
}

interface SpanView {
  x: number;
  width: number;
  fill: string;
  text: string;
  textX: number;
  title: string;
}

/** Lays lanes out under their section headings on the run's time axis, aligned with the timeline chart. */
export function swimlaneChart(lanes: readonly Lane[], durationMs: number, markers: readonly Marker[], windows: readonly FaultSpan[]): SwimlaneView {
  const x = scaleLinear().domain([0, Math.max(1, durationMs)]).range([PLOT_LEFT, PLOT_RIGHT]).clamp(true);
  const sections: SwimlaneView['sections'] = [];
  const laneViews: SwimlaneView['lanes'] = [];
  let y = 4;
  for (const lane of lanes) {
    if (sections.at(-1)?.title !== lane.section) {
      sections.push({ title: lane.section, y: y + 14 });
      y += SECTION_PX;
    }
    const palette = scaleOrdinal<string, string>().range(CATEGORICAL);
    const spans = lane.spans.map((s) => {
      const left = x(s.startMs);
      const width = Math.max(0.5, x(s.endMs) - left);
      const fits = width > s.state.length * CHAR_PX + 8;
      return {
        x: px(left),
        width: px(width),
        fill: s.tone ? TONE_FILL[s.tone] : palette(s.state),
        text: fits ? s.state : '',
        textX: px(left + 4),
        title: `${lane.label}: ${s.state} from ${formatClock(s.startMs)} to ${formatClock(s.endMs)}`,
      };
    });
    const label = lane.label.length > LABEL_CHARS ? `${lane.label.slice(0, LABEL_CHARS - 1)}…` : lane.label;
    laneViews.push({ label, fullLabel: lane.label, y, textY: y + 14, spans });
    y += LANE_PX + LANE_GAP_PX;
  }
  const axisY = y + 2;
  const chartMarkers = markers
    .filter((m) => m.kind === 'injected' || m.kind === 'removed')
    .map((m) => ({ x: px(x(m.atMs)), colour: MARKER_KINDS[m.kind].colour, title: m.title }));
  return {
    width: CHART_WIDTH,
    height: axisY + AXIS_PX,
    plotLeft: PLOT_LEFT,
    plotRight: PLOT_RIGHT,
    sections,
    lanes: laneViews,
    windows: windows.map((w) => ({
      x: px(x(w.startMs)),
      width: px(Math.max(1, x(w.endMs) - x(w.startMs))),
      cls: ['window', w.planned ? 'planned' : '', w.open ? 'open' : ''].filter(Boolean).join(' '),
    })),
    markers: chartMarkers,
    xTicks: timeTicks(0, durationMs, 10).map((t) => ({ x: px(x(t)), label: axisTime(t, durationMs) })),
    axisY,
    laneHeight: LANE_PX,
  };
}
