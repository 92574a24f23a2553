import type { FaultMetrics } from '../../measure/metrics.js';
import type { RunResult, Verdict } from '../../run/result.js';
import { formatClock, formatCount, formatMs, formatWhen, reproduceCommand } from '../format.js';
import type { RunContext } from '../reporter.js';
import { boundBar, flaggedFigures, type BoundBar } from './bound-bars.js';
import { cardsOf, type Card } from './cards.js';
import { faultSpansOf, markersOf, MARKER_KINDS } from './markers.js';
import { swimlaneChart, TONE_FILL, type SwimlaneView } from './swimlane-chart.js';
import { buildLanes } from './swimlanes.js';
import { timelineChart, type TimelineChartView } from './timeline-chart.js';
import { trendOf, type TrendView } from './trend.js';
import { TargetsMap } from '../../targets/registry.js';

/** Detail charts sit two abreast: a narrower drawing keeps their text legible. */
const DETAIL_WIDTH = 560;
/** Rows of the event log table at most; result.json keeps every event. */
export const MAX_EVENT_ROWS = 5_000;

interface DetailChart {
  title: string;
  charts: TimelineChartView[];
}

/** Everything the report template shows, as display strings and chart geometry. */
export interface ReportView {
  title: string;
  banner: {
    verdict: Verdict;
    verdictText: string;
    scenario: string;
    description: string;
    facts: Array<{ name: string; value: string; title: string }>;
    reproduce: string;
    failed: string[];
    /** Figures outside the bounds the configuration implies. */
    flagged: string[];
  };
  cards: Card[];
  timeline: TimelineChartView;
  legend: Array<{ label: string; colour: string; dash: string }>;
  details: DetailChart[];
  swimlanes: SwimlaneView | undefined;
  toneLegend: Array<{ label: string; fill: string }>;
  faults: Array<{ cells: Array<{ text: string; bar?: BoundBar }>; planned: boolean }>;
  events: { rows: Array<{ time: string; component: string; type: string; detail: string; tone: string }>; components: string[]; total: number; note: string };
  scenarioYaml: string;
  environment: Array<{ name: string; value: string }>;
  trend: TrendView;
}

function detailCharts(result: RunResult): DetailChart[] {
  const markers = markersOf(result.metrics.perFault);
  const windows = faultSpansOf(result.metrics.perFault, result.durationMs);
  const minPadMs = Math.max(10_000, result.timeline.bucketMs * 5);
  const around = (title: string, startMs: number, moments: Array<number | null>) => {
    const endMs = Math.max(startMs, ...moments.filter((t): t is number => t !== null));
    const pad = Math.max(minPadMs, (endMs - startMs) * 0.25);
    return timelineChart(result.timeline, {
      fromMs: Math.max(0, startMs - pad),
      toMs: Math.min(result.durationMs, endMs + pad),
      title,
      markers,
      windows,
      labelMarkers: true,
      height: 250,
      width: DETAIL_WIDTH,
      plotLeft: 52,
      plotRight: DETAIL_WIDTH - 12,
    });
  };
  return result.metrics.perFault.map((f) => {
    const charts = [around(`${f.faultId}: injection to recovery`, f.injectedAtMs, [f.detectedAtMs, f.switchedAtMs, f.recoveredAtMs])];
    if (f.removedAtMs !== null) charts.push(around(`${f.faultId}: removal to failback`, f.removedAtMs, [f.failedBackAtMs]));
    return { title: `${f.faultId} — ${f.action} on ${f.target}${f.planned ? ' (planned maintenance)' : ''}`, charts };
  });
}

/** Per-fault table cells; detection, switch, time to switch, RTO and failback carry the bar of their bound. */
function faultRows(perFault: readonly FaultMetrics[]): ReportView['faults'] {
  const cell = (text: string, f?: FaultMetrics, figure?: string) => {
    const bar = f && figure ? boundBar(f, figure) : undefined;
    return bar ? { text, bar } : { text };
  };
  return perFault.map((f) => ({
    planned: f.planned,
    cells: [
      cell(f.faultId),
      cell(f.planned ? `${f.action} (planned)` : f.action),
      cell(f.target),
      cell(formatClock(f.injectedAtMs)),
      cell(f.removedAtMs === null ? 'still active' : formatClock(f.removedAtMs)),
      cell(f.firstNoticedMs === null ? '—' : `${formatMs(f.firstNoticedMs)} (${f.firstNoticedBy})`),
      cell(f.detectionMs === null ? '—' : `${formatMs(f.detectionMs)}${f.detectedBy ? ` (${f.detectedBy}${f.detectedVia ? `: ${f.detectedVia}` : ''})` : ''}`, f, 'detection'),
      cell(formatMs(f.switchMs), f, 'switch'),
      cell(formatMs(f.timeToSwitchMs), f, 'timeToSwitch'),
      cell(formatMs(f.rtoMs), f, 'rto'),
      cell(formatMs(f.firstSuccessMs)),
      cell(formatMs(f.failbackMs), f, 'failback'),
      cell(formatMs(f.downtimeMs)),
      cell(`${formatCount(f.errorCount)} / ${formatCount(f.requestCount)}`),
    ],
  }));
}

