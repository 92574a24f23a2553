import type { Command } from 'commander';
import { ExitCode, UsageError } from '../errors.js';
import type { CleanupReport, Target } from '../run/target.js';
import { TargetsMap, targetOf } from '../targets/registry.js';

interface CleanupOptions {
  target?: string;
  force?: boolean;
  run?: string;
  json?: boolean;
}

function print(name: string, report: CleanupReport): void {
  const total = report.removed.reduce((n, r) => n + r.items.length, 0);
  if (total === 0) process.stdout.write(`cleanup (${name}): nothing left behind by faildrill runs\n`);
  for (const { kind, items } of report.removed) {
    if (items.length === 0) continue;
    process.stdout.write(`${name}: removed ${items.length} ${kind}:\n`);
    for (const item of items) process.stdout.write(`  ${item}\n`);
  }
  for (const skipped of report.skipped) process.stdout.write(`${name}: left alone: ${skipped}\n`);
  for (const error of report.errors) process.stderr.write(`cleanup (${name}): ${error}\n`);
}

/** The targets to clean: the one named, or every registered target that can leave something behind. */
function targetsToClean(name: string | undefined): Array<Target & Required<Pick<Target, 'cleanup'>>> {
  const chosen = name === undefined ? Object.values(TargetsMap).filter((t) => t.cleanup) : [targetOf(name)];
  for (const t of chosen) if (!t.cleanup) throw new UsageError(`target '${t.name}' leaves nothing behind: there is nothing to clean up`);
  return chosen as Array<Target & Required<Pick<Target, 'cleanup'>>>;
}

async function cleanup(options: CleanupOptions): Promise<number> {
  const reports: Record<string, CleanupReport> = {};
  for (const target of targetsToClean(options.target)) reports[target.name] = await target.cleanup({ force: options.force ?? false, ...(options.run !== undefined ? { run: options.run } : {}) });
  if (options.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else for (const [name, report] of Object.entries(reports)) print(name, report);
  return Object.values(reports).some((r) => r.errors.length > 0) ? ExitCode.environment : ExitCode.pass;
}

/** `faildrill cleanup`: undoes whatever killed runs left behind, on every target that journals its faults. */
export function registerCleanup(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('cleanup')
    .description('undo what killed runs left behind (fault rules, processes, namespaces, files), found through their journals')
    .option('--target <target>', 'only this target (default: every target that can leave something behind)')
    .option('--force', 'also remove runs whose process is still alive')
    .option('--run <id>', "only this run (host: its run id, folder name or tag, as in its namespaces' fd-<tag>- names); other runs are left alone")
    .option('--json', 'print what was removed as JSON')
    .action(async (options: CleanupOptions) => setExit(await cleanup(options)));
}
