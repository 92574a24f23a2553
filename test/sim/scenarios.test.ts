import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { faildrill, repoRoot, tempDir } from '../helpers/cli.js';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const shipped = readdirSync(join(repoRoot, 'scenarios')).filter((f) => f.endsWith('.yaml')).sort();
/** Scenarios that fail by design (on every target): the run must detect what they provoke and exit 1. */
const MUST_FAIL = new Set(['host-split-brain.yaml']);

describe('shipped scenarios on the simulator', () => {
  it('ships the three core scenarios', () => {
    expect(shipped).toEqual(expect.arrayContaining(['dns-failover.yaml', 'lb-failover.yaml', 'planned-maintenance.yaml']));
  });

  describe.each(shipped)('%s', (file) => {
    const path = join('scenarios', file);

    it(MUST_FAIL.has(file) ? 'fails by design, exits 1 and writes result.json' : 'passes its expectations, exits 0 and writes result.json', () => {
      const out = tempDir();
      const run = faildrill(['run', path, '--out', out]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^seed=\d+\n/);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      if (MUST_FAIL.has(file)) {
        expect(run.code).toBe(1);
        expect(result.verdict).toBe('fail');
        return;
      }
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('PASS');
      expect(result.schemaVersion).toBe(1);
      expect(result.verdict).toBe('pass');
      expect(result.target).toBe('sim');
      expect(result.scenario.hash).toMatch(/^[0-9a-f]{16}$/);
      // open-loop clients: every population sends rate × duration requests, within one per client at the run's edges
      const { scenario } = parseScenario(readFileSync(join(repoRoot, path), 'utf8'), file);
      const populations = [scenario.load, ...scenario.loads];
      const sent = sum(populations.map((l) => (l.ratePerSec * scenario.durationMs) / 1000));
      expect(Math.abs(result.metrics.requestCount - sent)).toBeLessThanOrEqual(sum(populations.map((l) => l.clients)));
      expect(result.expectations.length).toBeGreaterThan(0);
      for (const e of result.expectations) expect(e.pass).toBe(true);
      expect(result.events.some((e: { component: string }) => e.component === 'fault')).toBe(true);
    });

    it('gives byte-identical result.json for the same seed, and a different one for another seed', () => {
      const [a, b, c] = [tempDir(), tempDir(), tempDir()];
      const code = MUST_FAIL.has(file) ? 1 : 0;
      expect(faildrill(['run', path, '--out', a, '--reporter', 'json']).code).toBe(code);
      expect(faildrill(['run', path, '--out', b, '--reporter', 'json']).code).toBe(code);
      faildrill(['run', path, '--out', c, '--reporter', 'json', '--seed', '1234']);
      const bytes = (dir: string) => readFileSync(join(dir, 'result.json'));
      expect(bytes(a).equals(bytes(b))).toBe(true);
      expect(bytes(a).equals(bytes(c))).toBe(false);
    });
  });
});
