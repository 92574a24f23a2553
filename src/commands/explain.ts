import type { Command } from 'commander';
import pc from 'picocolors';
import { ExitCode } from '../errors.js';
import { explainScenario } from '../explain/explain.js';
import { expectationOutlook } from '../explain/expectations.js';
import { faultBoundsRecord } from '../explain/record.js';
import { renderFault, renderOutlook } from '../explain/render.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { loadOrReport } from './load-or-report.js';

async function explain(file: string, options: { json?: boolean }): Promise<number> {
  const loaded = await loadOrReport(file);
  if (!loaded) return ExitCode.invalidInput;
  const { scenario } = loaded;
  const explanations = explainScenario(scenario);
  const outlook = expectationOutlook(scenario, explanations);
  if (options.json) {
    const faults = explanations.map((e) => ({ faultId: e.faultId, action: e.action, target: e.target, atMs: e.atMs, planned: e.planned, ...faultBoundsRecord(e) }));
    process.stdout.write(JSON.stringify({ scenario: scenario.name, file, faults, expectations: outlook }, null, 2) + '\n');
    return ExitCode.pass;
  }
  process.stdout.write(pc.bold(`faildrill explain ${scenario.name}`) + pc.dim(` (${file}): what the configuration implies, fault by fault\n\n`));
  if (explanations.length === 0) process.stdout.write('The scenario injects no faults and plans no maintenance.\n');
  for (const e of explanations) process.stdout.write(renderFault(e) + '\n');
  process.stdout.write(renderOutlook(outlook));
  return ExitCode.pass;
}

/** `faildrill explain <scenario>`: the bounds a scenario's configuration implies, before anything runs. */
export function registerExplain(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('explain')
    .description('print, per fault, the min and max detection, switch, RTO and failback the configuration implies, with formulas')
    .argument('<file>', 'scenario YAML file')
    .option('--json', 'print the bounds as JSON')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (file: string, options: { json?: boolean }) => setExit(await explain(file, options)));
}
