import { isMap, isScalar, parseDocument } from 'yaml';
import { replayCommand, worstFirst, type ShrunkSchedule, type SweepReport } from '../../sweep/report.js';
import type { SeedRow } from '../../sweep/runner.js';
import { distributionOf, type Distribution } from '../../sweep/stats.js';
import { formatCount, formatMs, formatWhen } from '../format.js';
import { seedReplays, sweepCommand } from '../sweep-commands.js';
import type { Card } from './cards.js';
import { histogramChart, PERCENTILE_MARKS, type HistogramView } from './sweep-histogram.js';

/** Rows of the worst-seeds table. */
export const WORST_SHOWN = 15;
/** Failing seeds listed one by one; sweep.json keeps them all. */
export const FAILURES_SHOWN = 200;
/** Rows of the every-seed table; sweep.json keeps them all. */
export const ROWS_SHOWN = 5_000;

/**
 * What a sweep's reports know beyond sweep.json: where it was written and wall-clock facts. Every
 * field is optional; without them the reports depend on sweep.json alone.
 */
export interface SweepReportContext {
  /** The sweep folder as given on the command line: replay commands of files in it start with it. */
  dir?: string;
  /** Wall-clock start, ISO 8601 UTC. Never part of sweep.json. */
  startedAt?: string;
  /** Wall-clock duration of the sweep, milliseconds. */
  wallMs?: number;
  /** The shrunk scenarios as written, by seed (otherwise only their file names are shown). */
  shrunkYaml?: ReadonlyMap<number, string>;
}

type MetricKey = 'detectionMs' | 'switchMs' | 'rtoMs' | 'failbackMs';

const METRICS: Array<{ name: string; title: string; key: MetricKey }> = [
  { name: 'detection', title: 'Detection', key: 'detectionMs' },
  { name: 'switch', title: 'Switch', key: 'switchMs' },
  { name: 'RTO', title: 'RTO', key: 'rtoMs' },
  { name: 'failback', title: 'Failback', key: 'failbackMs' },
];

interface SeedLine {
  seed: number;
  verdict: 'pass' | 'fail';
  cells: string[];
  failed: string[];
  replay: string;
  drawn: string[];
  shrunkAnchor: string;
}

/** Everything the sweep template shows, as display strings and chart geometry. */
export interface SweepReportView {
  title: string;
  banner: {
    verdict: 'pass' | 'fail';
    verdictText: string;
    scenario: string;
    summary: string;
    facts: Array<{ name: string; value: string; title: string }>;
    rerun: string;
  };
  cards: Card[];
  distribution: { header: string[]; rows: string[][] };
  histograms: Array<{ title: string; caption: string; chart: HistogramView | undefined; empty: string }>;
  percentileLegend: Array<{ label: string; colour: string }>;
  worst: { rows: SeedLine[]; note: string; swarm: boolean };
  failures: { rows: SeedLine[]; note: string; total: number };
  shrunk: Array<{ seed: number; anchor: string; failure: string; file: string; size: string; schedule: string; yaml: string; replay: string; note: string }>;
  seeds: { rows: Array<{ verdict: string; cells: string[] }>; note: string; total: number };
}

const seedsText = (n: number) => `${formatCount(n)} seed${n === 1 ? '' : 's'}`;
const msOrNever = (v: number | null) => (v === null ? 'never' : formatMs(v));

function drawnOf(row: SeedRow): string[] {
  return Object.entries(row.drawn ?? {}).map(([k, v]) => `${k} = ${v}`);
}

