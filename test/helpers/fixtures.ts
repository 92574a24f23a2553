import { readFileSync } from 'node:fs';
import type { RunResult } from '../../src/run/result.js';

/**
 * A real result.json, unmodified: `scenarios/full-stack.yaml` at its own seed, as
 * `scripts/gen-fixtures.mjs` (`npm run fixtures`) writes it. It has DNS, load balancer, VIP, database
 * and autoscaling events, so every swimlane section has something to draw.
 */
export function fixtureResult(): RunResult {
  return JSON.parse(readFileSync(new URL('../fixtures/result-full-stack.json', import.meta.url), 'utf8')) as RunResult;
}
