import { textTable } from '../reporters/text-table.js';
import type { CalibratedFigure, Difference } from './compare.js';
import type { CalibrationReport } from './report.js';

const TITLES: Record<CalibratedFigure, string> = { detection: 'detection', switch: 'switch', rto: 'RTO' };

/** A duration to the millisecond: `812ms`, `6.716s`; an em dash when it did not happen. */
export function msText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const rounded = Math.round(ms);
  return Math.abs(rounded) < 1000 ? `${rounded}ms` : `${(rounded / 1000).toFixed(3)}s`;
}

const sign = (v: number) => (v > 0 ? '+' : v < 0 ? '−' : '±');

/** `+12ms (+0.2%)`, `−1.204s (−10.5%)`, `+30ms (sim 0)`. */
export function diffText(d: Difference): string {
  if (d.diffMs === null) return '—';
  const ms = `${sign(Math.round(d.diffMs))}${msText(Math.abs(d.diffMs))}`;
  const pct = d.diffPct === null ? 'sim 0' : `${sign(Number(d.diffPct.toFixed(1)))}${Math.abs(d.diffPct).toFixed(1)}%`;
  return `${ms} (${pct})`;
}

const seedsText = (seeds: readonly number[]) => (seeds.length > 1 && seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1) ? `${seeds[0]}..${seeds.at(-1)}` : seeds.join(','));

const yesNo = (v: boolean | null) => (v === null ? '—' : v ? 'in' : 'OUT');

/** The calibration as the console prints it: paired per seed, both distributions, each real run's checks, the verdict. */
export function formatCalibration(report: CalibrationReport, file: string, dir: string): string {
  const target = report.target;
  const { real, sim } = report.seeds;
  const figures = report.figures;
  const out: string[] = [];
  out.push(`faildrill calibrate ${report.scenario.name} (${file}): ${real.length} ${target} run${real.length === 1 ? '' : 's'} (seeds ${seedsText(real)}) against ${sim.count} simulator seeds (${sim.from}..${sim.to})\n`);

  out.push(`\nPaired: each ${target} run against the simulator's run of the same seed (${target} − sim)\n`);
  const pairedHeader = ['seed', ...figures.flatMap((f) => [`${TITLES[f.figure]} ${target} / sim`, 'diff'])];
  const pairedRows = real.map((seed, i) => [String(seed), ...figures.flatMap((f) => {
    const p = f.paired.seeds[i]!;
    return [`${msText(p.realMs)} / ${msText(p.simMs)}`, diffText(p)];
  })]);
  pairedRows.push(['median', ...figures.flatMap((f) => [`${msText(f.paired.realMedianMs)} / ${msText(f.paired.simMedianMs)}`, diffText(f.paired)])]);
  out.push(textTable(pairedHeader, pairedRows));

  out.push(`\nDistributions: ${real.length} ${target} run${real.length === 1 ? '' : 's'}, ${sim.count} simulator seeds (medians nearest-rank; spread = max − min)\n`);
  const range = (s: { minMs: number | null; maxMs: number | null; never: number }) => `${msText(s.minMs)}–${msText(s.maxMs)}${s.never > 0 ? ` (+${s.never} never)` : ''}`;
  out.push(
    textTable(
      ['figure', `${target} median`, `${target} range`, `${target} spread`, 'sim median', 'sim range', 'sim spread', 'diff of medians', `in sim range`, 'in explain bounds'],
      figures.map((f) => [
        TITLES[f.figure],
        msText(f.unpaired.real.medianMs),
        range(f.unpaired.real),
        msText(f.unpaired.real.spreadMs),
        msText(f.unpaired.sim.medianMs),
        range(f.unpaired.sim),
        msText(f.unpaired.sim.spreadMs),
        diffText(f.unpaired),
        `${f.insideSim}/${real.length}`,
        `${f.insideBounds}/${real.length}`,
      ]),
    ),
  );

  out.push(`\nEach ${target} run: inside the simulator's range / inside explain's bounds\n`);
  out.push(
    textTable(
      ['seed', 'verdict', ...figures.map((f) => TITLES[f.figure]), 'report'],
      report.realRuns.map((r) => [
        String(r.seed),
        r.verdict,
        ...figures.map((f) => `${yesNo(r.insideSim[f.figure])} / ${yesNo(r.insideBounds[f.figure])}`),
        `${dir}/${r.outDir}/report.html`,
      ]),
    ),
  );

  const c = report.criterion;
  const verdict = c.pass ? 'PASS' : 'FAIL';
  const why = c.reason ?? `${diffText(c)} ${c.pass ? 'within' : 'beyond'} --max-diff ${c.maxDiffPct}%`;
  out.push(`\nPaired median RTO over seeds ${seedsText(real)}: ${target} ${msText(c.realMedianMs)}, sim ${msText(c.simMedianMs)}: ${why}\n`);
  const rto = figures.find((f) => f.figure === 'rto')!.unpaired;
  out.push(`Unpaired median RTO (${sim.count} sim seeds, not the criterion): ${target} ${msText(rto.real.medianMs)}, sim ${msText(rto.sim.medianMs)}: ${diffText(rto)}\n`);
  out.push(`\n ${verdict}  ${report.scenario.name} calibration on ${target} → ${dir}\n`);
  return out.join('');
}
