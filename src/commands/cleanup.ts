import type { Command } from 'commander';
import { EnvironmentError, ExitCode } from '../errors.js';
import { findProgram } from '../targets/host/preflight.js';
import { stateRoot } from '../targets/host/journal.js';
import { cleanupHost, type TeardownReport } from '../targets/host/teardown.js';

interface CleanupOptions {
  force?: boolean;
  json?: boolean;
}

function print(report: TeardownReport): void {
  const sections: Array<[string, string[]]> = [
    ['iptables rules', report.rules],
    ['processes', report.processes],
    ['network namespaces', report.namespaces],
    ['files', report.files],
  ];
  const total = sections.reduce((n, [, items]) => n + items.length, 0);
  if (total === 0) process.stdout.write('cleanup: nothing left behind by faildrill host runs\n');
  for (const [title, items] of sections) {
    if (items.length === 0) continue;
    process.stdout.write(`removed ${items.length} ${title}:\n`);
    for (const item of items) process.stdout.write(`  ${item}\n`);
  }
  for (const skipped of report.skipped ?? []) process.stdout.write(`left alone (still running; --force to remove): ${skipped}\n`);
  for (const error of report.errors) process.stderr.write(`cleanup: ${error}\n`);
}

async function cleanup(options: CleanupOptions): Promise<number> {
  const missing = [...(process.getuid?.() === 0 ? [] : ['root']), ...(findProgram('ip') ? [] : ['ip (iproute2)'])];
  if (missing.length > 0) throw new EnvironmentError(`cleanup needs ${missing.join(' and ')}`, missing);
  const report = await cleanupHost({ force: options.force ?? false });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else print(report);
  return report.errors.length > 0 ? ExitCode.environment : ExitCode.pass;
}

/** `faildrill cleanup`: undoes whatever a killed host run left behind. */
export function registerCleanup(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('cleanup')
    .description(
      `undo what killed host runs left: iptables rules of unfinished faults, processes, fd-* network namespaces, files under ${stateRoot()}`,
    )
    .option('--force', 'also remove runs whose process is still alive')
    .option('--json', 'print what was removed as JSON')
    .action(async (options: CleanupOptions) => setExit(await cleanup(options)));
}
