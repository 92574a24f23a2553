import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { faultCatalogue } from '../faults/catalogue.js';
import { faultAbility } from '../run/capabilities.js';
import { matrixColumns } from '../targets/registry.js';

const MARK = { yes: 'yes', planned: 'soon', no: '-' } as const;

function faults(options: { json?: boolean }): number {
  const columns = matrixColumns();
  if (options.json) {
    const rows = faultCatalogue.map((kind) => ({
      ...kind,
      targets: Object.fromEntries(columns.map((c) => [c.title, faultAbility(c.capabilities, kind.action)])),
    }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.pass;
  }
  const width = Math.max(...faultCatalogue.map((k) => k.action.length));
  const widths = columns.map((c) => Math.max(c.title.length, 4));
  process.stdout.write(`${'action'.padEnd(width)}  ${columns.map((c, i) => c.title.padEnd(widths[i]!)).join('  ')}  what it does\n`);
  for (const kind of faultCatalogue) {
    const marks = columns.map((c, i) => MARK[faultAbility(c.capabilities, kind.action).support].padEnd(widths[i]!)).join('  ');
    const params = [...kind.required, ...kind.optional.map((p) => `[${p}]`)].join(' ');
    process.stdout.write(`${kind.action.padEnd(width)}  ${marks}  ${kind.summary}${params ? ` — ${params}` : ''}\n`);
  }
  process.stdout.write(`\nyes: the target applies it today; soon: planned; -: not on that target. --json says how each target applies each fault.\n`);
  return ExitCode.pass;
}

/** `faildrill faults`: the fault catalogue and which target can apply each fault, from the targets' capabilities. */
export function registerFaults(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('faults')
    .description('list the fault catalogue with the targets that support each fault')
    .option('--json', 'print the catalogue as JSON, with how each target applies each fault')
    .action((options: { json?: boolean }) => setExit(faults(options)));
}
