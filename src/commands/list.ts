import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { loadScenarioFile } from '../scenario/load.js';

/** Where the shipped scenarios live (beside dist/ and src/). */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

async function list(): Promise<number> {
  const files = (await readdir(SCENARIOS_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    const path = join(SCENARIOS_DIR, f);
    const shown = relative(process.cwd(), path).padEnd(40);
    try {
      const { scenario } = await loadScenarioFile(path);
      process.stdout.write(`${shown} ${scenario.description}\n`);
    } catch (err) {
      process.stdout.write(`${shown} (invalid: ${(err as Error).message.split('\n')[0]})\n`);
    }
  }
  return ExitCode.pass;
}

/** `faildrill list`. */
export function registerList(cli: Command, setExit: (code: number) => void): void {
  cli
    .command('list')
    .description('list the shipped scenarios with their descriptions')
    .action(async () => setExit(await list()));
}
