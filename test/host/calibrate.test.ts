import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationReport } from '../../src/calibrate/report.js';
import type { RunResult } from '../../src/run/result.js';
import { parseScenario } from '../../src/scenario/load.js';
import { stateRoot } from '../../src/targets/host/journal.js';
import { missingForHost } from '../../src/targets/host/preflight.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

/**
 * Issue 13 (`faildrill calibrate`) and issue 10 ("Sim ↔ host": the keepalived drills' median RTO on
 * sim and host differ by no more than 5 %): a short calibration of host-keepalived.yaml, 3 real runs
 * (seeds 1..3) against 200 simulator seeds. The host run of a seed starts at the track script's phase
 * the simulator draws from that seed, so the criterion is the paired one.
 */
const FILE = 'scenarios/host-keepalived.yaml';
const RUNS = 3;
const SIM_SEEDS = 200;
/** Issue 10 / issue 13: 5 %. */
const MAX_DIFF_PCT = 5;
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();

beforeAll(() => {
  const loaded = parseScenario(readFileSync(join(repoRoot, FILE), 'utf8'), FILE);
  const missing = missingForHost(loaded.scenario).map((m) => `${m.name} (${m.install})`);
  if (missing.length > 0) throw new Error(`host tests need: ${missing.join(', ')} — run npm test as root, which installs them`);
});

describe('faildrill calibrate on the host target', () => {
  it(
    `host-keepalived.yaml: ${RUNS} host runs against ${SIM_SEEDS} simulator seeds; the paired median RTOs differ by at most ${MAX_DIFF_PCT} %`,
    async () => {
      const out = tempDir();
      const r = await runCli(['calibrate', FILE, '--target', 'host', '--runs', String(RUNS), '--seeds', String(SIM_SEEDS), '--max-diff', `${MAX_DIFF_PCT}%`, '--out', out]);
      process.stdout.write(r.output);
      const report = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8')) as CalibrationReport;

      expect(report.seeds.real).toEqual([1, 2, 3]);
      expect(report.simRuns.map((s) => s.seed)).toEqual(Array.from({ length: SIM_SEEDS }, (_, i) => i + 1));
      // every real run: its own folder with its result, every fault undone and nothing left on the machine
      for (const run of report.realRuns) {
        const result = JSON.parse(readFileSync(join(out, run.outDir, 'result.json'), 'utf8')) as RunResult;
        expect(result.target).toBe('host');
        expect(result.seed).toBe(run.seed);
        expect(result.metrics.rtoMs).toBe(run.rtoMs);
        for (const name of ['every-fault-removed', 'nothing-left-behind']) expect(result.invariants.find((i) => i.name === name), name).toMatchObject({ pass: true });
        expect(existsSync(join(out, run.outDir, 'report.html'))).toBe(true);
      }
      // paired: each host run against the simulator's run of the same seed
      const rto = report.figures.find((f) => f.figure === 'rto')!;
      for (const p of rto.paired.seeds) expect(p.simMs).toBe(report.simRuns[p.seed - 1]!.rtoMs);

      expect(report.criterion.paired).toBe(true);
      expect(Math.abs(report.criterion.diffPct!), r.output).toBeLessThanOrEqual(MAX_DIFF_PCT);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/Paired median RTO over seeds 1\.\.3: host \S+, sim \S+: .* within --max-diff 5%/);
      expect(r.output).toMatch(/Unpaired median RTO \(200 sim seeds, not the criterion\)/);
      expect(readFileSync(join(out, 'calibration.html'), 'utf8').match(/data-chart="histogram"/g)).toHaveLength(3);
    },
    10 * 60_000,
  );

  it(
    'Ctrl-C during a real run undoes its fault, removes its namespaces and ends the calibration (130) without comparing',
    async () => {
      const subnet = '198.19.211.0/24';
      const file = join(tempDir(), 'calibrate-interrupt.yaml');
      writeFileSync(file, `${readFileSync(join(repoRoot, FILE), 'utf8')}\nhost: { subnet: ${subnet} }\n`);
      const out = tempDir();
      const child = spawn(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'calibrate', file, '--target', 'host', '--runs', '2', '--seeds', '5', '--out', out], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : null))));
      // the first run's journal records the fault before its rule goes in
      let tag: string | undefined;
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && child.exitCode === null && tag === undefined) {
        for (const d of existsSync(stateRoot()) ? readdirSync(stateRoot()) : []) {
          const journal = join(stateRoot(), d, 'journal.jsonl');
          const text = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
          if (text.includes(`"subnet":"${subnet}"`) && text.includes('"op":"fault"')) tag = /"tag":"([0-9a-f]+)"/.exec(text)![1];
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(tag, output).toBeDefined();
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 30_000))]);
      if (code === 'late') child.kill('SIGKILL');
      expect(code, output).toBe(130);
      expect(output).toMatch(/calibration interrupted by SIGINT after 0 of 2 host runs; every fault undone \(.*every-fault-removed pass.*\); nothing compared/);
      expect(existsSync(join(out, 'calibration.json'))).toBe(false);
      expect(sh('ip netns list').split('\n').filter((l) => l.startsWith(`fd-${tag}-`)), 'namespaces of the run').toEqual([]);
      expect(sh(`iptables-save 2>/dev/null | grep -c 'faildrill:${tag}' || true`), 'iptables rules of the run').toBe('0');
    },
    3 * 60_000,
  );
});
