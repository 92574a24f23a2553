import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capabilityProblems } from '../../src/run/capability-check.js';
import { buildResult, type RunResult } from '../../src/run/result.js';
import { runDrill, type DrillRecord } from '../../src/run/runner.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { stateRoot } from '../../src/targets/host/journal.js';
import { hostRequirements } from '../../src/targets/host/preflight.js';
import { hostTarget } from '../../src/targets/host/target.js';
import { simTarget } from '../../src/targets/sim/target.js';
import { faildrill, repoRoot, tempDir } from '../helpers/cli.js';

/**
 * Real drills on this machine: network namespaces, keepalived, nginx, iptables, autocannon. Never
 * skipped: without root or the tools these tests fail and say what is missing (`npm test` installs
 * the tools as root). One file, run in order: the drills share the machine's CPU.
 */

const DRILL_TIMEOUT_MS = 150_000;
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();
const pids = (name: string) => sh(`pgrep -x ${name} || true`).split('\n').filter(Boolean);

let baseline: { keepalived: string[]; nginx: string[] };

/** Nothing of faildrill's is left: no fd- namespace, no keepalived/nginx/helper process, no rule, no run folder. */
function assertNothingLeft(): void {
  expect(sh('ip netns list').split('\n').filter((l) => l.startsWith('fd-')), 'fd- namespaces').toEqual([]);
  expect(pids('keepalived').filter((p) => !baseline.keepalived.includes(p)), 'keepalived processes').toEqual([]);
  expect(pids('nginx').filter((p) => !baseline.nginx.includes(p)), 'nginx processes').toEqual([]);
  expect(sh(`pgrep -af '${stateRoot()}/' | grep -v pgrep || true`), 'processes running faildrill helpers').toBe('');
  expect(sh('iptables -S | grep -c faildrill || true'), 'iptables rules in the root namespace').toBe('0');
  const runs = existsSync(stateRoot()) ? readdirSync(stateRoot()) : [];
  expect(runs, `run folders under ${stateRoot()}`).toEqual([]);
}

async function hostRun(file: string): Promise<RunResult & { record: DrillRecord }> {
  const loaded = await loadScenarioFile(join(repoRoot, file));
  const record = await runDrill(hostTarget, loaded.scenario, { seed: loaded.scenario.seed, file });
  return { ...buildResult(loaded, record), record };
}

const eventsOf = (r: RunResult, component: string, type: string) => r.events.filter((e) => e.component === component && e.type === type);

beforeAll(() => {
  const loaded = parseScenario(readFileSync(join(repoRoot, 'scenarios/host-keepalived.yaml'), 'utf8'), 'host-keepalived.yaml');
  const lb = parseScenario(readFileSync(join(repoRoot, 'scenarios/host-nginx-upstream.yaml'), 'utf8'), 'host-nginx-upstream.yaml');
  const missing = [...hostRequirements(loaded.scenario), ...hostRequirements(lb.scenario)].filter((r) => !r.present()).map((r) => `${r.name} (${r.install})`);
  if (missing.length > 0) throw new Error(`host tests need: ${[...new Set(missing)].join(', ')} — run npm test as root, which installs them`);
  baseline = { keepalived: pids('keepalived'), nginx: pids('nginx') };
  // A run killed earlier (outside these tests) must not make them fail: start clean.
  faildrill(['cleanup']);
  assertNothingLeft();
});

afterEach(() => assertNothingLeft());

