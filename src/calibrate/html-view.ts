import { histogramChart, PERCENTILE_MARKS, type HistogramView } from '../reporters/html/sweep-histogram.js';
import { px } from '../reporters/html/layout.js';
import { distributionOf } from '../sweep/stats.js';
import { valueOf, type CalibratedFigure } from './compare.js';
import type { CalibrationReport } from './report.js';
import { diffText, msText } from './table.js';

const TITLES: Record<CalibratedFigure, string> = { detection: 'Detection', switch: 'Switch', rto: 'RTO' };
const ROW_PX = 16;
const STRIP_TOP = 8;

/** The real runs drawn under a figure's histogram, on its x axis: each run beside the simulator's run of its seed, and explain's bound as a band. */
export interface RunStrip {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  band: { x: number; width: number; title: string } | null;
  rows: Array<{ y: number; label: string; realX: number | null; simX: number | null; inside: boolean; title: string }>;
}

export interface FigureView {
  title: string;
  caption: string;
  chart: HistogramView | undefined;
  strip: RunStrip | undefined;
  empty: string;
}

/** Everything calibrate.hbs shows. */
export interface CalibrationView {
  title: string;
  banner: { verdict: 'pass' | 'fail'; verdictText: string; scenario: string; summary: string; facts: Array<{ name: string; value: string }>; rerun: string };
  paired: { header: string[]; rows: string[][] };
  unpaired: { header: string[]; rows: string[][] };
  runs: { header: string[]; rows: Array<{ cells: string[]; report: string }> };
  figures: FigureView[];
  percentileLegend: Array<{ label: string; colour: string }>;
  target: string;
}

function stripOf(report: CalibrationReport, figure: CalibratedFigure, chart: HistogramView): RunStrip {
  const [lo, hi] = chart.domainMs;
  const x = (v: number) => chart.plotLeft + ((v - lo) / (hi - lo || 1)) * (chart.plotRight - chart.plotLeft);
  const clamp = (v: number) => Math.min(chart.plotRight, Math.max(chart.plotLeft, x(v)));
  const paired = report.figures.find((f) => f.figure === figure)!.paired;
  const rows = report.realRuns.map((r, i) => {
    const p = paired.seeds[i]!;
    const realMs = valueOf(r, figure);
    return {
      y: STRIP_TOP + i * ROW_PX + ROW_PX / 2,
      label: `seed ${r.seed}`,
      realX: realMs === null ? null : px(x(realMs)),
      simX: p.simMs === null ? null : px(x(p.simMs)),
      inside: r.insideSim[figure],
      title: `seed ${r.seed}: ${report.target} ${msText(realMs)}, sim ${msText(p.simMs)}, ${diffText(p)}`,
    };
  });
  const bound = report.bounds[figure];
  const band = bound
    ? {
        x: px(clamp(bound.min)),
        width: px(clamp(bound.max ?? hi) - clamp(bound.min)),
        title: `explain's bound: ${msText(bound.min)}–${bound.max === null ? '∞' : msText(bound.max)}`,
      }
    : null;
  return { width: chart.width, height: STRIP_TOP * 2 + rows.length * ROW_PX, plotLeft: chart.plotLeft, plotRight: chart.plotRight, band, rows };
}

/** The calibration page's view: the tables the console prints, and per figure the simulator's histogram with the real runs under it. */
export function buildCalibrationView(report: CalibrationReport, rerun: string): CalibrationView {
  const target = report.target;
  const { real, sim } = report.seeds;
  const c = report.criterion;
  const figures = report.figures.map((f): FigureView => {
    const simValues = report.simRuns.map((r) => valueOf(r, f.figure));
    const realValues = report.realRuns.map((r) => valueOf(r, f.figure)).filter((v): v is number => v !== null);
    const chart = histogramChart(TITLES[f.figure], simValues, distributionOf(simValues), realValues);
    return {
      title: TITLES[f.figure],
      caption: `${TITLES[f.figure]}: ${sim.count} simulator seeds (bars), the ${real.length} ${target} runs below on the same axis (dot: ${target}, square: the simulator's run of the same seed; shaded: explain's bound)`,
      chart,
      strip: chart ? stripOf(report, f.figure, chart) : undefined,
      empty: `${TITLES[f.figure]} happened in no simulator seed.`,
    };
  });
  return {
    title: `${report.scenario.name} — calibration on ${target}`,
    banner: {
      verdict: report.verdict,
      verdictText: report.verdict.toUpperCase(),
      scenario: report.scenario.name,
      summary: c.reason ?? `paired median RTO ${target} ${msText(c.realMedianMs)} vs sim ${msText(c.simMedianMs)}: ${diffText(c)}, ${c.pass ? 'within' : 'beyond'} ${c.maxDiffPct}%`,
      facts: [
        { name: 'target', value: target },
        { name: `${target} runs`, value: `${real.length} (seeds ${real.join(', ')})` },
        { name: 'simulator seeds', value: `${sim.count} (${sim.from}..${sim.to})` },
        { name: 'max diff (paired median RTO)', value: `${c.maxDiffPct}%` },
        { name: 'started', value: report.startedAt },
      ],
      rerun,
    },
    paired: {
      header: ['seed', ...report.figures.flatMap((f) => [`${TITLES[f.figure]} ${target}`, 'sim', 'diff'])],
      rows: [
        ...real.map((seed, i) => [String(seed), ...report.figures.flatMap((f) => [msText(f.paired.seeds[i]!.realMs), msText(f.paired.seeds[i]!.simMs), diffText(f.paired.seeds[i]!)])]),
        ['median', ...report.figures.flatMap((f) => [msText(f.paired.realMedianMs), msText(f.paired.simMedianMs), diffText(f.paired)])],
      ],
    },
    unpaired: {
      header: ['figure', `${target} median`, `${target} min–max`, 'sim median', 'sim min–max', 'diff of medians', 'in sim range', 'in explain bounds'],
      rows: report.figures.map((f) => [
        TITLES[f.figure],
        msText(f.unpaired.real.medianMs),
        `${msText(f.unpaired.real.minMs)}–${msText(f.unpaired.real.maxMs)}`,
        msText(f.unpaired.sim.medianMs),
        `${msText(f.unpaired.sim.minMs)}–${msText(f.unpaired.sim.maxMs)}`,
        diffText(f.unpaired),
        `${f.insideSim}/${real.length}`,
        `${f.insideBounds}/${real.length}`,
      ]),
    },
    runs: {
      header: ['seed', 'verdict', ...report.figures.map((f) => `${TITLES[f.figure]} (sim range / bounds)`), 'outside bounds'],
      rows: report.realRuns.map((r) => ({
        cells: [
          String(r.seed),
          r.verdict,
          ...report.figures.map((f) => `${r.insideSim[f.figure] ? 'in' : 'OUT'} / ${r.insideBounds[f.figure] === null ? '—' : r.insideBounds[f.figure] ? 'in' : 'OUT'}`),
          r.outsideBounds.length > 0 ? r.outsideBounds.join(', ') : '—',
        ],
        report: `${r.outDir}/report.html`,
      })),
    },
    figures,
    percentileLegend: PERCENTILE_MARKS.map((m) => ({ label: m.label, colour: m.colour })),
    target,
  };
}
