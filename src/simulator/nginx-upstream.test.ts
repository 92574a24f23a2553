import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../measure/events.js';
import { EventLog } from '../measure/events.js';
import { SampleRecorder } from '../measure/samples.js';
import { SeededRng } from '../random/seeded-rng.js';
import { parseScenario } from '../scenario/load.js';
import { VirtualClock } from './clock.js';
import type { SimContext } from './context.js';
import { Engine } from './engine.js';
import { ClientLoad, type RequestSchedule } from './load.js';
import { mergedSchedule, nginxSettings, SimNginxUpstream } from './nginx-upstream.js';
import { APP_PORT, SimServer } from './server.js';

/**
 * Expected figures come from the upstream's settings (max_fails = unhealthyThreshold 2, fail_timeout =
 * interval 5 s, proxy_connect_timeout = timeout 2 s), the servers' latency (1 ms; a refusal takes 1 ms),
 * the clients' schedule, and nginx's rules (ngx_http_upstream_module: `max_fails`, `fail_timeout`,
 * `backup`; ngx_http_proxy_module: `proxy_next_upstream`; ngx_http_upstream_round_robin.c: a failure
 * sets `checked`, a peer with max_fails failures is skipped while now − checked ≤ fail_timeout, the
 * request that picks it again sets `checked`; a request the client abandoned frees the peer without a
 * failure).
 */
const MAX_FAILS = 2;
const FAIL_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 2_000;
const LATENCY_MS = 1;
const REFUSED_MS = 1;
const FAULT_AT_MS = 10_000;
const END_MS = 40_000;

const lbText = (groups: string) => `name: unit
duration: 40s
setup:
  servers: [{ id: web-1, latency: 1ms }, { id: web-2, latency: 1ms }, { id: web-3, latency: 1ms }]
  loadBalancer:
    id: lb
    kind: nginx
    targetGroups:
${groups}
`;
const group = (id: string, priority: number, targets: string) =>
  `      - { id: ${id}, priority: ${priority}, targets: [${targets}], healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: ${MAX_FAILS} } }`;
const TWO_GROUPS = [group('tg-a', 1, 'web-1'), group('tg-b', 2, 'web-2')].join('\n');

interface Sample {
  bucket: number;
  server: string;
  ok: boolean;
  latencyMs: number;
  count: number;
}

/** Keeps every count the load adds, at 1 ms buckets: a bucket is a request's start, to the millisecond. */
class Tap extends SampleRecorder {
  readonly samples: Sample[] = [];
  override add(bucket: number, server: string, ok: boolean, latencyMs: number, count: number): void {
    if (count > 0) this.samples.push({ bucket, server, ok, latencyMs, count });
    super.add(bucket, server, ok, latencyMs, count);
  }
}

function setUp(groups: string, load: { rate: number; clients: number; timeoutMs: number }, seed = 3) {
  const lb = parseScenario(lbText(groups), 'unit.yaml').scenario.setup.loadBalancer!;
  const engine = new Engine();
  const events = new EventLog(new VirtualClock(engine));
  const servers = new Map(['web-1', 'web-2', 'web-3'].map((id) => [id, new SimServer(id, LATENCY_MS)]));
  const recorder = new Tap(1, END_MS);
  const ref: { nginx?: SimNginxUpstream; load?: ClientLoad } = {};
  const ctx: SimContext = {
    engine,
    events,
    rng: new SeededRng(seed),
    beforeRoutingChange: () => {
      ref.load?.flush(engine.nowMs);
      ref.nginx?.worldChanging();
    },
  };
  const nginx = new SimNginxUpstream(lb, ctx, (id) => servers.get(id)!.respond(), () => ref.load!.requestsTo('lb'), load.timeoutMs);
  const clientLoad = new ClientLoad(
    { ratePerSec: load.rate, clients: load.clients, honourTtlShare: 1, timeoutMs: load.timeoutMs, ttlMs: Infinity },
    { resolve: () => 'lb', backends: () => nginx.backends(), respond: (id) => nginx.respond(id), lossRatio: () => 0 },
    recorder,
    new SeededRng(seed).fork('load'),
  );
  Object.assign(ref, { nginx, load: clientLoad });
  /** Changes the world at `atMs`, as a fault does: the load is counted up to then first. */
  const at = (atMs: number, change: () => void) =>
    engine.at(atMs, () => {
      ctx.beforeRoutingChange();
      change();
    });
  const run = async () => {
    await engine.runUntil(END_MS);
    clientLoad.flush(END_MS);
  };
  const schedule: RequestSchedule = clientLoad.requestsTo('lb');
  const health = (target: string) => events.events.filter((e) => e.type === 'target.health' && e.detail.target === target);
  const routes = () => events.events.filter((e) => e.type === 'route.changed');
  const count = (pick: (s: Sample) => boolean) => recorder.samples.filter(pick).reduce((n, s) => n + s.count, 0);
  return { nginx, servers, recorder, events, at, run, schedule, health, routes, count };
}

