import type { Command } from 'commander';
import { ExitCode, ScenarioError } from '../errors.js';
import { assertRunnable } from '../run/capability-check.js';
import { loadScenarioFile } from '../scenario/load.js';
import { targetNames, targetOf } from '../targets/registry.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

async function validate(files: string[], options: { target?: string }): Promise<number> {
  const target = options.target === undefined ? undefined : targetOf(options.target);
  let worst: number = ExitCode.pass;
  for (const file of files) {
    try {
      const loaded = await loadScenarioFile(file);
      if (target) assertRunnable(target.capabilities, target.name, loaded);
      const { scenario } = loaded;
      process.stdout.write(`${file}: ok (${scenario.name}, ${scenario.faults.length} faults${target ? `, runs on ${target.name}` : ''})\n`);
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
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (files: string[], options: { target?: string }) => setExit(await validate(files, options)));
}
