#!/usr/bin/env node
// Runs the three vitest projects one after the other, each with the workers it can use: vitest takes
// one worker count for a whole run (per-project maxWorkers and fileParallelism are ignored, checked with
// vitest 3.2), and two cores would otherwise give every project a single worker.
// Exits with the first failing project's code, after running them all.
import { spawnSync } from 'node:child_process';

const PROJECTS = [
  // CPU-bound unit and simulator tests: one worker per core
  { name: 'unit+sim', maxWorkers: 2 },
  // real drills that check the machine holds no keepalived, nginx or fd- namespace of faildrill's: one at a time
  { name: 'host', maxWorkers: 1 },
  // drills that mostly wait on the wall clock, each on its own emulator and ports
  { name: 'aws', maxWorkers: 4 },
];

let failed = 0;
for (const project of PROJECTS) {
  const args = ['vitest', 'run', '--project', project.name, `--maxWorkers=${project.maxWorkers}`, ...process.argv.slice(2)];
  console.log(`test-projects: $ npx ${args.join(' ')}`);
  const result = spawnSync('npx', args, { stdio: 'inherit' });
  const code = result.status ?? 1;
  if (code !== 0 && failed === 0) failed = code;
}
process.exit(failed);
