import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import type { FaultMetrics } from '../../src/measure/metrics.js';
import { parseScenario } from '../../src/scenario/load.js';
import { masterDownIntervalMs } from '../../src/simulator/vrrp.js';
import { simulate } from '../helpers/sim.js';

// Faults injected together or overlapping, on different layers and servers (design.md §4, README "What is measured"):
// each fault has its own detection and switch, no client error is counted in two faults, per-fault errors add up to
// the run's total, and failback is counted from the last overlapping removal. Every bound below comes from the
// scenario text next to it, through the parsed scenario.

/** Public clients → load balancer (app-1, app-2, which use the database); internal clients → a keepalived VIP (svc-a, svc-b). */
const layered = (extraFault = '') => `
name: concurrent-layers
duration: 4m
setup:
  servers:
    - { id: app-1, latency: 10ms }
    - { id: app-2, latency: 10ms }
    - { id: svc-a, latency: 5ms }
    - { id: svc-b, latency: 5ms }
    - { id: db-a }
    - { id: db-b }
  loadBalancer:
    id: alb
    targetGroups:
      - { id: tg, priority: 1, targets: [app-1, app-2], healthCheck: { interval: 10s, unhealthyThreshold: 2, healthyThreshold: 2 } }
  vip:
    id: vip-svc
    advertInt: 1s
    nodes:
      - { server: svc-a, priority: 100, state: MASTER }
      - { server: svc-b, priority: 90 }
    trackScript: { interval: 5s, timeout: 1s, fall: 2, rise: 2, weight: -20 }
  database:
    id: db
    engine: rds-multi-az-cluster
    primary: db-a
    standby: db-b
    clients: [app-1, app-2]
    endpoint: { mode: dns, ttl: 5s }
controller:
  layers: { database: platform }
load: { rate: 100, clients: 20, entry: alb, timeout: 1s }
loads:
  - { name: internal, entry: vip-svc, rate: 100, clients: 10, timeout: 1s }
faults:
  - { id: app-1-down, at: 60s, action: service-stop, target: app-1, duration: 90s }
  - { id: svc-a-dropped, at: 60s, action: network-drop, target: svc-a, port: 80, duration: 90s }
${extraFault}
# the slowest detector is the target group: unhealthyThreshold 2 × interval 10 s; the cluster replicates synchronously
expect: { detection: "<= 20s", lostWrites: "0" }
`;
const dbFailover = '  - { id: db-failover, at: 90s, action: aws:rds:failover-db-cluster, target: db }';

/** Two target groups behind a listener the controller moves; the primary group's two servers stop with overlapping windows. */
const staggered = `
name: concurrent-group
duration: 8m
setup:
  servers: [{ id: blue-1 }, { id: blue-2 }, { id: green-1 }, { id: green-2 }]
  loadBalancer:
    id: alb
    targetGroups:
      - { id: tg-blue, priority: 1, targets: [blue-1, blue-2], healthCheck: { interval: 10s, timeout: 5s, healthyThreshold: 3, unhealthyThreshold: 2 } }
      - { id: tg-green, priority: 2, targets: [green-1, green-2], healthCheck: { interval: 10s, timeout: 5s, healthyThreshold: 3, unhealthyThreshold: 2 } }
controller:
  healthCheck: { interval: 5s, timeout: 2s, healthyThreshold: 3, unhealthyThreshold: 3 }
  failback: automatic
  layers: { loadBalancer: controller }
load: { rate: 100, clients: 20 }
faults:
  - { id: blue-1-down, at: 60s, action: service-stop, target: blue-1, duration: 3m }
  - { id: blue-2-down, at: 120s, action: service-stop, target: blue-2, duration: 3m }
expect: { failback: "<= 30s" }
`;

const SEEDS = [1, 2, 3];

