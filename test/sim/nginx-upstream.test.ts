import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { nginxSettings } from '../../src/simulator/nginx-upstream.js';
import { nginxConfig } from '../../src/targets/host/nginx.js';
import { planTopology } from '../../src/targets/host/topology.js';
import { faildrill, repoRoot, tempFile } from '../helpers/cli.js';
import { simulate } from '../helpers/sim.js';

const FILE = 'scenarios/host-nginx-upstream.yaml';
const text = readFileSync(join(repoRoot, FILE), 'utf8');
const { scenario } = parseScenario(text, FILE);
const lb = scenario.setup.loadBalancer!;
const primary = lb.targetGroups.find((g) => g.priority === 1)!;
const hc = scenario.controller.healthCheck;
const fault = scenario.faults[0]!;
/** Each client sends once per period (load.clients / load.rate). */
const periodMs = (scenario.load.clients * 1000) / scenario.load.ratePerSec;
const REFUSED_MS = 1;
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

describe('host-nginx-upstream.yaml on the simulator (kind nginx), as real nginx runs it on the host', () => {
  it('reads the scenario the brief is about: the primary app stops, two groups of one target, max_fails within one client period', () => {
    expect(lb.kind).toBe('nginx');
    expect(fault.action).toBe('service-stop');
    expect(primary.targets).toEqual([fault.target]);
    // every client sends once per period, so max_fails requests reach the primary within one period after the fault
    expect(scenario.load.clients).toBeGreaterThanOrEqual(primary.healthCheck.unhealthyThreshold);
  });

  it.each(SEEDS)('seed %i: 0 client errors, RTO 0, nginx detects and routes to the backup within one client period, the controller fails over and back', async (seed) => {
    const { result, record } = await simulate(text, seed);
    const f = result.metrics.perFault[0]!;
    // proxy_next_upstream error: a refused request goes to the backup within the same request
    expect(result.metrics.errorCount).toBe(0);
    expect(f.rtoMs).toBe(0);
    // nginx's passive check: the max_fails-th refused request (each fails 1 ms after it is sent) takes the primary out
    expect(f.detectedBy).toBe('lb');
    expect(f.detectedVia).toBe('target health');
    expect(f.detectionMs!).toBeGreaterThanOrEqual(REFUSED_MS);
    expect(f.detectionMs!).toBeLessThan(periodMs + REFUSED_MS);
    expect(f.switchedLayer).toBe('loadBalancer');
    expect(f.switchedAtMs).toBe(f.detectedAtMs);
    // our controller's own verdict: unhealthyThreshold failed probes, one per interval, the first within an interval of the fault
    const verdict = result.events.find((e) => e.component === 'controller' && e.type === 'health' && e.detail.target === fault.target && e.detail.health === 'unhealthy')!;
    expect(verdict.atMs - fault.atMs).toBeGreaterThan((hc.unhealthyThreshold - 1) * hc.intervalMs);
    expect(verdict.atMs - fault.atMs).toBeLessThanOrEqual(hc.unhealthyThreshold * hc.intervalMs + REFUSED_MS);
    expect(result.failovers.map((e) => `${e.direction}:${e.status}`)).toEqual(['failover:completed', 'failback:completed']);
    expect(f.failbackMs).not.toBeNull();
    // in every bucket from the switch to the removal, the backup answered every request
    const { samples } = record;
    const [from, to] = [Math.ceil(f.switchedAtMs! / samples.resolutionMs), Math.floor(f.removedAtMs! / samples.resolutionMs)];
    const total = (series: number[] | undefined) => (series ?? []).slice(from, to).reduce((a, b) => a + b, 0);
    expect(total(samples.byServer[fault.target]?.ok)).toBe(0);
    expect(total(samples.byServer[lb.targetGroups.find((g) => g.priority === 2)!.targets[0]!]!.ok)).toBe(total(samples.ok));
    expect(total(samples.ok)).toBeGreaterThan(0);
    expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
  });

  it('with kind alb the same scenario is the ELBv2 model: no retry within the request, so clients see errors until a target group or the controller switches', async () => {
    const { result } = await simulate(text.replace('kind: nginx', 'kind: alb'), scenario.seed);
    expect(result.metrics.errorCount).toBeGreaterThan(0);
    expect(result.events.some((e) => e.detail.reason === 'nginx: upstream server temporarily disabled (max_fails)')).toBe(false);
  });

  it('models the upstream that nginxConfig writes on the host: peers, backup flags, max_fails, fail_timeout and proxy_connect_timeout, for either forwarded group', () => {
    const s = parseScenario(`${text}\nhost: { subnet: 198.18.231.0/24 }\n`, FILE).scenario;
    const plan = planTopology(s, 'run-x', 'abc123', '/run/faildrill/run-x');
    for (const group of s.setup.loadBalancer!.targetGroups) {
      const conf = nginxConfig(plan, s, s.setup.loadBalancer!, group.id);
      const written = [...conf.matchAll(/server (\S+):\d+ max_fails=(\d+) fail_timeout=(\d+)s( backup)?;\s+# (\S+) \((\S+)\)/g)].map((m) => ({
        server: m[5]!,
        group: m[6]!,
        backup: m[4] !== undefined,
        maxFails: Number(m[2]),
        failTimeoutMs: Number(m[3]) * 1000,
      }));
      const settings = nginxSettings(s.setup.loadBalancer!, group.id, s.load.timeoutMs);
      expect(settings.peers).toEqual(written);
      expect(`proxy_connect_timeout ${settings.connectTimeoutMs / 1000}s;`).toBe(/proxy_connect_timeout \d+s;/.exec(conf)![0]);
      expect(`proxy_read_timeout ${settings.readTimeoutMs / 1000}s;`).toBe(/proxy_read_timeout \d+s;/.exec(conf)![0]);
    }
  });
});

