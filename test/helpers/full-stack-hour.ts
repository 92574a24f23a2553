import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli.js';
import { simulate } from './sim.js';

/** The shipped full-stack scenario with its duration raised to one simulated hour, run in-process. */
export async function fullStackHour() {
  const text = readFileSync(join(repoRoot, 'scenarios/full-stack.yaml'), 'utf8');
  const hour = text.replace(/^duration: .*$/m, 'duration: 1h');
  if (hour === text) throw new Error('scenarios/full-stack.yaml has no top-level `duration:` line to override');
  return simulate(hour);
}
