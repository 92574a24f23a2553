import type { Command } from 'commander';
import { ExitCode, ScenarioError } from '../errors.js';
import { loadScenarioFile } from '../scenario/load.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

async function validate(files: string[]): Promise<number> {
  let worst: number = ExitCode.pass;
  for (const file of files) {
    try {
      const { scenario } = await loadScenarioFile(file);
      process.stdout.write(`${file}: ok (${scenario.name}, ${scenario.faults.length} faults)\n`);
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
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (files: string[]) => setExit(await validate(files)));
}
