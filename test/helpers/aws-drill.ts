import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunResult } from '../../src/run/result.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { runCli, tempDir } from './cli.js';

/** How often the aws session reads the control plane back (src/targets/aws/session.ts POLL_MS), with slack for a busy machine. */
export const POLL_SLACK_MS = 1_500;
/** Timers fire a little late, never this much early. */
export const EARLY_MS = 50;

/** One drill on the aws target, as the CLI ran it. */
export interface AwsDrill {
  scenario: Scenario;
  result: RunResult;
  /** The CLI's console output (for messages on failure). */
  output: string;
  /** Wall-clock epoch ms just before the CLI was spawned and just after it exited. */
  spawnedAtMs: number;
  exitedAtMs: number;
}

/**
 * Runs `file` with `faildrill run --target aws --aws <emulator>` (faildrill starts the emulator), expects
 * exit 0, and returns the scenario as loaded and the run's result.json.
 */
export async function runAwsDrill(file: string, emulator: 'moto' | 'localstack' = 'moto'): Promise<AwsDrill> {
  const { scenario } = await loadScenarioFile(file);
  const out = tempDir();
  const spawnedAtMs = Date.now();
  const r = await runCli(['run', file, '--target', 'aws', '--aws', emulator, '--no-history', '--out', out, '--reporter', 'console,json']);
  const exitedAtMs = Date.now();
  expect(r.code, r.output).toBe(0);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  return { scenario, result, output: r.output, spawnedAtMs, exitedAtMs };
}
