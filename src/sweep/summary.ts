import { formatDurationMs } from '../scenario/duration.js';
import { replayCommand, type ShrunkSchedule, type SweepReport } from './report.js';
import type { Distribution } from './stats.js';

/** Failures listed one by one before the list is cut short. */
const FAILURES_SHOWN = 10;

const ms = (value: number | null) => (value === null ? '—' : formatDurationMs(value));

function distributionTable(report: SweepReport): string[] {
  const header = `over ${report.rows.length} seeds`.padEnd(16);
  const cols = ['p50', 'p95', 'p99', 'max', 'never'];
  const row = (name: string, d: Distribution) =>
    `  ${name.padEnd(14)}${[d.p50Ms, d.p95Ms, d.p99Ms, d.maxMs].map((v) => ms(v).padStart(10)).join('')}${String(d.never).padStart(8)}`;
  return [
    `  ${header}${cols.map((c, i) => c.padStart(i === 4 ? 8 : 10)).join('')}`,
    row('detection', report.distribution.detection),
    row('switch', report.distribution.switch),
    row('rto', report.distribution.rto),
  ];
}

function sizeText(s: ShrunkSchedule): string {
  const count = (n: { before: number; after: number }, noun: string) => `${n.before} → ${n.after} ${noun}${n.after === 1 ? '' : 's'}`;
  const items = s.operations.before > 0 ? `${count(s.faults, 'fault')}, ${count(s.operations, 'operation')}` : count(s.faults, 'fault');
  return `${items}, total fault time ${formatDurationMs(s.originalSize.totalDurationMs)} → ${formatDurationMs(s.size.totalDurationMs)}`;
}

/**
 * The end-of-sweep summary: distribution, verdict, worst seed with its replay command, failures and
 * their shrunk schedules (the worst one printed in full as a scenario file, the others by path).
 */
export function formatSweepSummary(report: SweepReport, outDir: string, shrunkYaml: ReadonlyMap<number, string>): string {
  const lines: string[] = ['', 'distribution', ...distributionTable(report), ''];
  lines.push(`${report.rows.length} seeds: ${report.passed} passed, ${report.failed} failed`);
  if (report.worst) {
    const w = report.worst;
    lines.push(`worst seed: ${w.seed} (${w.verdict}, rto ${ms(w.rtoMs)}${w.failed.length ? `; ${w.failed.join('; ')}` : ''})`);
    lines.push(`  replay: ${replayCommand(w.replay, outDir)}`);
  }
  if (report.failures.length > 0) {
    lines.push('', `failures (${report.failures.length}, worst first):`);
    for (const f of report.failures.slice(0, FAILURES_SHOWN)) lines.push(`  seed ${f.seed}: ${f.failed.join('; ') || f.failure}`);
    if (report.failures.length > FAILURES_SHOWN) lines.push(`  … and ${report.failures.length - FAILURES_SHOWN} more in sweep.json`);
  }
  let printedInFull = false;
  for (const f of report.failures) {
    if (!f.shrunk) continue;
    const s = f.shrunk;
    const file = `${outDir.replace(/\/$/, '')}/${s.file}`;
    lines.push(
      '',
      `shrunk seed ${f.seed} (${f.failure}): ${sizeText(s)}, ${s.attempts} runs${s.exhausted ? ' (budget spent)' : ''}`,
    );
    if (!printedInFull) lines.push(`  ${file}:`, ...(shrunkYaml.get(f.seed) ?? '').trimEnd().split('\n').map((l) => `    ${l}`));
    printedInFull = true;
    lines.push(`  replay: faildrill run ${file} --seed ${f.seed}`);
  }
  lines.push('', `wrote ${outDir.replace(/\/$/, '')}/sweep.json`);
  return lines.join('\n') + '\n';
}