describe('host target: real drills', () => {
  it(
    'keepalived: the VIP moves to the backup when the primary app port is dropped, and comes back; figures within the seed and the simulator',
    async () => {
      const file = 'scenarios/host-keepalived.yaml';
      const result = await hostRun(file);
      const fault = result.metrics.perFault[0]!;
      const routes = eventsOf(result, 'vip', 'route.changed').map((e) => `${e.detail.from}>${e.detail.to}`);
      expect(routes.join(' ')).toMatch(/node-a>.*node-b/);
      expect(routes.at(-1)).toMatch(/>node-a$/);
      expect(fault.detectedBy).toBe('vip');
      // Seed 001: keepalived switches in 2–5 s (here: master-down of the backup after the priority drop).
      expect(fault.switchMs).toBeGreaterThanOrEqual(2_000);
      expect(fault.switchMs).toBeLessThanOrEqual(5_000);
      // RTO: positive, finite, within what the track script allows (fall 2 × interval 5 s, timeout 1 s, master-down 3.65 s).
      const rto = result.metrics.rtoMs!;
      expect(rto).toBeGreaterThan(5_000 + 2_000);
      expect(rto).toBeLessThan(10_000 + 1_000 + 3_650 + 3_000);
      expect(result.metrics.failbackMs).not.toBeNull();
      expect(result.metrics.resolutionMs).toBe(20);
      expect(result.metrics.splitBrainMs).toBe(0);
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
      // The simulator, same scenario and seed: the host starts its run at the track script's phase the simulator
      // draws from the seed, so both meet the fault at the same point of the script's cycle. Detection agrees to
      // keepalived's timer jitter; RTO to one client request period (clients / rate) and the probe resolution,
      // plus a margin for a busy machine.
      const loaded = await loadScenarioFile(join(repoRoot, file));
      const s = loaded.scenario;
      const sim = buildResult(loaded, await runDrill(simTarget, s, { seed: s.seed })).metrics;
      const simFault = sim.perFault[0]!;
      process.stdout.write(
        `host-keepalived seed ${s.seed}: host detection ${fault.detectionMs} switch ${fault.switchMs} rto ${rto} failback ${fault.failbackMs}; ` +
          `sim detection ${simFault.detectionMs} switch ${simFault.switchMs} rto ${sim.rtoMs} failback ${simFault.failbackMs}\n`,
      );
      const MACHINE_MARGIN_MS = 500;
      const periodMs = (s.load.clients * 1000) / s.load.ratePerSec;
      expect(Math.abs(fault.detectionMs! - simFault.detectionMs!)).toBeLessThanOrEqual(MACHINE_MARGIN_MS);
      expect(Math.abs(rto - sim.rtoMs!)).toBeLessThanOrEqual(periodMs + s.load.probeIntervalMs + MACHINE_MARGIN_MS);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'nginx: with the primary app stopped, nginx routes to the backup server and the controller fails back',
    async () => {
      const result = await hostRun('scenarios/host-nginx-upstream.yaml');
      const fault = result.metrics.perFault[0]!;
      expect(fault.detectedBy).toBe('lb');
      expect(fault.switchedAtMs).not.toBeNull();
      expect(fault.failedBackAtMs).not.toBeNull();
      // During the fault web-2 answered; before and after, web-1.
      const res = result.metrics.resolutionMs;
      const during = (server: string) => {
        const series = result.record.samples.byServer[server]?.ok ?? [];
        return series.slice(Math.ceil((fault.injectedAtMs + 1_000) / res), Math.floor(fault.removedAtMs! / res)).reduce((a, b) => a + b, 0);
      };
      expect(during('web-2')).toBeGreaterThan(100);
      expect(during('web-1')).toBe(0);
      expect(result.metrics.errorRate).toBeLessThan(0.01);
      expect(result.failovers.map((f) => `${f.direction}:${f.status}`)).toEqual(['failover:completed', 'failback:completed']);
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'split brain: with VRRP between the peers dropped both nodes hold the VIP; the run reports it and fails',
    async () => {
      const result = await hostRun('scenarios/host-split-brain.yaml');
      expect(result.metrics.splitBrains.length).toBeGreaterThanOrEqual(1);
      expect([...result.metrics.splitBrains[0]!.holders].sort()).toEqual(['node-a', 'node-b']);
      expect(result.metrics.splitBrainMs).toBeGreaterThan(5_000);
      const invariant = result.invariants.find((i) => i.name === 'single-vip-holder')!;
      expect(invariant.pass).toBe(false);
      expect(invariant.message).toMatch(/split brain/);
      expect(result.verdict).toBe('fail');
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'a run killed with SIGKILL in the middle of its faults is fully undone by faildrill cleanup',
    async () => {
      const dir = tempDir();
      const file = join(dir, 'killed.yaml');
      writeFileSync(
        file,
        [
          'name: host-killed',
          'duration: 60s',
          'setup:',
          '  servers: [{ id: node-a }, { id: node-b }]',
          '  vip:',
          '    nodes: [{ server: node-a, priority: 100, state: MASTER }, { server: node-b, priority: 90 }]',
          'load: { rate: 20, clients: 4 }',
          'faults:',
          '  - { id: drop, at: 1s, action: network-drop, target: node-a, port: 80, duration: 50s }',
          '  - { id: pause, at: 1s, action: process-pause, target: node-b, service: app, duration: 50s }',
          '',
        ].join('\n'),
      );
      const child = spawn(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'run', file, '--target', 'host', '--no-history', '--reporter', 'console', '--out', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const journals = () =>
        (existsSync(stateRoot()) ? readdirSync(stateRoot()) : []).map((d) => join(stateRoot(), d, 'journal.jsonl')).filter(existsSync);
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !journals().some((j) => (readFileSync(j, 'utf8').match(/"op":"fault"/g) ?? []).length >= 2))
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(child.exitCode, output).toBeNull();
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      // What it left: namespaces, keepalived, the iptables rule of the fault, a paused app.
      const left = sh('ip netns list');
      expect(left).toMatch(/fd-/);
      const ns = left.split('\n').map((l) => l.split(' ')[0]!).find((n) => n.endsWith('-s0'))!;
      expect(sh(`ip netns exec ${ns} iptables -S INPUT`)).toMatch(/faildrill:.*:drop/);
      expect(pids('keepalived').length).toBeGreaterThan(baseline.keepalived.length);

      const cleanup = faildrill(['cleanup']);
      expect(cleanup.code, cleanup.stderr).toBe(0);
      expect(cleanup.stdout).toMatch(/removed 1 iptables rules/);
      expect(cleanup.stdout).toMatch(/--dport 80/);
      expect(cleanup.stdout).toMatch(/keepalived/);
      expect(cleanup.stdout).toMatch(/removed \d+ network namespaces/);
      expect(cleanup.stdout).toMatch(/files/);
      const again = faildrill(['cleanup']);
      expect(again.stdout).toMatch(/nothing left behind/);
    },
    DRILL_TIMEOUT_MS,
  );

  it('refuses what the host target lacks (exit 2) and names what the machine lacks (exit 3), touching nothing', async () => {
    // The host column of the capability matrix: DNS is planned, not built; one entry layer per scenario.
    const keepalived = await loadScenarioFile(join(repoRoot, 'scenarios/host-keepalived.yaml'));
    const nginx = await loadScenarioFile(join(repoRoot, 'scenarios/host-nginx-upstream.yaml'));
    const both = { scenario: { ...keepalived.scenario, setup: { ...keepalived.scenario.setup, loadBalancer: nginx.scenario.setup.loadBalancer } } };
    expect(capabilityProblems(hostTarget.capabilities, 'host', both.scenario).map((p) => p.path.join('.'))).toEqual(['setup.loadBalancer']);
    const dns = faildrill(['run', 'scenarios/dns-failover.yaml', '--target', 'host', '--no-history']);
    expect(dns.code, dns.stderr).toBe(2);
    expect(dns.stderr).toMatch(/setup\.dns.*not available on the host target/);
    const nobody = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, 'bin/faildrill.js', 'run', 'scenarios/host-keepalived.yaml', '--target', 'host', '--no-history'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(nobody.status, nobody.stderr).toBe(3);
    expect(nobody.stderr).toMatch(/missing:\n\s+root/);
  });
});

