import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { simulate } from '../helpers/sim.js';

const shipped = (file: string) => readFileSync(join(repoRoot, 'scenarios', file), 'utf8');

/** `expectations`: the block to state; none by default (the test asserts the figures itself). */
const twoServers = (faults: string, expectations?: string) => `
name: faults-analytic
duration: 3m
setup:
  servers: [{ id: a, latency: 10ms }, { id: b, latency: 10ms }]
  loadBalancer:
    targetGroups:
      - { id: tg, priority: 1, targets: [a, b], healthCheck: { interval: 5s, timeout: 4s, unhealthyThreshold: 2, healthyThreshold: 2 } }
load: { rate: 100, clients: 20, timeout: 1s }
faults:
${faults}
${expectations ? `expect: ${expectations}` : ''}
`;

describe('autoscaling group', () => {
  it('replaces a terminated instance: launch time, then the target group healthy threshold, and capacity is back', async () => {
    const { result, record } = await simulate(shipped('asg-replacement.yaml'));
    const terminated = record.events.find((e) => e.component === 'asg' && e.detail.state === 'terminated')!;
    const pending = record.events.find((e) => e.component === 'asg' && e.detail.state === 'pending')!;
    const inService = record.events.find((e) => e.component === 'asg' && e.detail.state === 'in-service')!;
    expect(pending.atMs).toBe(terminated.atMs);
    expect(inService.atMs - pending.atMs).toBe(90_000);
    const healthy = record.events.find((e) => e.type === 'target.health' && e.detail.target === pending.detail.instance && e.detail.health === 'healthy')!;
    // three passing checks at a 10 s interval after registration
    expect(healthy.atMs - inService.atMs).toBeGreaterThan(20_000);
    expect(healthy.atMs - inService.atMs).toBeLessThanOrEqual(30_000);
    expect(result.metrics.replacementMs).toBe(healthy.atMs - 120_000);
    // the ASG's EC2 health check sees the termination within its 10 s evaluation interval
    expect(terminated.atMs - 120_000).toBeLessThanOrEqual(10_000);
  });
});

describe('network faults', () => {
  it('packet loss of 30 % fails 30 % of the requests to that server, exactly in whole requests', async () => {
    const { record } = await simulate(twoServers('  - { id: loss, at: 60s, action: packet-loss, target: a, loss: 0.3, duration: 60s }'));
    const { byServer, resolutionMs } = record.samples;
    const from = 65_000 / resolutionMs;
    const to = 115_000 / resolutionMs;
    let ok = 0;
    let err = 0;
    for (let b = from; b < to; b++) {
      ok += byServer.a!.ok[b]!;
      err += byServer.a!.err[b]!;
    }
    expect(Math.abs(err / (ok + err) - 0.3)).toBeLessThan(0.005);
  });

  it('a partition between two hosts leaves clients alone but cuts the peers off each other', async () => {
    const { result } = await simulate(twoServers('  - { id: cut, at: 60s, action: network-partition, target: a, peer: b, duration: 60s }', '{ errors: "0" }'));
    expect(result.metrics.errorCount).toBe(0);
    expect(result.metrics.requestCount).toBe(100 * 180);
    expect(result.verdict).toBe('pass');
  });

  it('FIS disrupt-connectivity makes the host unreachable until it is removed', async () => {
    const { result } = await simulate(twoServers('  - { id: cut, at: 60s, action: aws:network:disrupt-connectivity, target: a, duration: 30s }'));
    const f = result.metrics.perFault[0]!;
    expect(f.detectedBy).toBe('lb');
    // an isolated host answers nothing: each check fails when its timeout (5 s, the ALB default) runs out; the first
    // check after the fault starts within one interval (5 s), the second (unhealthyThreshold 2) one interval later
    expect(f.detectionMs!).toBeGreaterThan(5_000 + 5_000);
    expect(f.detectionMs!).toBeLessThanOrEqual(2 * 5_000 + 5_000);
    expect(f.failbackMs!).toBeGreaterThan(5_000);
    expect(f.failbackMs!).toBeLessThanOrEqual(10_000);
  });

  it('an iptables drop of port 80 times clients out; dropping another port changes nothing', async () => {
    const port80 = await simulate(twoServers('  - { id: d, at: 60s, action: network-drop, target: a, protocol: tcp, port: 80, duration: 30s }'));
    expect(port80.result.metrics.errorCount).toBeGreaterThan(0);
    const port22 = await simulate(twoServers('  - { id: d, at: 60s, action: network-drop, target: a, protocol: tcp, port: 22, duration: 30s }', '{ errors: "0" }'));
    expect(port22.result.metrics.errorCount).toBe(0);
    expect(port22.result.verdict).toBe('pass');
  });
});

describe('invariants', () => {
  it('a DNS record still answering a dead primary long after detection + TTL fails the run', async () => {
    const text = `
name: no-failover
duration: 6m
setup:
  servers: [{ id: a }, { id: b }]
  dns: { record: x.example.com, ttl: 30s, primary: a, secondary: b }
controller:
  automaticFailover: false
  layers: { dns: controller }
load: { rate: 10, clients: 5 }
faults: [{ id: down, at: 60s, action: service-stop, target: a }]
# no limit stated (and none defaulted): the invariant alone must fail the run
expect: {}
`;
    const { result } = await simulate(text);
    const dns = result.invariants.find((i) => i.name === 'dns-answers-healthy-after-ttl')!;
    expect(dns.pass).toBe(false);
    // grace: controller interval 5 s × (3 + 1) + timeout 2 s + Route 53 propagation 60 s (design.md §5, INSYNC
    // "generally within 60 seconds") + TTL 30 s = 112 s after the stop
    const graceMs = 5_000 * (3 + 1) + 2_000 + 60_000 + 30_000;
    expect(dns.atMs!).toBeGreaterThan(60_000 + graceMs);
    expect(dns.atMs!).toBeLessThanOrEqual(60_000 + graceMs + 5_000);
    // nothing switched (automatic failover is off), yet our controller did notice: a refused check within one 5 s interval
    const fault = result.metrics.perFault[0]!;
    expect(fault.timeToSwitchMs).toBeNull();
    expect(fault.firstNoticedBy).toBe('controller');
    expect(fault.firstNoticedMs!).toBeLessThanOrEqual(5_000);
    expect(result.expectations).toEqual([]);
    expect(result.verdict).toBe('fail');
  });

  it('every applied fault is removed by the end, and each shipped scenario keeps every invariant', async () => {
    for (const file of ['dns-failover.yaml', 'lb-failover.yaml', 'full-stack.yaml', 'keepalived-vip.yaml', 'db-multi-az.yaml']) {
      const { result } = await simulate(shipped(file));
      expect(result.invariants.map((i) => [i.name, i.pass]).filter(([, pass]) => !pass), file).toEqual([]);
      expect(result.invariants.find((i) => i.name === 'every-fault-removed')!.pass).toBe(true);
    }
  });
});

describe('several client populations', () => {
  it('the internal stream reaches the VIP while the public one goes through DNS', async () => {
    const { record } = await simulate(shipped('full-stack.yaml'));
    const { byServer } = record.samples;
    const total = (id: string) => byServer[id]!.ok.reduce((a, b) => a + b, 0);
    // 200 requests/s to the VIP for 30 minutes, split between its two nodes
    expect(total('svc-a') + total('svc-b') + byServer['svc-a']!.err.reduce((a, b) => a + b, 0) + byServer['svc-b']!.err.reduce((a, b) => a + b, 0)).toBe(360_000);
    expect(total('svc-b')).toBeGreaterThan(0);
  });
});
