import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sampleShape } from '../../src/scenario/consistency.js';
import { maxBuckets, SAMPLE_MEMORY } from '../../src/scenario/memory-budget.js';
import { parseScenario } from '../../src/scenario/load.js';
import { faildrill, faildrillAsync, repoRoot, tempDir, tempFile } from '../helpers/cli.js';

/** The finest resolution the schema accepts (measure.resolution: 10ms … 10s). */
const FINEST_MS = 10;

/** A shipped scenario stretched to the most sample buckets validation accepts for its shape. */
function longestAccepted(name: string, extraBuckets = 0): { file: string; buckets: number } {
  const doc = parse(readFileSync(join(repoRoot, 'scenarios', `${name}.yaml`), 'utf8')) as Record<string, unknown>;
  const shape = sampleShape(parseScenario(stringify(doc), `${name}.yaml`).scenario);
  const buckets = maxBuckets(shape.servers) + extraBuckets;
  doc.duration = `${buckets * FINEST_MS}ms`;
  doc.measure = { ...(doc.measure as object), resolution: `${FINEST_MS}ms` };
  return { file: tempFile(`${name}-longest.yaml`, stringify(doc)), buckets };
}

describe('memory bound of a run', () => {
  // The cap is the stated budget for samples plus the baseline the rest of a run needs
  // (src/scenario/memory-budget.ts); a run over it ends with "heap out of memory" and a signal.
  const capMiB = SAMPLE_MEMORY.budgetMiB + SAMPLE_MEMORY.baselineMiB;

  it.each(['dns-failover', 'full-stack'])(`runs the longest %s validation accepts, at ${FINEST_MS}ms, within a ${capMiB} MiB heap`, async (name) => {
    const { file, buckets } = longestAccepted(name);
    const out = tempDir();
    const r = await faildrillAsync(['run', file, '--no-history', '--reporter', 'json', '--out', out], { nodeArgs: [`--max-old-space-size=${capMiB}`], timeoutMs: 115_000 });
    expect(r.stderr).not.toMatch(/heap out of memory|internal error/);
    expect(r.signal).toBeNull();
    expect([0, 1]).toContain(r.code);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { durationMs: number; metrics: { resolutionMs: number } };
    expect(result.durationMs).toBe(buckets * FINEST_MS);
    expect(result.metrics.resolutionMs).toBe(FINEST_MS);
  }, 120_000);

  it('refuses one bucket more at validation, with exit 2 and the limit named', () => {
    const { file } = longestAccepted('dns-failover', 1);
    const r = faildrill(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${file}:\\d+:\\d+: duration: .* needs ${maxBuckets(2) + 1} sample buckets .*the limit is ${maxBuckets(2)} buckets`, 'm'));
    expect(existsSync(file)).toBe(true);
  });

  it('refuses a real-target run whose probe samples would not fit, before touching the machine', () => {
    // the simulator's buckets fit (168h at 10s); the host target samples at load.probeInterval (default 20ms): 30 240 000 buckets
    const doc = parse(readFileSync(join(repoRoot, 'scenarios/host-keepalived.yaml'), 'utf8')) as Record<string, unknown>;
    Object.assign(doc, { duration: '168h', measure: { resolution: '10s' } });
    const file = tempFile('host-week.yaml', stringify(doc));
    expect(faildrill(['validate', file]).code).toBe(0);
    const r = faildrill(['run', file, '--target', 'host', '--no-history', '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${file}:\\d+:\\d+: duration: on the host target: a 168h run at 20ms load.probeInterval needs 30240000 sample buckets`, 'm'));
  });
});
