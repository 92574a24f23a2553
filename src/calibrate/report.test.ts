import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildResult, type RunResult } from '../run/result.js';
import { runDrill } from '../run/runner.js';
import { parseScenario } from '../scenario/load.js';
import { simTarget } from '../targets/sim/target.js';
import type { FigureRow } from './compare.js';
import { renderCalibrationHtml } from './html.js';
import { buildCalibration } from './report.js';
import { formatCalibration } from './table.js';

const file = fileURLToPath(new URL('../../scenarios/host-keepalived.yaml', import.meta.url));
const text = readFileSync(file, 'utf8');

async function results(yaml: string, seeds: number[]): Promise<RunResult[]> {
  const loaded = parseScenario(yaml, 'host-keepalived.yaml');
  return Promise.all(seeds.map(async (seed) => buildResult(loaded, await runDrill(simTarget, loaded.scenario, { seed }))));
}

const rowOf = (r: RunResult): FigureRow => ({ seed: r.seed, detectionMs: r.metrics.detectionMs, switchMs: r.metrics.switchMs, rtoMs: r.metrics.rtoMs });

function calibrationOf(real: RunResult[], sim: RunResult[]) {
  return buildCalibration({
    version: 'test',
    scenario: { name: 'host-keepalived', file: 'host-keepalived.yaml', hash: 'h' },
    target: 'host',
    startedAt: '2026-01-01T00:00:00Z',
    real: real.map((result) => ({ result, outDir: `host-seed-${result.seed}` })),
    sim: sim.map(rowOf),
    simSeeds: { from: 1, to: sim.length },
    maxDiffPct: 5,
  });
}

describe('a calibration report', () => {
  it('the simulator against itself: every paired difference 0, every run inside its range and bounds, pass', async () => {
    const sim = await results(text, [1, 2, 3, 4, 5, 6, 7, 8]);
    // the "real" runs are seeds 3, 1, 6 of the same model: each pairs with its own seed, not its position
    const report = calibrationOf([sim[2]!, sim[0]!, sim[5]!], sim);
    for (const f of report.figures) {
      expect(f.paired.seeds.map((s) => s.diffMs), f.figure).toEqual([0, 0, 0]);
      expect(f.insideSim).toBe(3);
    }
    expect(report.figures.find((f) => f.figure === 'rto')!.insideBounds).toBe(3);
    expect(report.criterion).toMatchObject({ pass: true, diffMs: 0, diffPct: 0 });
    expect(report.verdict).toBe('pass');
    // host-keepalived has one fault: its bounds are drawn; RTO's is explain's
    expect(report.bounds.rto).not.toBeNull();

    const table = formatCalibration(report, 'scenarios/host-keepalived.yaml', 'out');
    expect(table).toContain('3 host runs (seeds 3,1,6) against 8 simulator seeds (1..8)');
    expect(table).toMatch(/Paired median RTO over seeds 3,1,6: host \S+, sim \S+: ±0ms \(±0\.0%\) within --max-diff 5%/);
    const html = renderCalibrationHtml(report, 'faildrill calibrate x');
    expect(html.match(/data-chart="histogram"/g)).toHaveLength(3);
    expect(html.match(/<circle class="real"/g)?.length).toBeGreaterThanOrEqual(3 * 2);
  }, 60_000);

  it('a model whose track script runs twice as slowly: the paired median RTO moves beyond 5 %, fail', async () => {
    // host-keepalived.yaml: check_app fall 2 × interval 5 s (RTO about 10 s); at 10 s the verdict alone comes 10 s later or more
    const slower = text.replace('{ name: check_app, interval: 5s', '{ name: check_app, interval: 10s');
    expect(slower).not.toBe(text);
    const sim = await results(text, [1, 2, 3, 4, 5]);
    const report = calibrationOf(await results(slower, [1, 2, 3]), sim);
    expect(report.criterion.pass).toBe(false);
    expect(report.criterion.diffPct!).toBeGreaterThan(5);
    expect(report.verdict).toBe('fail');
    expect(formatCalibration(report, 'f', 'out')).toMatch(/beyond --max-diff 5%/);
  }, 60_000);
});