describe('setup.loadBalancer.kind and the targets', () => {
  it('--target host refuses kind alb (also when absent) with exit 2 at setup.loadBalancer.kind, saying to set kind: nginx', () => {
    const file = tempFile('no-kind.yaml', text.replace(/\n\s+kind: nginx[^\n]*/, ''));
    const r = faildrill(['validate', file, '--target', 'host']);
    expect(r.code).toBe(2);
    // the load balancer's keys start on line 12 of the file without its kind line
    expect(r.stderr).toContain(`${file}:12:5: setup.loadBalancer.kind: alb is not available on the host target, which runs nginx; set kind: nginx`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--target aws refuses kind nginx with exit 2 at its line, saying to set kind: alb', () => {
    const file = tempFile('nginx.yaml', text);
    const r = faildrill(['validate', file, '--target', 'aws']);
    expect(r.code).toBe(2);
    const line = text.split('\n').findIndex((l) => /^\s+kind: nginx/.test(l)) + 1;
    expect(r.stderr).toContain(`${file}:${line}:5: setup.loadBalancer.kind: nginx is not available on the aws target, which runs alb; set kind: alb`);
  });

  it('--target host accepts the shipped nginx scenario', () => {
    expect(faildrill(['validate', join(repoRoot, FILE), '--target', 'host']).code).toBe(0);
  });

  it('an nginx upstream registers no autoscaling instances: setup.autoscaling.targetGroup with kind nginx exits 2', () => {
    const withAsg = text.replace('controller:\n', 'setup_asg_placeholder\ncontroller:\n').replace(
      'setup_asg_placeholder',
      '  autoscaling: { instances: [web-1], targetGroup: tg-primary, min: 1, max: 2 }',
    );
    const r = faildrill(['validate', tempFile('asg.yaml', withAsg)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('setup.autoscaling.targetGroup: an nginx upstream registers no instances: a targetGroup needs setup.loadBalancer.kind alb');
  });
});

describe('nginx passive checks with one request per client per second', () => {
  // 50 clients at 50/s: each client sends once per 1 000 ms, and the fault lands between two requests
  // of one client; the second refused request's failure lands at an instant the request schedule
  // counts by a rounding that disagreed with its own `nth` (found by fuzz-run: the run never ended)
  const slow = text
    .replace(/load:\n {2}rate: 50\n {2}clients: 10\n/, 'load:\n  rate: 50\n  clients: 50\n')
    .replace(/at: 10s, (action: service-stop.*)duration: 15s/, 'at: 7500ms, $1duration: 11250ms');

  it('the max_fails-th failure lands and the run ends: nginx routes to the backup within one client period, no client error', () => {
    const { scenario: s } = parseScenario(slow, 'slow.yaml');
    expect(s.load.clients).toBe(50);
    expect(s.faults[0]!.atMs).toBe(7_500);
    const file = tempFile('slow.yaml', slow);
    const out = join(file, '..', 'out');
    // a separate process, killed outright: a simulator that never ends holds its event loop, and no timer of this test could stop it
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'run', file, '--seed', '52', '--no-history', '--reporter', 'json', '--out', out], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal, 'the run never ended').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { metrics: { errorCount: number; perFault: Array<{ detectedBy: string; detectionMs: number }> } };
    const slowPeriodMs = (s.load.clients * 1000) / s.load.ratePerSec;
    expect(result.metrics.errorCount).toBe(0);
    expect(result.metrics.perFault[0]!.detectedBy).toBe('lb');
    expect(result.metrics.perFault[0]!.detectionMs).toBeLessThan(slowPeriodMs + REFUSED_MS);
  });
});