const config = (text: string) => parseScenario(text, 'inline.yaml').scenario;
const byId = (faults: FaultMetrics[], id: string) => faults.find((f) => f.faultId === id)!;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const routeAway = (events: RunEvent[], layer: string, server: string, fromMs: number) =>
  events.find((e) => e.type === 'route.changed' && e.detail.layer === layer && e.atMs >= fromMs && String(e.detail.fromServers).split(',').includes(server) && !String(e.detail.toServers).split(',').includes(server));

describe('two faults injected together on different layers', () => {
  const scenario = config(layered());
  const [appFault, svcFault] = scenario.faults;
  const tg = scenario.setup.loadBalancer!.targetGroups[0]!;
  const vip = scenario.setup.vip!;
  const track = vip.trackScript!;
  const backupPriority = vip.nodes[1]!.priority;
  const masterPriority = vip.nodes[0]!.priority;
  const [publicLoad, internalLoad] = [scenario.load, scenario.loads[0]!];

  it.each(SEEDS)('seed %i: each fault is detected and switched by its own layer, within the bounds its configuration implies', async (seed) => {
    const { result, record } = await simulate(layered(), seed);
    const app = byId(result.metrics.perFault, appFault!.id);
    const svc = byId(result.metrics.perFault, svcFault!.id);

    // the target group drops app-1 after unhealthyThreshold refused checks, one per interval: (thr − 1, thr] intervals
    expect(app.detectedBy).toBe('lb');
    expect(app.detectionMs!).toBeGreaterThan((tg.healthCheck.unhealthyThreshold - 1) * tg.healthCheck.intervalMs);
    expect(app.detectionMs!).toBeLessThanOrEqual(tg.healthCheck.unhealthyThreshold * tg.healthCheck.intervalMs);
    expect(app.switchedAtMs).toBe(routeAway(record.events, 'targetGroup', 'app-1', app.injectedAtMs)!.atMs);
    expect(app.switchedAtMs).toBe(app.detectedAtMs);

    // keepalived's track_script fails `fall` checks in a row, each when its timeout runs out
    expect(svc.detectedBy).toBe('vip');
    expect(svc.detectionMs!).toBeGreaterThan((track.fall - 1) * track.intervalMs + track.timeoutMs);
    expect(svc.detectionMs!).toBeLessThanOrEqual(track.fall * track.intervalMs + track.timeoutMs);
    // the backup takes over Master_Down_Interval after the last advert that still carried the master's priority (RFC 5798 §6.4.2)
    expect(svc.switchedAtMs).toBe(routeAway(record.events, 'vip', 'svc-a', svc.injectedAtMs)!.atMs);
    expect(svc.switchedAtMs! - svc.detectedAtMs!).toBeGreaterThan(masterDownIntervalMs(backupPriority, vip.advertIntMs) - vip.advertIntMs);
    expect(svc.switchedAtMs! - svc.detectedAtMs!).toBeLessThanOrEqual(masterDownIntervalMs(backupPriority, vip.advertIntMs));

    // time to switch is fault → switch, for each fault on its own
    for (const f of [app, svc]) expect(f.timeToSwitchMs).toBe(f.switchedAtMs! - f.injectedAtMs);
    expect(result.verdict).toBe('pass');
  });

  it.each(SEEDS)('seed %i: every client error is counted once, in the fault that caused it, and the counts add up to the run', async (seed) => {
    const { result } = await simulate(layered(), seed);
    const { metrics } = result;
    const app = byId(metrics.perFault, appFault!.id);
    const svc = byId(metrics.perFault, svcFault!.id);
    expect(app.incident).toBe(svc.incident);
    expect(app.errorCount + svc.errorCount).toBe(metrics.errorCount);
    expect(app.requestCount + svc.requestCount).toBeLessThanOrEqual(metrics.requestCount);
    // round robin sends half the public requests to app-1 until the group drops it: rate / 2 × time to switch,
    // within one request per client at either edge
    expect(Math.abs(app.errorCount - (publicLoad.ratePerSec / 2) * (app.timeToSwitchMs! / 1000))).toBeLessThanOrEqual(publicLoad.clients);
    // every internal request goes to the VIP holder, dropped until the backup takes over; when the VIP moves back,
    // each internal client's keep-alive connection to the backup is reset once (RFC 9293: the primary has none)
    const resetsAtFailback = svc.failedBackAtMs !== null ? internalLoad.clients : 0;
    expect(Math.abs(svc.errorCount - internalLoad.ratePerSec * (svc.timeToSwitchMs! / 1000) - resetsAtFailback)).toBeLessThanOrEqual(internalLoad.clients);
  });

  it.each(SEEDS)('seed %i: clients recover after the later switch; both fail back from the common removal', async (seed) => {
    const { result } = await simulate(layered(), seed);
    const { metrics } = result;
    const res = metrics.resolutionMs;
    const app = byId(metrics.perFault, appFault!.id);
    const svc = byId(metrics.perFault, svcFault!.id);
    for (const f of [app, svc]) {
      expect(f.rtoMs!).toBeGreaterThanOrEqual(0);
      expect(f.recoveredAtMs!).toBeGreaterThanOrEqual(f.injectedAtMs);
    }
    // the run's clients are whole only once both switches happened: the recovery window may start before the later one
    // only by as many failing requests as one window tolerates, (1 − successRatio) × window × both rates, ± one per client
    const { windowMs, successRatio } = scenario.measure.recovery;
    const later =
      svc.timeToSwitchMs! >= app.timeToSwitchMs!
        ? { switchMs: svc.timeToSwitchMs!, failingPerSec: internalLoad.ratePerSec, clients: internalLoad.clients }
        : { switchMs: app.timeToSwitchMs!, failingPerSec: publicLoad.ratePerSec / 2, clients: publicLoad.clients };
    const toleratedErrors = (1 - successRatio) * (windowMs / 1000) * (publicLoad.ratePerSec + internalLoad.ratePerSec) + later.clients;
    expect(metrics.rtoMs! + res).toBeGreaterThanOrEqual(later.switchMs - (toleratedErrors / later.failingPerSec) * 1000);
    // app-2 kept answering: the new path answered from the fault on; svc-b answers from the takeover on
    expect(app.firstSuccessMs!).toBeLessThanOrEqual(res);
    expect(Math.abs(svc.firstSuccessAtMs! - svc.switchedAtMs!)).toBeLessThanOrEqual(res);

    // both removed at the same moment: app-1 rejoins after healthyThreshold passing checks, one per interval
    const removedAtMs = appFault!.atMs + appFault!.durationMs!;
    expect(app.failbackMs).toBe(app.failedBackAtMs! - removedAtMs);
    expect(app.failbackMs!).toBeGreaterThan((tg.healthCheck.healthyThreshold - 1) * tg.healthCheck.intervalMs);
    expect(app.failbackMs!).toBeLessThanOrEqual(tg.healthCheck.healthyThreshold * tg.healthCheck.intervalMs);
    // svc-a's script rises after `rise` passing checks, then it preempts after its master-down timer
    expect(svc.failbackMs).toBe(svc.failedBackAtMs! - removedAtMs);
    expect(svc.failbackMs!).toBeLessThanOrEqual(track.rise * track.intervalMs + masterDownIntervalMs(masterPriority, vip.advertIntMs));
    expect(metrics.failbackMs).toBe(Math.max(app.failbackMs!, svc.failbackMs!));
  });
});