const at = (e: RunEvent) => e.atMs;

describe('nginx upstream settings', () => {
  it('puts the forwarded group first and the others as backup, each with its own max_fails and fail_timeout, in whole seconds as nginx.conf has them', () => {
    const lb = parseScenario(lbText([group('tg-a', 1, 'web-1, web-3'), group('tg-b', 2, 'web-2')].join('\n')), 'unit.yaml').scenario.setup.loadBalancer!;
    const forwarded = nginxSettings(lb, 'tg-b', 2_400);
    expect(forwarded.peers.map((p) => `${p.server}${p.backup ? ' backup' : ''} ${p.maxFails} ${p.failTimeoutMs}`)).toEqual([
      `web-2 ${MAX_FAILS} ${FAIL_TIMEOUT_MS}`,
      `web-1 backup ${MAX_FAILS} ${FAIL_TIMEOUT_MS}`,
      `web-3 backup ${MAX_FAILS} ${FAIL_TIMEOUT_MS}`,
    ]);
    // proxy_connect_timeout from the forwarded group's 2 s; proxy_read_timeout 2.4 s rounds to 2 s
    expect([forwarded.connectTimeoutMs, forwarded.readTimeoutMs]).toEqual([CONNECT_TIMEOUT_MS, 2_000]);
  });
});

