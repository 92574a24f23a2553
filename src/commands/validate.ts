import type { Command } from 'commander';
import { ExitCode, ScenarioError } from '../errors.js';
import { assertRunnable } from '../run/capability-check.js';
import { explainScenario } from '../explain/explain.js';
import { expectationOutlook } from '../explain/expectations.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.js';
import { targetNames, targetOf } from '../targets/registry.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

/** Warning lines for expectations the configuration cannot meet (`faildrill explain` shows the bounds); true when there were any. */
function warnUnmeetable(file: string, loaded: LoadedScenario): boolean {
  const unmeetable = expectationOutlook(loaded.scenario, explainScenario(loaded.scenario)).filter((o) => o.verdict === 'cannot');
  for (const o of unmeetable) process.stdout.write(`${file}: warning: ${o.message} (faildrill explain ${file})\n`);
  return unmeetable.length > 0;
}

async function validate(files: string[], options: { target?: string; strict?: boolean }): Promise<number> {
  const target = options.target === undefined ? undefined : targetOf(options.target);
  let worst: number = ExitCode.pass;
  for (const file of files) {
    try {
      const loaded = await loadScenarioFile(file);
      if (target) assertRunnable(target.capabilities, target.name, loaded);
      const { scenario } = loaded;
      process.stdout.write(`${file}: ok (${scenario.name}, ${scenario.faults.length} faults${target ? `, runs on ${target.name}` : ''})\n`);
      if (warnUnmeetable(file, loaded) && options.strict && worst === ExitCode.pass) worst = ExitCode.expectationMissed;
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      process.stderr.write(err.message + '\n');
      worst = ExitCode.invalidInput;
    }
  }
  return worst;
}

/** `faildrill validate <files...>`. */
export function registerValidate(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('validate')
    .description('check scenario files without running them')
    .argument('<files...>', 'scenario YAML files')
    .option('--target <target>', `also check that this target can run them: ${targetNames().join(', ')}`)
    .option('--strict', 'exit 1 when an expectation cannot be met by the configuration (see faildrill explain); without it, a warning only')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (files: string[], options: { target?: string; strict?: boolean }) => setExit(await validate(files, options)));
}