function eventRows(result: RunResult): ReportView['events'] {
  const shown = result.events.slice(0, MAX_EVENT_ROWS);
  const tone = (component: string, type: string) =>
    component === 'fault' ? 'fault' : type === 'failover' || type === 'route.changed' || type === 'answer' ? 'route' : '';
  return {
    rows: shown.map((e) => ({
      time: formatClock(e.atMs),
      component: e.component,
      type: e.type,
      detail: Object.entries(e.detail)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join('  '),
      tone: tone(e.component, e.type),
    })),
    components: [...new Set(result.events.map((e) => e.component))].sort(),
    total: result.events.length,
    note: shown.length < result.events.length ? `The first ${formatCount(shown.length)} of ${formatCount(result.events.length)} events; result.json holds them all.` : '',
  };
}

function environmentOf(result: RunResult, context: RunContext): ReportView['environment'] {
  const rows = [{ name: 'target', value: targetLabel(result.target) }];
  const endpoints = Object.entries(context.endpoints ?? {});
  rows.push({ name: 'endpoints', value: endpoints.length > 0 ? endpoints.map(([k, v]) => `${k} ${v}`).join(', ') : 'none (nothing outside this process)' });
  rows.push({ name: 'faildrill', value: result.faildrill.version });
  for (const [name, value] of Object.entries(context.tools ?? {})) if (name !== 'faildrill') rows.push({ name, value });
  rows.push({ name: 'result schema', value: String(result.schemaVersion) });
  return rows;
}

/** Builds the report's view: every figure formatted, every chart laid out. */
export function buildReportView(result: RunResult, context: RunContext = {}): ReportView {
  const file = context.file ?? result.scenario.file;
  const reproduce = reproduceCommand(file, result.seed, result.target);
  const markers = markersOf(result.metrics.perFault);
  const windows = faultSpansOf(result.metrics.perFault, result.durationMs);
  const lanes = buildLanes(result.events, result.durationMs);
  const commit = context.scenarioCommit;
  const verdictText = result.verdict.toUpperCase();
  return {
    title: `${result.scenario.name} — ${verdictText} — faildrill`,
    banner: {
      verdict: result.verdict,
      verdictText,
      scenario: result.scenario.name,
      description: result.scenario.description,
      facts: [
        { name: 'target', value: result.target, title: '' },
        { name: 'seed', value: String(result.seed), title: '' },
        { name: 'ran at', value: context.startedAt ? formatWhen(context.startedAt) : 'not recorded', title: context.startedAt ?? '' },
        { name: 'took (wall)', value: context.wallMs === undefined ? 'not recorded' : formatMs(context.wallMs), title: '' },
        { name: (Object.hasOwn(TargetsMap, result.target) && TargetsMap[result.target]!.deterministic) ? 'drill (simulated)' : 'drill', value: formatMs(result.durationMs), title: '' },
        { name: 'scenario file', value: file, title: `hash ${result.scenario.hash}` },
        { name: 'scenario commit', value: commit ? commit.slice(0, 12) : 'unknown (not committed or not in git)', title: commit ?? '' },
        { name: 'faildrill', value: result.faildrill.version, title: '' },
      ],
      reproduce,
      failed: [
        ...(result.stop ? [`${result.verdict} at ${formatClock(result.stop.atMs)}: ${result.stop.message} (stop condition ${result.stop.condition} ${result.stop.limit}); every fault undone, the run ended at ${formatClock(result.stop.endedAtMs ?? result.durationMs)}`] : []),
        ...result.expectations.filter((e) => !e.pass).map((e) => e.message),
      ],
      flagged: flaggedFigures(result.metrics.perFault),
    },
    cards: cardsOf(result),
    timeline: timelineChart(result.timeline, { fromMs: 0, toMs: result.durationMs, title: 'whole run', markers, windows, labelMarkers: false, height: 320 }),
    legend: Object.values(MARKER_KINDS).map((k) => ({ label: k.label, colour: k.colour, dash: k.dash })),
    details: detailCharts(result),
    swimlanes: lanes.length > 0 ? swimlaneChart(lanes, result.durationMs, markers, windows) : undefined,
    toneLegend: [
      { label: 'healthy / up / master / in service', fill: TONE_FILL.good },
      { label: 'unhealthy / stopped / unreachable / fault', fill: TONE_FILL.bad },
      { label: 'draining / slow / in progress', fill: TONE_FILL.warn },
      { label: 'unused / init / backup / not there', fill: TONE_FILL.idle },
    ],
    faults: faultRows(result.metrics.perFault),
    events: eventRows(result),
    scenarioYaml: result.scenarioYaml ?? '',
    environment: environmentOf(result, context),
    trend: trendOf(result, context),
  };
}

/** `sim (deterministic in-memory simulator, virtual clock)`: the target's name and what it is, from the registry. */
function targetLabel(name: string): string {
  const target = Object.hasOwn(TargetsMap, name) ? TargetsMap[name] : undefined;
  return target ? `${name} (${target.description})` : name;
}
