import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load.js';
import { inFlightBound } from '../load/open-loop.js';
import { k6Script } from './k6.js';

const scenario = (file: string) => parseScenario(readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8'), file).scenario;

/** The `options` object of a written script. */
const optionsOf = (script: string) => JSON.parse(/export const options = (\{[\s\S]*?\n\});/.exec(script)![1]!) as {
  scenarios: Record<string, { executor: string; rate: number; timeUnit: string; duration: string; preAllocatedVUs: number; maxVUs: number; exec: string }>;
  thresholds: Record<string, string[]>;
};

describe('the scenario as a k6 script', () => {
  it('sends the scenario’s rate for its duration as a constant-arrival-rate scenario, one VU per client, with its timeout', () => {
    const s = scenario('split-brain.yaml');
    const script = k6Script(s);
    const { scenarios } = optionsOf(script);
    expect(scenarios.main).toEqual({
      executor: 'constant-arrival-rate',
      exec: 'load_main',
      rate: s.load.ratePerSec,
      timeUnit: '1s',
      duration: `${s.durationMs / 1000}s`,
      preAllocatedVUs: s.load.clients,
      maxVUs: inFlightBound(s.load.ratePerSec, s.load.timeoutMs, s.load.clients),
    });
    // rate × timeout in flight at most (50/s × 2 s) plus one per client
    expect(scenarios.main!.maxVUs).toBe(50 * 2 + 10);
    expect(script).toContain(`, ${s.load.timeoutMs});`);
    expect(script).toContain('export function load_main()');
  });

  it('turns the expectations k6 can check into thresholds and names the others', () => {
    // split-brain.yaml: errors "<= 20" (k6 can count them), splitBrain "< 40s" (k6 cannot see VIP holders)
    const script = k6Script(scenario('split-brain.yaml'));
    expect(optionsOf(script).thresholds).toEqual({ errors: ['count<=20'] });
    expect(script).toMatch(/cannot measure.*splitBrain < 40s/);
    // host-split-brain.yaml: errorRate "< 5%" → the failed-request rate
    expect(optionsOf(k6Script(scenario('host-split-brain.yaml'))).thresholds).toEqual({ http_req_failed: ['rate<0.05'] });
  });

  it('gives each client population of `loads` a scenario of its own', () => {
    const s = scenario('full-stack.yaml');
    const { scenarios } = optionsOf(k6Script(s));
    expect(Object.keys(scenarios)).toEqual(['main', ...s.loads.map((l) => l.name)]);
  });

  it('is JavaScript a module parser accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faildrill-k6-'));
    try {
      const file = join(dir, 'full-stack.k6.mjs');
      writeFileSync(file, k6Script(scenario('full-stack.yaml')));
      expect(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
