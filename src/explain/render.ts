import pc from 'picocolors';
import { formatDurationMs } from '../scenario/duration.js';
import type { ExpectationOutlook } from './expectations.js';
import { msText } from './expr.js';
import type { Bound, FaultExplanation, Figure } from './types.js';

const TITLES: Record<Figure, string> = {
  detection: 'detection',
  switch: 'switch',
  timeToSwitch: 'time to switch',
  rto: 'RTO',
  failback: 'failback',
  replacement: 'replacement',
  rpo: 'RPO',
  splitBrain: 'split brain',
};

const ms = (v: number) => msText(v);

function range(b: Bound): [string, string] {
  if (b.occurs === 'never' || !b.window) return ['never', ''];
  const min = ms(b.window.min.ms);
  const max = b.window.max ? ms(b.window.max.ms) : 'unbounded';
  return b.occurs === 'maybe' ? [`${min}`, `${max} (or never)`] : [min, max];
}

// eslint-disable-next-line no-control-regex -- strips ANSI colour codes to measure visible width
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(visible(h).length, ...rows.map((r) => visible(r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - visible(c).length))).join('  ').trimEnd();
  return [pc.dim(fmt(header)), ...rows.map(fmt)];
}

/** The explanation of one fault: a row per figure (min, max, who decides), then each bound's formula with its numbers. */
export function renderFault(e: FaultExplanation): string {
  const lines: string[] = [];
  const what = `${e.action}${e.planned ? ' (planned maintenance)' : ''} on ${e.target} at ${formatDurationMs(e.atMs)}`;
  lines.push(`${pc.bold(e.faultId)}  ${pc.dim(what)}`);
  lines.push(`  decided by ${e.decidedBy ? pc.cyan(e.decidedBy) : pc.yellow('nothing: no layer moves traffic away')}`);
  const rows = e.bounds.map((b) => {
    const [min, max] = range(b);
    return [TITLES[b.figure], min, max, b.occurs === 'never' ? pc.dim(b.note ?? '') : b.decidedBy === e.decidedBy ? '' : b.decidedBy];
  });
  lines.push(...table(['figure', 'min', 'max', 'decided by (when another)'], rows).map((l) => `  ${l}`));
  for (const b of e.bounds) {
    if (!b.window) continue;
    const { min, max } = b.window;
    lines.push(pc.dim(`  ${TITLES[b.figure]}:`));
    lines.push(`    min ${min.formula}${min.numbers !== min.formula ? pc.dim(` = ${min.numbers}`) : ''}`);
    lines.push(max ? `    max ${max.formula}${max.numbers !== max.formula ? pc.dim(` = ${max.numbers}`) : ''}` : '    max none: the configuration sets no upper bound');
    if (b.note) lines.push(pc.dim(`    ${b.note}`));
  }
  for (const note of e.notes) lines.push(pc.dim(`  · ${note}`));
  return lines.join('\n') + '\n';
}

/** Each expectation against the bounds: green when every run meets it, yellow when some may miss it, red when none can. */
export function renderOutlook(outlook: readonly ExpectationOutlook[]): string {
  if (outlook.length === 0) return '';
  const colour = { meets: pc.green, may: pc.yellow, cannot: pc.red } as const;
  const word = { meets: 'meets', may: 'may miss', cannot: 'CANNOT MEET' } as const;
  const lines = [pc.bold('Expectations against the bounds')];
  for (const o of outlook) lines.push(`  ${colour[o.verdict](word[o.verdict].padEnd(11))} ${o.message}`);
  return lines.join('\n') + '\n';
}
