import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { SweepReport } from '../../src/sweep/report.js';
import { faildrill, repoRoot, tempDir, tempFile } from '../helpers/cli.js';

const LB = join(repoRoot, 'scenarios/lb-failover.yaml');
const lbText = readFileSync(LB, 'utf8');

/** The CLI run from a scratch folder, so that nothing it records lands in the repository's reports/. */
const cli = (args: string[]) => faildrill(args, tempDir('faildrill-sweep-cwd-'));

function sweep(args: string[]): { code: number | null; stdout: string; stderr: string; out: string; report: SweepReport } {
  const out = tempDir('faildrill-sweep-');
  const r = cli(['sweep', ...args, '--out', out]);
  const file = join(out, 'sweep.json');
  const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SweepReport) : (undefined as unknown as SweepReport);
  return { ...r, out, report };
}

function runResult(file: string, seed: number): { code: number | null; rtoMs: number | null; detectionMs: number | null; verdict: string } {
  const out = tempDir();
  const r = cli(['run', file, '--seed', String(seed), '--reporter', 'json', '--out', out]);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  return { code: r.code, rtoMs: result.metrics.rtoMs, detectionMs: result.metrics.detectionMs, verdict: result.verdict };
}

describe('faildrill sweep', () => {
  let full: ReturnType<typeof sweep>;
  beforeAll(() => {
    full = sweep([LB, '--seeds', '1..30']);
  });

  it('runs every seed, passes, and writes the distribution, worst seed and rows to sweep.json', () => {
    expect(full.code, full.stderr).toBe(0);
    const { report } = full;
    expect(report).toMatchObject({ schemaVersion: 1, scenario: { name: 'lb-failover', file: LB }, swarm: false, shard: null, verdict: 'pass', passed: 30, failed: 0 });
    expect(report.seeds).toEqual({ spec: '1..30', count: 30, list: Array.from({ length: 30 }, (_, i) => i + 1) });
    expect(report.rows.map((r) => r.seed)).toEqual(report.seeds.list);
    for (const name of ['detection', 'switch', 'rto'] as const) {
      const d = report.distribution[name];
      expect(d.count + d.never).toBe(30);
      // nearest-rank percentiles of the rows that have the figure (rank = ceil(p/100 × n))
      const values = report.rows.map((r) => r[`${name}Ms`]).filter((v): v is number => v !== null).sort((a, b) => a - b);
      const nearestRank = (p: number) => values[Math.max(1, Math.ceil((p / 100) * values.length)) - 1];
      expect([d.p50Ms, d.p95Ms, d.p99Ms, d.maxMs]).toEqual([nearestRank(50), nearestRank(95), nearestRank(99), values.at(-1)]);
    }
    expect(report.distribution.rto.maxMs!).toBeGreaterThan(report.distribution.rto.p50Ms!);
    expect(report.worst!.rtoMs).toBe(report.distribution.rto.maxMs);
    expect(report.failures).toEqual([]);
    expect(JSON.stringify(report)).not.toMatch(/"events"|"timeline"/);
  });

  it('prints the distribution, the worst seed and a replay command that reproduces it', () => {
    expect(full.stdout).toMatch(/detection +\d+\.\ds +\d+\.\ds +\d+\.\ds +\d+\.\ds +0\n/);
    expect(full.stdout).toMatch(/rto +\d+\.\ds/);
    const worst = full.report.worst!;
    expect(full.stdout).toContain(`worst seed: ${worst.seed} (pass, rto`);
    expect(full.stdout).toContain(`replay: faildrill run ${LB} --seed ${worst.seed}`);
    expect(full.stdout).toMatch(/sweep +100% +30\/30 seeds · 0 failures/);
    const replayed = runResult(LB, worst.seed);
    expect(replayed.rtoMs).toBe(worst.rtoMs);
    const row = full.report.rows.find((r) => r.seed === worst.seed)!;
    expect(replayed.detectionMs).toBe(row.detectionMs);
  });

  it('writes the same sweep.json bytes whatever the number of workers', () => {
    const inThread = sweep([LB, '--seeds', '1..30', '--workers', '0']);
    expect(inThread.code).toBe(0);
    expect(readFileSync(join(inThread.out, 'sweep.json'), 'utf8')).toBe(readFileSync(join(full.out, 'sweep.json'), 'utf8'));
  });

  it('splits into shards that together run each seed exactly once, with the same figures', () => {
    const one = sweep([LB, '--seeds', '1..30', '--shard', '1/2']);
    const two = sweep([LB, '--seeds', '1..30', '--shard', '2/2', '--workers', '1']);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(one.report.shard).toEqual({ index: 1, count: 2 });
    expect(one.report.seeds.list).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
    const seeds = [...one.report.seeds.list, ...two.report.seeds.list].sort((a, b) => a - b);
    expect(seeds).toEqual(full.report.seeds.list);
    const rows = [...one.report.rows, ...two.report.rows].sort((a, b) => a.seed - b.seed);
    expect(rows).toEqual(full.report.rows);
  });

  it('shrinks a failing schedule to a smaller scenario that is valid and still fails with its seed', () => {
    const strict = tempFile('lb-strict.yaml', lbText.replace('rto: "< 120s"', 'rto: "< 1s"'));
    const r = sweep([strict, '--seeds', '1..12', '--shrink-limit', '2']);
    expect(r.code).toBe(1);
    expect(r.report).toMatchObject({ verdict: 'fail', passed: 0, failed: 12 });
    const shrunk = r.report.failures.filter((f) => f.shrunk);
    expect(shrunk).toHaveLength(2);
    expect(shrunk[0]!.seed).toBe(r.report.worst!.seed);
    for (const f of shrunk) {
      const file = join(r.out, f.shrunk!.file);
      expect(existsSync(file)).toBe(true);
      expect(r.stdout).toContain(`replay: faildrill run ${file} --seed ${f.seed}`);
      expect(cli(['validate', file]).code).toBe(0);
      const rerun = runResult(file, f.seed);
      expect(rerun.code).toBe(1);
      expect(rerun.verdict).toBe('fail');
      const doc = parse(readFileSync(file, 'utf8'));
      expect(doc.faults.length).toBeLessThanOrEqual(2);
      expect(doc.faults.length).toBe(f.shrunk!.faults.after);
      expect(f.shrunk!.size.totalDurationMs).toBeLessThan(f.shrunk!.originalSize.totalDurationMs);
      expect(doc.expect.rto).toBe('< 1s');
    }
    expect(r.stdout).toMatch(/shrunk seed \d+ \(rto:exceeded\): 2 → 1 fault/);
    expect(r.report.failures.filter((f) => !f.shrunk)).toHaveLength(10);
    // a sweep of 12 seeds and two shrinks through the CLI: seconds of work, more on a machine busy with host drills
  }, 60_000);

  it('with --swarm, writes the worst seed as a drawn scenario whose replay gives the same result', () => {
    const swarmed = tempFile(
      'lb-swarm.yaml',
      `${lbText}\nswarm:\n  faults: { atJitter: 45s, duration: { min: 30s, max: 5m } }\n  parameters:\n    - { path: load.clients, min: 20, max: 80 }\n`,
    );
    const r = sweep([swarmed, '--seeds', '1..12', '--swarm', '--no-shrink']);
    expect(r.code, r.stderr).toBe(r.report.verdict === 'pass' ? 0 : 1);
    expect(r.report.swarm).toBe(true);
    // the drawn fault times and durations change what clients see: the seeds do not all give one RTO
    expect(new Set(r.report.rows.map((row) => row.rtoMs)).size).toBeGreaterThan(3);
    const worst = r.report.worst!;
    const replayFile = join(r.out, worst.replay.file);
    expect(r.stdout).toContain(`replay: faildrill run ${replayFile} --seed ${worst.seed}`);
    const text = readFileSync(replayFile, 'utf8');
    expect(text).toContain(`clients: ${worst.drawn!['load.clients']}`);
    expect(text).toContain(`id: blue-1-down, at: ${worst.drawn!['faults[blue-1-down].at']},`);
    expect(text).not.toContain('swarm:');
    const replayed = runResult(replayFile, worst.seed);
    const row = r.report.rows.find((x) => x.seed === worst.seed)!;
    expect([replayed.verdict, replayed.rtoMs, replayed.detectionMs]).toEqual([row.verdict, row.rtoMs, row.detectionMs]);
  });

  it('rejects bad usage with exit 2 and a clear message', () => {
    const noSwarm = cli(['sweep', LB, '--seeds', '1..2', '--swarm', '--out', tempDir()]);
    expect(noSwarm.code).toBe(2);
    expect(noSwarm.stderr).toContain('has no swarm: section');
    const badPath = tempFile('bad.yaml', `${lbText}\nswarm:\n  parameters:\n    - { path: load.nope, min: 1, max: 2 }\n`);
    const bad = cli(['sweep', badPath, '--seeds', '1..2', '--swarm', '--out', tempDir()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml:\d+:\d+: swarm\.parameters\[0\]\.path: unknown key 'nope' under load/);
    for (const args of [['--seeds', '5..1'], ['--seeds', 'x'], ['--shard', '3/2'], ['--workers', 'many'], ['--seeds', '1..2', '--shard', '3/3']]) {
      const r = cli(['sweep', LB, ...args, '--out', tempDir()]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});

describe('split brain over 200 seeds', () => {
  it('is detected in every seed without fencing, and with arbiter fencing lasts one overlap of at most fall × interval + timeout', () => {
    const rows = (file: string) => {
      const out = tempDir();
      const r = faildrill(['sweep', `scenarios/${file}`, '--seeds', '1..200', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { rows: Array<{ seed: number; splitBrainMs: number }> }).rows;
    };
    const open = rows('split-brain.yaml');
    expect(open).toHaveLength(200);
    for (const row of open) expect(row.splitBrainMs, `seed ${row.seed}`).toBeGreaterThan(20_000);
    const fenced = rows('split-brain-fenced.yaml');
    expect(fenced).toHaveLength(200);
    // split-brain-fenced.yaml's fencingScript: interval 1 s, timeout 1 s, fall 2 (the takeover's first refusal comes within one interval)
    for (const row of fenced) expect(row.splitBrainMs, `seed ${row.seed}`).toBeGreaterThanOrEqual(1 * 1_000);
    for (const row of fenced) expect(row.splitBrainMs, `seed ${row.seed}`).toBeLessThanOrEqual(2 * 1_000 + 1_000);
  }, 120_000);
});