/** The `faults:` and `operations:` of a scenario, as written in it; empty when it does not parse. */
export function scheduleText(yaml: string): string {
  const doc = parseDocument(yaml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return '';
  const parts: string[] = [];
  for (const pair of doc.contents.items) {
    if (!isScalar(pair.key) || !['faults', 'operations'].includes(String(pair.key.value)) || !pair.key.range) continue;
    const end = (pair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? pair.key.range[1];
    parts.push(yaml.slice(yaml.lastIndexOf('\n', pair.key.range[0]) + 1, end).trimEnd());
  }
  return parts.join('\n');
}

function sizeText(s: ShrunkSchedule): string {
  const count = (n: { before: number; after: number }, noun: string) => `${n.before} → ${n.after} ${noun}${n.after === 1 ? '' : 's'}`;
  const items = s.operations.before > 0 ? `${count(s.faults, 'fault')}, ${count(s.operations, 'operation')}` : count(s.faults, 'fault');
  const runs = `${formatCount(s.attempts)} run${s.attempts === 1 ? '' : 's'}`;
  return `${items}; total fault time ${formatMs(s.originalSize.totalDurationMs)} → ${formatMs(s.size.totalDurationMs)}; ${runs}`;
}

function cardsOf(report: SweepReport, dists: Record<MetricKey, Distribution>): Card[] {
  const total = report.rows.length;
  const splitBrains = report.rows.filter((r) => r.splitBrainMs > 0);
  const lost = report.rows.filter((r) => r.lostWrites > 0);
  const card = (name: string, value: string, sub: string, limit: string, status: Card['status']): Card => ({ name, value, sub, limit, status });
  const pct = (d: Distribution, label: string) => card(label, msOrNever(d.p95Ms), `p50 ${msOrNever(d.p50Ms)} · max ${msOrNever(d.maxMs)}`, d.never > 0 ? `p95 · never in ${seedsText(d.never)}` : 'p95', 'none');
  return [
    card('Seeds passed', `${formatCount(report.passed)} / ${formatCount(total)}`, report.failed > 0 ? `${seedsText(report.failed)} failed` : 'every seed passed', 'all expectations and invariants', report.failed > 0 ? 'fail' : 'pass'),
    pct(dists.detectionMs, 'Detection'),
    pct(dists.switchMs, 'Switch'),
    pct(dists.rtoMs, 'RTO'),
    pct(dists.failbackMs, 'Failback'),
    card(
      'Split brain',
      splitBrains.length === 0 ? 'none' : seedsText(splitBrains.length),
      splitBrains.length === 0 ? 'never two VIP holders' : `longest ${formatMs(Math.max(...splitBrains.map((r) => r.splitBrainMs)))}`,
      'seeds with two VIP holders',
      'none',
    ),
    card(
      'Lost writes',
      lost.length === 0 ? '0' : formatCount(Math.max(...lost.map((r) => r.lostWrites))),
      lost.length === 0 ? 'no seed lost a write' : `most in one seed; ${seedsText(lost.length)} lost some`,
      'acknowledged, not replicated',
      'none',
    ),
  ];
}

function seedCells(row: SeedRow): string[] {
  return [
    String(row.seed),
    row.verdict,
    msOrNever(row.detectionMs),
    msOrNever(row.switchMs),
    msOrNever(row.rtoMs),
    msOrNever(row.failbackMs),
    `${formatCount(row.errorCount)} / ${formatCount(row.requestCount)}`,
  ];
}

function seedLine(row: SeedRow, replay: (seed: number) => string, shrunk: ReadonlySet<number>): SeedLine {
  return {
    seed: row.seed,
    verdict: row.verdict,
    cells: seedCells(row),
    failed: row.failed.length > 0 || row.verdict === 'pass' ? row.failed : [row.failure ?? 'failed'],
    replay: replay(row.seed),
    drawn: drawnOf(row),
    shrunkAnchor: shrunk.has(row.seed) ? `shrunk-seed-${row.seed}` : '',
  };
}

/** Builds the sweep report's view: every figure formatted, every histogram laid out. */
export function buildSweepView(report: SweepReport, context: SweepReportContext = {}): SweepReportView {
  const dir = (context.dir ?? '.').replace(/\/$/, '') || '.';
  const rows = report.rows;
  const total = rows.length;
  const verdictText = report.verdict === 'pass' ? 'PASS' : 'FAIL';
  const dists: Record<MetricKey, Distribution> = {
    detectionMs: report.distribution.detection,
    switchMs: report.distribution.switch,
    rtoMs: report.distribution.rto,
    failbackMs: distributionOf(rows.map((r) => r.failbackMs)),
  };
  const replay = seedReplays(report, dir);
  const shrunkSeeds = new Set(report.failures.filter((f) => f.shrunk).map((f) => f.seed));
  const bySeed = new Map(rows.map((r) => [r.seed, r]));
  const ranked = [...rows].sort(worstFirst);
  const line = (r: SeedRow) => seedLine(r, replay, shrunkSeeds);

  const shard = report.shard ? `${report.shard.index} of ${report.shard.count}` : 'none (every seed)';
  const facts = [
    { name: 'scenario file', value: report.scenario.file, title: `hash ${report.scenario.hash}` },
    { name: 'seeds', value: `${report.seeds.spec} (${formatCount(report.seeds.count)} run here)`, title: '' },
    { name: 'shard', value: shard, title: '' },
    { name: 'swarm', value: report.swarm ? 'yes: timings and parameters drawn per seed' : 'no: the scenario as written', title: '' },
    { name: 'passed / failed', value: `${formatCount(report.passed)} / ${formatCount(report.failed)}`, title: '' },
    { name: 'target', value: `${report.target} (deterministic simulator)`, title: '' },
    { name: 'ran at', value: context.startedAt ? formatWhen(context.startedAt) : 'not recorded', title: context.startedAt ?? '' },
    { name: 'took (wall)', value: context.wallMs === undefined ? 'not recorded' : formatMs(context.wallMs), title: '' },
    { name: 'faildrill', value: report.faildrill.version, title: '' },
  ];
  const worstRow = report.worst ? bySeed.get(report.worst.seed) : undefined;
  const summary =
    report.failed > 0
      ? `${seedsText(report.failed)} of ${formatCount(total)} failed; the worst is seed ${report.worst?.seed ?? ranked[0]?.seed ?? 0}.`
      : `All ${seedsText(total)} passed; RTO p95 ${msOrNever(dists.rtoMs.p95Ms)}, max ${msOrNever(dists.rtoMs.maxMs)}${worstRow ? ` (seed ${worstRow.seed})` : ''}.`;

  const shown = ranked.slice(0, WORST_SHOWN).map(line);
  const failing = ranked.filter((r) => r.verdict === 'fail');
  const failureRows = failing.slice(0, FAILURES_SHOWN).map(line);
  const seedRows = rows.slice(0, ROWS_SHOWN);

  return {
    title: `${report.scenario.name} sweep — ${verdictText} — faildrill`,
    banner: {
      verdict: report.verdict,
      verdictText,
      scenario: report.scenario.name,
      summary,
      facts,
      rerun: sweepCommand(report),
    },
    cards: cardsOf(report, dists),
    distribution: {
      header: [`over ${seedsText(total)}`, 'happened', 'min', 'p50', 'p95', 'p99', 'max', 'never'],
      rows: METRICS.map(({ name, key }) => {
        const d = dists[key];
        return [name, formatCount(d.count), msOrNever(d.minMs), msOrNever(d.p50Ms), msOrNever(d.p95Ms), msOrNever(d.p99Ms), msOrNever(d.maxMs), formatCount(d.never)];
      }),
    },
    histograms: METRICS.map(({ name, title, key }) => {
      const d = dists[key];
      return {
        title,
        caption: `${title}: p50 ${msOrNever(d.p50Ms)} · p95 ${msOrNever(d.p95Ms)} · p99 ${msOrNever(d.p99Ms)} · max ${msOrNever(d.maxMs)} · never ${formatCount(d.never)}`,
        chart: histogramChart(name, rows.map((r) => r[key]), d),
        empty: `${title} did not happen in any of the ${seedsText(total)}.`,
      };
    }),
    percentileLegend: PERCENTILE_MARKS.map((m) => ({ label: m.label, colour: m.colour })),
    worst: {
      rows: shown,
      swarm: report.swarm,
      note: `The ${seedsText(shown.length)} with the longest RTO, failures first (of ${seedsText(total)}).`,
    },
    failures: {
      rows: failureRows,
      total: failing.length,
      note: failureRows.length < failing.length ? `The first ${formatCount(failureRows.length)} of ${formatCount(failing.length)} failing seeds; sweep.json lists them all.` : '',
    },
    shrunk: report.failures.flatMap((f) => {
      if (!f.shrunk) return [];
      const s = f.shrunk;
      const yaml = context.shrunkYaml?.get(f.seed) ?? '';
      return [
        {
          seed: f.seed,
          anchor: `shrunk-seed-${f.seed}`,
          failure: f.failure,
          file: s.file,
          size: sizeText(s),
          schedule: yaml ? scheduleText(yaml) : '',
          yaml,
          replay: replayCommand({ file: s.file, seed: f.seed, inSweepDir: true }, dir),
          note: s.exhausted ? 'The shrink budget ran out first: a smaller schedule may exist.' : '',
        },
      ];
    }),
    seeds: {
      rows: seedRows.map((r) => ({ verdict: r.verdict, cells: [...seedCells(r), r.splitBrainMs > 0 ? formatMs(r.splitBrainMs) : '—', formatCount(r.lostWrites)] })),
      total,
      note: seedRows.length < total ? `The first ${formatCount(seedRows.length)} of ${formatCount(total)} seeds; sweep.json lists them all.` : '',
    },
  };
}
