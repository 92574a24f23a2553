import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { faultCatalogue, type TargetName } from '../faults/catalogue.js';

const TARGETS: TargetName[] = ['sim', 'host', 'aws'];

function faults(options: { json?: boolean }): number {
  if (options.json) {
    process.stdout.write(JSON.stringify(faultCatalogue, null, 2) + '\n');
    return ExitCode.pass;
  }
  const width = Math.max(...faultCatalogue.map((k) => k.action.length));
  process.stdout.write(`${'action'.padEnd(width)}  ${TARGETS.map((t) => t.padEnd(4)).join(' ')}  what it does\n`);
  for (const kind of faultCatalogue) {
    const marks = TARGETS.map((t) => (kind.targets[t] ? 'yes ' : ' -  ')).join(' ');
    const params = [...kind.required, ...kind.optional.map((p) => `[${p}]`)].join(' ');
    process.stdout.write(`${kind.action.padEnd(width)}  ${marks}  ${kind.summary}${params ? ` — ${params}` : ''}\n`);
  }
  return ExitCode.pass;
}

/** `faildrill faults`: the fault catalogue and which target can apply each fault. */
export function registerFaults(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('faults')
    .description('list the fault catalogue with the targets that support each fault')
    .option('--json', 'print the catalogue as JSON, with how each target applies each fault')
    .action((options: { json?: boolean }) => setExit(faults(options)));
}
