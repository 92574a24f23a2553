#!/usr/bin/env node
// Runs the vitest projects in two lanes, each project with the workers it can use: vitest takes one
// worker count for a whole run (per-project maxWorkers and fileParallelism are ignored, checked with
// vitest 3.2), and two cores would otherwise give every project a single worker.
//
// Lane 1 runs the CPU-bound unit and simulator tests, then the real drills on this machine's network
// namespaces. Lane 2 starts once the CPU-bound tests are done and runs the aws target's drills beside
// the host drills: both mostly wait on the wall clock, on different resources (loopback emulators on
// their own ports; the run's namespaces), and the sum of both lanes would not fit CI's 30 minutes.
// Lane 2's output is held back and printed whole when it ends, so that neither log is interleaved.
// Exits with the first failing project's code (lane 1 first), after running them all.
import { spawn } from 'node:child_process';

const CPU = [
  // CPU-bound unit and simulator tests: one worker per core
  { name: 'unit+sim', maxWorkers: 2 },
];
const LANE_1 = [
  // real drills that check the machine holds no keepalived, nginx or fd- namespace of faildrill's: alone
  { name: 'host-exclusive', maxWorkers: 1 },
  // real drills that check only their own run's namespaces, processes and rules: they mostly wait, two at once
  { name: 'host', maxWorkers: 2 },
];
const LANE_2 = [
  // drills that mostly wait on the wall clock, each on its own emulator and ports
  { name: 'aws', maxWorkers: 4 },
];

function runProject(project, { quiet = false } = {}) {
  const args = ['vitest', 'run', '--project', project.name, `--maxWorkers=${project.maxWorkers}`, ...process.argv.slice(2)];
  const header = `test-projects: $ npx ${args.join(' ')}\n`;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npx', args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const held = [header];
    if (!quiet) process.stdout.write(header);
    child.stdout?.on('data', (chunk) => held.push(chunk));
    child.stderr?.on('data', (chunk) => held.push(chunk));
    child.on('close', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      held.push(`test-projects: ${project.name} ended with ${code ?? signal} after ${seconds} s\n`);
      if (quiet) process.stdout.write(Buffer.concat(held.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))));
      else process.stdout.write(held.at(-1));
      resolve(code ?? 1);
    });
  });
}

async function lane(projects, options) {
  const codes = [];
  for (const project of projects) codes.push(await runProject(project, options));
  return codes;
}

const codes = await lane(CPU);
const [one, two] = await Promise.all([lane(LANE_1), lane(LANE_2, { quiet: true })]);
process.exit([...codes, ...one, ...two].find((code) => code !== 0) ?? 0);