describe('three faults: a database failover overlaps the two', () => {
  const scenario = config(layered(dbFailover));
  const db = scenario.setup.database!;
  const dbFault = scenario.faults[2]!;
  const publicLoad = scenario.load;

  it.each(SEEDS)('seed %i: the database fault has its own figures, the VIP fault keeps its own, and errors add up', async (seed) => {
    const two = await simulate(layered(), seed);
    const three = await simulate(layered(dbFailover), seed);
    const events = three.record.events;
    const m = three.result.metrics;
    const dbFig = byId(m.perFault, dbFault.id);

    // the FIS action starts the cluster's failover: the platform's verdict is the injection itself
    expect(dbFig.detectedBy).toBe('db');
    expect(dbFig.detectedAtMs).toBe(dbFault.atMs);
    const writer = events.find((e) => e.component === 'db' && e.type === 'writer')!;
    const repointed = events.find((e) => e.component === 'db' && e.type === 'route.changed')!;
    expect(dbFig.switchedAtMs).toBe(repointed.atMs);
    expect(repointed.atMs - writer.atMs).toBeLessThanOrEqual(db.endpoint.ttlMs);
    expect(dbFig.timeToSwitchMs).toBe(repointed.atMs - dbFault.atMs);

    // the internal service uses neither the load balancer nor the database: its fault's figures do not move
    const pick = (f: FaultMetrics) => [f.detectedAtMs, f.detectedBy, f.switchedAtMs, f.timeToSwitchMs, f.errorCount, f.failbackMs];
    expect(pick(byId(m.perFault, 'svc-a-dropped'))).toEqual(pick(byId(two.result.metrics.perFault, 'svc-a-dropped')));
    // nor does the target group's verdict on app-1, given 30 s before the database fault
    expect(byId(m.perFault, 'app-1-down').detectedAtMs).toBe(byId(two.result.metrics.perFault, 'app-1-down').detectedAtMs);

    // one incident, every error counted once
    expect(new Set(m.perFault.map((f) => f.incident)).size).toBe(1);
    expect(sum(m.perFault.map((f) => f.errorCount))).toBe(m.errorCount);
    // the app answers 503 while it cannot write: every public request from the failover to the repoint fails on top
    expect(m.errorCount - two.result.metrics.errorCount).toBeGreaterThanOrEqual(
      (publicLoad.ratePerSec * (repointed.atMs - dbFault.atMs)) / 1000 - publicLoad.clients,
    );
    // a synchronous cluster loses nothing
    expect(m.lostWrites).toBe(0);
    expect(three.result.verdict).toBe('pass');
  });

  it.each(SEEDS)('seed %i: the errors the database failover caused are its own, not the stopped app server’s', async (seed) => {
    const { result, record } = await simulate(layered(dbFailover), seed);
    const dbFig = byId(result.metrics.perFault, dbFault.id);
    const appFig = byId(result.metrics.perFault, 'app-1-down');
    const repointed = record.events.find((e) => e.component === 'db' && e.type === 'route.changed')!;
    // app-2 writes through the database (it is no member of it): from the failover until it follows the new writer it
    // answers 503, and those errors belong to the database fault, not to app-1's, although app-1's opened the incident
    const { resolutionMs, byServer } = record.samples;
    const app2 = byServer['app-2']!;
    let app2Errors = 0;
    for (let b = Math.floor(dbFault.atMs / resolutionMs); b < Math.ceil(repointed.atMs / resolutionMs); b++) app2Errors += app2.err[b]!;
    // app-2 is routable throughout (alone, or with app-1 while the group fails open), so it sees a share of the rate
    expect(app2Errors).toBeGreaterThan(0);
    expect(dbFig.errorCount).toBeGreaterThanOrEqual(app2Errors);
    expect(appFig.errorCount).toBeLessThanOrEqual(result.metrics.errorCount - app2Errors);
  });
});

