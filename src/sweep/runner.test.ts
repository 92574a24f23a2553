import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseScenario } from '../scenario/load.js';
import { SeedRunner } from './runner.js';
import { sourceOf } from './scenario-doc.js';
import { simTarget } from '../targets/sim/target.js';

const lbStrict = readFileSync(new URL('../../scenarios/lb-failover.yaml', import.meta.url), 'utf8').replace('rto: "< 120s"', 'rto: "< 1s"');

describe('SeedRunner', () => {
  it('keeps only compact figures per seed', async () => {
    const row = await new SeedRunner(sourceOf(lbStrict, 'strict.yaml'), false, simTarget).run(3);
    expect(row).toMatchObject({ seed: 3, verdict: 'fail', failure: 'rto:exceeded' });
    expect(row.rtoMs).toBeGreaterThan(1_000);
    expect(row.requestCount).toBeGreaterThan(80_000);
    expect(row.failed).toEqual([expect.stringMatching(/^rto .* >= limit 1\.0s$/)]);
    expect(Object.keys(row)).not.toContain('events');
  });

  it('shrinks a swarm draw: the shrunk scenario keeps the drawn values, drops swarm:, and still fails the same way', async () => {
    const text = `${lbStrict}\nswarm:\n  parameters:\n    - { path: load.clients, min: 20, max: 40 }\n`;
    const runner = new SeedRunner(sourceOf(text, 'strict-swarm.yaml'), true, simTarget);
    const row = await runner.run(5);
    const outcome = (await runner.shrink(5, 60))!;
    expect(outcome.failure).toBe(row.failure);
    expect(outcome.faults).toEqual({ before: 2, after: 1 });
    expect(outcome.attempts).toBeLessThanOrEqual(60);
    const doc = parse(outcome.yaml);
    expect(doc.swarm).toBeUndefined();
    expect(doc.load.clients).toBe(row.drawn!['load.clients']);
    const shrunk = parseScenario(outcome.yaml, 'shrunk.yaml');
    const again = await new SeedRunner(sourceOf(outcome.yaml, 'shrunk.yaml'), false, simTarget).run(5);
    expect(again.failure).toBe('rto:exceeded');
    expect(shrunk.scenario.faults[0]!.durationMs! + shrunk.scenario.faults[0]!.atMs).toBeLessThan(360_000);
  });

  it('does not shrink a passing seed', async () => {
    const passing = new SeedRunner(sourceOf(lbStrict.replace('rto: "< 1s"', 'rto: "< 10m"'), 'ok.yaml'), false, simTarget);
    expect(await passing.shrink(5, 10)).toBeUndefined();
  });
});
