import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { k6Script } from '../export/k6.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { loadOrReport } from './load-or-report.js';

/** Scenario loads written in other tools' formats, by format name. */
const FORMATS = new Map([['k6', k6Script]]);

async function exportLoad(format: string, file: string, options: { out?: string }): Promise<number> {
  const write = FORMATS.get(format);
  if (!write) {
    process.stderr.write(`faildrill export: unknown format '${format}'; expected one of ${[...FORMATS.keys()].join(', ')}\n`);
    return ExitCode.invalidInput;
  }
  const loaded = await loadOrReport(file);
  if (!loaded) return ExitCode.invalidInput;
  const text = write(loaded.scenario);
  if (!options.out) {
    process.stdout.write(text);
    return ExitCode.pass;
  }
  try {
    writeFileSync(options.out, text);
  } catch (err) {
    process.stderr.write(`faildrill export: cannot write ${options.out}: ${(err as Error).message}\n`);
    return ExitCode.environment;
  }
  process.stdout.write(`wrote ${options.out}\n`);
  return ExitCode.pass;
}

/** `faildrill export k6 <scenario>`: the scenario's load as a k6 script (k6 itself is not installed or run). */
export function registerExport(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('export')
    .description("write the scenario's load for another tool: k6 (constant-arrival-rate scenarios, thresholds from expect)")
    .argument('<format>', 'k6')
    .argument('<file>', 'scenario YAML file')
    .option('--out <file>', 'write the script to this file instead of stdout')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (format: string, file: string, options: { out?: string }) => setExit(await exportLoad(format, file, options)));
}