describe('two servers of one group stopped with overlapping windows', () => {
  const scenario = config(staggered);
  const [first, second] = scenario.faults;
  const [blue] = scenario.setup.loadBalancer!.targetGroups;
  const hc = scenario.controller.healthCheck;
  const lastRemovalMs = Math.max(...scenario.faults.map((f) => f.atMs + f.durationMs!));

  it.each(SEEDS)('seed %i: the group routes around the first, the controller moves the listener for the second', async (seed) => {
    const { result, record } = await simulate(staggered, seed);
    const m = result.metrics;
    const one = byId(m.perFault, first!.id);
    const two = byId(m.perFault, second!.id);

    // blue-1: the target group's own verdict (interval 10 s × unhealthyThreshold 2) moves traffic to blue-2
    expect(one.detectedBy).toBe('lb');
    expect(one.detectionMs!).toBeGreaterThan((blue!.healthCheck.unhealthyThreshold - 1) * blue!.healthCheck.intervalMs);
    expect(one.detectionMs!).toBeLessThanOrEqual(blue!.healthCheck.unhealthyThreshold * blue!.healthCheck.intervalMs);
    expect(one.switchedAtMs).toBe(routeAway(record.events, 'targetGroup', 'blue-1', one.injectedAtMs)!.atMs);

    // blue-2: with both down our controller (interval 5 s × unhealthyThreshold 3, refused at once) forwards to tg-green
    const listener = routeAway(record.events, 'loadBalancer', 'blue-2', two.injectedAtMs)!;
    expect(listener.detail.to).toBe('tg-green');
    expect(two.detectedBy).toBe('controller');
    expect(two.detectionMs!).toBeGreaterThan((hc.unhealthyThreshold - 1) * hc.intervalMs);
    expect(two.detectionMs!).toBeLessThanOrEqual(hc.unhealthyThreshold * hc.intervalMs);
    expect(two.switchedAtMs).toBe(listener.atMs);

    // errors: half the requests (round robin) to blue-1 until it is dropped, then all of them to blue-2 until the listener moves
    expect(one.errorCount + two.errorCount).toBe(m.errorCount);
    expect(Math.abs(one.errorCount - (scenario.load.ratePerSec / 2) * (one.timeToSwitchMs! / 1000))).toBeLessThanOrEqual(scenario.load.clients);
    expect(Math.abs(two.errorCount - scenario.load.ratePerSec * (two.timeToSwitchMs! / 1000))).toBeLessThanOrEqual(scenario.load.clients);
  });

  it.each(SEEDS)('seed %i: failback is counted from the last overlapping removal, not from each fault’s own', async (seed) => {
    const { result, record } = await simulate(staggered, seed);
    const m = result.metrics;
    const one = byId(m.perFault, first!.id);
    const two = byId(m.perFault, second!.id);

    // blue-1 is back at 240 s, but the primary group is healthy (both targets) only after blue-2 is back too
    const listenerMoves = record.events.filter((e) => e.type === 'route.changed' && e.detail.layer === 'loadBalancer');
    expect(listenerMoves.filter((e) => e.atMs >= first!.atMs + first!.durationMs! && e.atMs < lastRemovalMs)).toEqual([]);
    for (const f of [one, two]) {
      expect(f.failedBackAtMs!).toBeGreaterThan(lastRemovalMs);
      expect(f.failbackMs).toBe(f.failedBackAtMs! - lastRemovalMs);
    }
    // the listener returns when the controller has seen blue-2 pass healthyThreshold checks in a row: (thr − 1, thr] intervals
    expect(one.failbackMs!).toBeGreaterThan((hc.healthyThreshold - 1) * hc.intervalMs);
    expect(one.failbackMs!).toBeLessThanOrEqual(hc.healthyThreshold * hc.intervalMs);
    // blue-2 itself takes traffic again when the target group has seen healthyThreshold passing checks (interval 10 s × 3)
    expect(two.failbackMs!).toBeGreaterThan((blue!.healthCheck.healthyThreshold - 1) * blue!.healthCheck.intervalMs);
    expect(two.failbackMs!).toBeLessThanOrEqual(blue!.healthCheck.healthyThreshold * blue!.healthCheck.intervalMs);
    expect(m.failbackMs).toBe(Math.max(one.failbackMs!, two.failbackMs!));
    expect(result.verdict).toBe('pass');
  });
});
