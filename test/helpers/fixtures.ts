import { readFileSync } from 'node:fs';
import type { RunResult } from '../../src/run/result.js';

/**
 * A fixed result.json: the full-stack scenario (seed 2026, 30 min) with a failing failback expectation
 * added, plus VIP, database and autoscaling events so every swimlane section has something to draw.
 */
export function fixtureResult(): RunResult {
  return JSON.parse(readFileSync(new URL('../fixtures/result-full-stack.json', import.meta.url), 'utf8')) as RunResult;
}