describe('nginx upstream model', () => {
  // one client every 100 ms: the requests are exactly known from its phase
  const oneClient = { rate: 10, clients: 1, timeoutMs: 5_000 };
  const periodMs = 100;

  it('a refused primary: the backup answers every request at once, 0 client errors; max_fails failures take the primary out, then one request per fail_timeout tries it again', async () => {
    const t = setUp(TWO_GROUPS, oneClient);
    t.at(FAULT_AT_MS, () => t.servers.get('web-1')!.stop());
    await t.run();
    expect(t.count((s) => !s.ok)).toBe(0);
    expect(t.count((s) => s.server === 'web-1' && s.bucket >= FAULT_AT_MS)).toBe(0);
    // the max_fails-th request after the fault fails 1 ms after it starts: web-1 is out, nginx routes to the backup
    const markedAtMs = t.schedule.nth(FAULT_AT_MS, MAX_FAILS) + REFUSED_MS;
    expect(t.health('web-1').map((e) => [at(e), e.detail.health, e.detail.reason])).toEqual([[markedAtMs, 'unhealthy', 'nginx: upstream server temporarily disabled (max_fails)']]);
    expect(t.routes().map((e) => [at(e), e.detail.fromServers, e.detail.toServers, e.detail.from, e.detail.to])).toEqual([[markedAtMs, 'web-1', 'web-2', 'tg-a', 'tg-b']]);
    // requests that tried web-1 first: the max_fails that took it out, then one each fail_timeout after the last failure
    const retried: number[] = [];
    for (let i = 1; i <= MAX_FAILS; i++) retried.push(t.schedule.nth(FAULT_AT_MS, i));
    for (let probe = t.schedule.nth(retried.at(-1)! + REFUSED_MS + FAIL_TIMEOUT_MS, 1); probe < END_MS; probe = t.schedule.nth(probe + REFUSED_MS + FAIL_TIMEOUT_MS, 1)) retried.push(probe);
    const slow = t.recorder.samples.filter((s) => s.latencyMs === REFUSED_MS + LATENCY_MS);
    expect(slow.map((s) => s.bucket)).toEqual(retried.map(Math.floor));
    expect(slow.every((s) => s.server === 'web-2' && s.ok)).toBe(true);
    expect(retried.length).toBe(MAX_FAILS + Math.floor((END_MS - retried[MAX_FAILS - 1]!) / (Math.ceil((FAIL_TIMEOUT_MS + REFUSED_MS) / periodMs) * periodMs)));
  });

  it('a silent primary (port dropped): each request waits proxy_connect_timeout until max_fails failures in fail_timeout take it out, so exactly the requests sent in that window are slow', async () => {
    const t = setUp(TWO_GROUPS, { rate: 10, clients: 3, timeoutMs: 5_000 });
    t.at(FAULT_AT_MS, () => t.servers.get('web-1')!.addDrop({ port: APP_PORT }));
    t.at(30_000, () => t.servers.get('web-2')!.stop());
    await t.run();
    const markedAtMs = t.schedule.nth(FAULT_AT_MS, MAX_FAILS) + CONNECT_TIMEOUT_MS;
    expect(t.health('web-1').map(at)).toEqual([markedAtMs]);
    const slowWindow = t.schedule.count(FAULT_AT_MS, markedAtMs);
    // every request sent before web-1 was out waited for the connect timeout, then the backup answered
    const lastSlowMs = t.schedule.nth(FAULT_AT_MS, slowWindow);
    const probes: number[] = [];
    for (let probe = t.schedule.nth(lastSlowMs + CONNECT_TIMEOUT_MS + FAIL_TIMEOUT_MS, 1); probe < 30_000; probe = t.schedule.nth(probe + CONNECT_TIMEOUT_MS + FAIL_TIMEOUT_MS, 1)) probes.push(probe);
    const slow = t.recorder.samples.filter((s) => s.bucket < 30_000 && s.latencyMs === CONNECT_TIMEOUT_MS + LATENCY_MS);
    expect(slow.reduce((n, s) => n + s.count, 0)).toBe(slowWindow + probes.length);
    expect(slow.filter((s) => s.bucket >= markedAtMs).map((s) => s.bucket)).toEqual(probes.map(Math.floor));
    expect(t.count((s) => !s.ok && s.bucket < 30_000)).toBe(0);
    expect(slowWindow).toBeGreaterThanOrEqual(MAX_FAILS);
  });

  it('502 only when every peer fails: a stopped backup costs nothing while the primary answers; both stopped fail every request', async () => {
    const backupDown = setUp(TWO_GROUPS, oneClient);
    backupDown.at(FAULT_AT_MS, () => backupDown.servers.get('web-2')!.stop());
    await backupDown.run();
    expect(backupDown.count((s) => !s.ok)).toBe(0);
    expect(backupDown.events.events).toEqual([]);

    const bothDown = setUp(TWO_GROUPS, oneClient);
    bothDown.at(FAULT_AT_MS, () => {
      bothDown.servers.get('web-1')!.stop();
      bothDown.servers.get('web-2')!.stop();
    });
    await bothDown.run();
    expect(bothDown.count((s) => !s.ok)).toBe(bothDown.schedule.count(FAULT_AT_MS, END_MS));
    expect(bothDown.count((s) => s.ok && s.bucket >= FAULT_AT_MS)).toBe(0);
    // each request tried both: after max_fails requests both are out and nginx has no live upstream
    const bothOutMs = bothDown.schedule.nth(FAULT_AT_MS, MAX_FAILS) + 2 * REFUSED_MS;
    expect(bothDown.health('web-1').map(at)).toEqual([bothDown.schedule.nth(FAULT_AT_MS, MAX_FAILS) + REFUSED_MS]);
    expect(bothDown.health('web-2').map(at)).toEqual([bothOutMs]);
    expect(bothDown.routes().at(-1)!.detail.toServers).toBe('');
  });

  it('a client that gives up before proxy_connect_timeout is no failure to nginx (499): a silent primary is never taken out and every request to it times out', async () => {
    const t = setUp(TWO_GROUPS, { rate: 10, clients: 1, timeoutMs: CONNECT_TIMEOUT_MS });
    t.at(FAULT_AT_MS, () => t.servers.get('web-1')!.addDrop({ port: APP_PORT }));
    await t.run();
    expect(t.count((s) => !s.ok)).toBe(t.schedule.count(FAULT_AT_MS, END_MS));
    expect(t.events.events).toEqual([]);
  });

  it('after fail_timeout the one request that tries the primary again finds it back: answered again, routed back', async () => {
    const t = setUp(TWO_GROUPS, oneClient);
    const restoredAtMs = 20_000;
    let undo = () => undefined as void;
    t.at(FAULT_AT_MS, () => (undo = t.servers.get('web-1')!.stop()));
    t.at(restoredAtMs, () => undo());
    await t.run();
    let probe = t.schedule.nth(FAULT_AT_MS, MAX_FAILS);
    do probe = t.schedule.nth(probe + REFUSED_MS + FAIL_TIMEOUT_MS, 1);
    while (probe < restoredAtMs);
    expect(t.health('web-1').map((e) => [e.detail.health, e.detail.reason])).toEqual([
      ['unhealthy', 'nginx: upstream server temporarily disabled (max_fails)'],
      ['healthy', 'nginx: answered again'],
    ]);
    expect(at(t.health('web-1')[1]!)).toBe(probe);
    expect(t.routes().map((e) => [e.detail.toServers, at(e) === probe])).toEqual([
      ['web-2', false],
      ['web-1', true],
    ]);
    expect(t.count((s) => s.server === 'web-1' && s.bucket >= Math.floor(probe))).toBe(t.schedule.count(probe, END_MS));
  });

  it("a reload (the controller's forwardTo) starts with fresh peer state: the stopped primary is tried again until max_fails; forwarding to the backup group makes it the primary", async () => {
    const t = setUp(TWO_GROUPS, oneClient);
    const reloadAtMs = 12_000;
    const forwardAtMs = 14_000;
    t.at(FAULT_AT_MS, () => t.servers.get('web-1')!.stop());
    t.at(reloadAtMs, () => t.nginx.reload('tg-a'));
    t.at(forwardAtMs, () => t.nginx.reload('tg-b'));
    await t.run();
    expect(t.health('web-1').map(at)).toEqual([t.schedule.nth(FAULT_AT_MS, MAX_FAILS) + REFUSED_MS, t.schedule.nth(reloadAtMs, MAX_FAILS) + REFUSED_MS]);
    expect(t.routes().map((e) => [e.detail.fromServers, e.detail.toServers])).toEqual([
      ['web-1', 'web-2'],
      ['web-2', 'web-1'],
      ['web-1', 'web-2'],
    ]);
    expect(t.nginx.forwardTo).toBe('tg-b');
    expect(t.nginx.settings.peers.map((p) => [p.server, p.backup])).toEqual([
      ['web-2', false],
      ['web-1', true],
    ]);
    // after the switch the backup web-1 is never reached: only the 2 × max_fails requests before the switch tried it
    expect(t.count((s) => s.latencyMs === REFUSED_MS + LATENCY_MS)).toBe(2 * MAX_FAILS);
    expect(t.count((s) => !s.ok)).toBe(0);
  });

  it('one server and no backup is nginx\'s "single" peer: never taken out, never retried', async () => {
    const t = setUp(group('tg-a', 1, 'web-1'), oneClient);
    t.at(FAULT_AT_MS, () => t.servers.get('web-1')!.stop());
    await t.run();
    expect(t.count((s) => !s.ok)).toBe(t.schedule.count(FAULT_AT_MS, END_MS));
    expect(t.events.events).toEqual([]);
  });

  it('with two primaries, round robin: the stopped one takes requests in turn until max_fails of its own, the other answers them all', async () => {
    const t = setUp([group('tg-a', 1, 'web-1, web-3'), group('tg-b', 2, 'web-2')].join('\n'), { rate: 100, clients: 10, timeoutMs: 5_000 });
    t.at(FAULT_AT_MS, () => t.servers.get('web-1')!.stop());
    await t.run();
    expect(t.count((s) => !s.ok)).toBe(0);
    expect(t.count((s) => s.server === 'web-2')).toBe(0);
    expect(t.routes().map((e) => [e.detail.fromServers, e.detail.toServers])).toEqual([['web-1,web-3', 'web-3']]);
    // every other request starts at web-1: its max_fails-th failure comes with the (2 × max_fails)-th request
    expect(t.health('web-1').map(at)).toEqual([t.schedule.nth(FAULT_AT_MS, 2 * MAX_FAILS) + REFUSED_MS]);
  });
});

describe('mergedSchedule', () => {
  const every = (phaseMs: number, periodMs: number): RequestSchedule => ({
    count: (a, b) => Math.max(0, Math.ceil((b - phaseMs) / periodMs)) - Math.max(0, Math.ceil((a - phaseMs) / periodMs)),
    nth: (from, k) => phaseMs + (Math.max(0, Math.ceil((from - phaseMs) / periodMs)) + k - 1) * periodMs,
  });

  it('counts and orders the requests of several streams as one', () => {
    const merged = mergedSchedule([every(0, 100), every(30, 50)]);
    // in [0, 200): 0, 100 and 30, 80, 130, 180
    expect(merged.count(0, 200)).toBe(6);
    expect([1, 2, 3, 4, 5, 6].map((k) => merged.nth(0, k))).toEqual([0, 30, 80, 100, 130, 180]);
  });
});
