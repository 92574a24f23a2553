import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { simulate, simulateFile } from '../helpers/sim.js';
import { repoRoot } from '../helpers/cli.js';
import { defaults } from '../../src/scenario/defaults.js';

const dnsScenario = (opts: { honourTtl?: number; controllerInterval?: string; mode?: string } = {}) => `
name: dns-analytic
duration: 8m
setup:
  servers: [{ id: a, latency: 20ms }, { id: b, latency: 20ms }]
  dns:
    record: app.example.com
    ttl: 60s
    primary: a
    secondary: b
    healthCheck: { interval: 10s, failureThreshold: 3 }
controller:
  healthCheck: { interval: ${opts.controllerInterval ?? '5s'}, timeout: 2s, unhealthyThreshold: 3, healthyThreshold: 3 }
  layers: { dns: ${opts.mode ?? 'platform'} }
load: { rate: 100, clients: 50, honourTtl: ${opts.honourTtl ?? 1} }
faults:
  - { id: a-down, at: 100s, action: service-stop, target: a, duration: 4m }
expect: { rto: "< 10m" }
`;

const first = (events: RunEvent[], pred: (e: RunEvent) => boolean) => events.find(pred);

describe('analytical cases', () => {
  it('Route 53 (interval 10 s, threshold 3) declares the stopped primary unhealthy within (20 s, 30 s] of the stop, whatever the seed', async () => {
    const delays: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const { record } = await simulate(dnsScenario(), seed);
      const verdict = first(record.events, (e) => e.component === 'route53' && e.detail.health === 'unhealthy');
      expect(verdict, `seed ${seed}`).toBeDefined();
      const delay = verdict!.atMs - 100_000;
      expect(delay, `seed ${seed}`).toBeGreaterThan(20_000);
      expect(delay, `seed ${seed}`).toBeLessThanOrEqual(30_000);
      delays.push(delay);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('detection is the verdict that moved traffic: Route 53 in platform mode (our controller, which noticed first, is reported beside it), our controller in controller mode', async () => {
    // design.md §4: t_detect is the verdict of the component whose decision switched; the first to notice is firstNoticedBy/firstNoticedMs
    for (const seed of [1, 2, 3]) {
      const platform = await simulate(dnsScenario(), seed);
      const route53 = first(platform.record.events, (e) => e.component === 'route53' && e.detail.health === 'unhealthy')!;
      const byRoute53 = platform.result.metrics.perFault[0]!;
      expect(byRoute53.detectedBy, `seed ${seed}`).toBe('route53');
      expect(byRoute53.detectedAtMs, `seed ${seed}`).toBe(route53.atMs);
      // our controller's first failed check (interval 5 s, refused at once) comes within one interval of the stop
      expect(byRoute53.firstNoticedBy, `seed ${seed}`).toBe('controller');
      expect(byRoute53.firstNoticedMs!, `seed ${seed}`).toBeGreaterThan(0);
      expect(byRoute53.firstNoticedMs!, `seed ${seed}`).toBeLessThanOrEqual(5_000);
      expect(byRoute53.firstNoticedMs!, `seed ${seed}`).toBeLessThan(byRoute53.detectionMs!);

      const byController = (await simulate(dnsScenario({ mode: 'controller' }), seed)).result.metrics.perFault[0]!;
      expect(byController.detectedBy, `seed ${seed}`).toBe('controller');
      expect(byController.detectionMs!, `seed ${seed}`).toBeGreaterThan(10_000);
      expect(byController.detectionMs!, `seed ${seed}`).toBeLessThanOrEqual(15_000);
    }
  });

  it('clients that honour a 60 s TTL are all on the secondary no later than switch + 60 s', async () => {
    const { result, record } = await simulate(dnsScenario({ honourTtl: 1 }), 3);
    const switchedAtMs = result.metrics.perFault[0]!.switchedAtMs!;
    expect(switchedAtMs).toBeGreaterThan(100_000);
    const { resolutionMs, byServer } = record.samples;
    const from = Math.ceil((switchedAtMs + 60_000) / resolutionMs);
    const until = Math.floor(340_000 / resolutionMs);
    let onPrimary = 0;
    let onSecondary = 0;
    for (let b = from; b < until; b++) {
      onPrimary += byServer.a!.ok[b]! + byServer.a!.err[b]!;
      onSecondary += byServer.b!.ok[b]!;
    }
    expect(onPrimary).toBe(0);
    // every request of the window: 100 requests/s
    expect(Math.abs(onSecondary - ((until - from) * resolutionMs * 100) / 1000)).toBeLessThanOrEqual(1);
    // …and some were still on the primary shortly before: the TTL, not the switch, moved them.
    const before = Math.floor((switchedAtMs + 30_000) / resolutionMs);
    expect(byServer.a!.err[before]! + byServer.a!.err[before - 1]!).toBeGreaterThan(0);
    expect(result.metrics.rtoMs!).toBeLessThanOrEqual(switchedAtMs - 100_000 + 60_000 + 100);
  });

  it('clients that ignore the TTL keep failing until the primary is back', async () => {
    const { record } = await simulate(dnsScenario({ honourTtl: 0.9 }), 3);
    const { resolutionMs, byServer } = record.samples;
    const lateInFault = Math.floor(300_000 / resolutionMs);
    let stuck = 0;
    for (let b = lateInFault; b < lateInFault + 100; b++) stuck += byServer.a!.err[b]!;
    // 5 of 50 clients, 2 requests/s each, over 10 s
    expect(stuck).toBeGreaterThanOrEqual(95);
    expect(stuck).toBeLessThanOrEqual(105);
  });

  it('a planned failover drains first: zero client errors while the primary group is down for maintenance', async () => {
    const { result } = await simulateFile(`${repoRoot}/scenarios/planned-maintenance.yaml`);
    const maintenance = result.metrics.perFault.filter((f) => f.planned);
    expect(maintenance.length).toBe(2);
    expect(maintenance.every((f) => f.removedAtMs! - f.injectedAtMs === 240_000)).toBe(true);
    expect(result.metrics.errorCount).toBe(0);
    expect(result.metrics.requestCount).toBe(60_000);
    const planned = result.failovers.find((f) => f.type === 'planned');
    expect(planned?.status).toBe('completed');
    // the maintenance stop comes only after the 30 s deregistration delay
    expect(maintenance[0]!.injectedAtMs - planned!.startMs).toBe(30_000);
  });

  it('a target group fails open when every target is unhealthy, and routes around a single failed target', async () => {
    const scenario = (faults: string) => `
name: tg-fail-open
duration: 4m
setup:
  servers: [{ id: t1 }, { id: t2 }]
  loadBalancer:
    targetGroups:
      - id: tg
        priority: 1
        targets: [t1, t2]
        healthCheck: { interval: 10s, unhealthyThreshold: 2, healthyThreshold: 2 }
load: { rate: 100, clients: 20 }
faults:
${faults}
# a refused check fails at once: unhealthyThreshold 2 × interval 10 s bounds detection
expect: { detection: "<= 20s" }
`;
    const one = await simulate(scenario('  - { id: f1, at: 60s, action: service-stop, target: t1 }'));
    const f1 = one.result.metrics.perFault[0]!;
    expect(f1.detectedBy).toBe('lb');
    // the first failing check comes within one interval of the stop, the second one interval later: (10 s, 20 s]
    expect(f1.detectionMs!).toBeGreaterThan(10_000);
    expect(f1.detectionMs!).toBeLessThanOrEqual(20_000);
    expect(one.result.expectations.map((e) => [e.name, e.pass])).toEqual([['detection', true]]);
    expect(f1.switchedAtMs).toBe(f1.detectedAtMs);
    // half the requests fail until the group routes around t1, none after
    expect(f1.errorCount).toBeGreaterThan(0.4 * 100 * (f1.detectionMs! / 1000));
    expect(f1.recoveredAtMs!).toBeLessThanOrEqual(f1.switchedAtMs! + 100);

    const both = await simulate(
      scenario('  - { id: f1, at: 60s, action: service-stop, target: t1 }\n  - { id: f2, at: 60s, action: service-stop, target: t2 }'),
    );
    const events = both.record.events;
    expect(events.filter((e) => e.type === 'target.health' && e.detail.health === 'unhealthy')).toHaveLength(2);
    // t1 leaves the routable set first; when t2 fails too, the group fails open and routes to both again
    const routes = events.filter((e) => e.type === 'route.changed');
    expect(routes.map((e) => [e.detail.fromServers, e.detail.toServers])).toEqual([
      ['t1,t2', 't2'],
      ['t2', 't1,t2'],
    ]);
    expect(both.result.metrics.rtoMs).toBeNull();
    expect(both.result.metrics.errorCount).toBeGreaterThan(0.99 * 100 * 180);
    // failing open is not a failover: traffic never left the stopped targets, so there is no switch and no detection
    // by the component that moved traffic (design.md §4), and the stated detection bound fails as "did not happen"
    for (const f of both.result.metrics.perFault) expect([f.timeToSwitchMs, f.detectedAtMs]).toEqual([null, null]);
    expect(both.result.expectations).toMatchObject([{ name: 'detection', pass: false, actual: null }]);
  });

  it('a slow server beyond the health check timeout is detected; below it, it is not; clients with a longer timeout never fail', async () => {
    // controller: interval 5 s, timeout 2 s, unhealthyThreshold 3 (default); clients time out after 5 s (default)
    const intervalMs = 5_000;
    const timeoutMs = 2_000;
    const threshold = defaults.controller.unhealthyThreshold;
    const scenario = (latency: string, expectations: string) => `
name: slow
duration: 3m
setup:
  servers: [{ id: a }, { id: b }]
  dns: { record: x.example.com, ttl: 10s, primary: a, secondary: b, healthCheck: { interval: 10s } }
controller: { healthCheck: { interval: 5s, timeout: 2s }, layers: { dns: controller } }
load: { rate: 20, clients: 10 }
faults: [{ id: slow, at: 30s, action: latency, latency: ${latency}, target: a }]
expect: ${expectations}
`;
    expect(defaults.load.timeoutMs).toBeGreaterThan(3_000);
    // a check slower than its timeout fails when the timeout runs out; `threshold` of them in a row, one per interval
    const boundMs = threshold * intervalMs + timeoutMs;
    const detections: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const slow = await simulate(scenario('3s', `{ errors: "0", detection: "<= ${boundMs}ms" }`), seed);
      const fault = slow.result.metrics.perFault[0]!;
      expect(fault.detectedBy, `seed ${seed}`).toBe('controller');
      expect(fault.detectionMs!, `seed ${seed}`).toBeGreaterThanOrEqual((threshold - 1) * intervalMs + timeoutMs);
      expect(slow.result.verdict, `seed ${seed}`).toBe('pass');
      detections.push(fault.detectionMs!);
    }
    expect(new Set(detections).size).toBeGreaterThan(1);
    // 500 ms is within both timeouts: nobody declares anything, nobody fails
    const fast = await simulate(scenario('500ms', '{ errors: "0" }'));
    expect(fast.result.metrics.perFault[0]!.detectedAtMs).toBeNull();
    expect(fast.result.metrics.errorCount).toBe(0);
    expect(fast.result.verdict).toBe('pass');
  });
});
