import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLog, type RunEvent } from '../measure/events.js';
import { SeededRng } from '../random/seeded-rng.js';
import { VirtualClock } from '../simulator/clock.js';
import { Engine } from '../simulator/engine.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { FailoverController, type ControllerConfig, type ControllerPorts, type FailoverGroupSpec } from './controller.js';
import { PortError, type PortErrorCode } from './port-error.js';
import type { FailoverMember, Notification } from './ports.js';

/** How one port operation misbehaves: which calls fail, and how. */
interface Fault {
  port: string;
  op: string;
  /** Only calls whose first argument is this. */
  arg?: string;
  code?: PortErrorCode;
  /** Fail this many calls, then work again. */
  times?: number;
  /** Fail calls from/until these times. */
  fromMs?: number;
  untilMs?: number;
  /** Throw synchronously instead of rejecting. */
  sync?: boolean;
  /** Throw a plain Error with this message instead of a PortError. */
  plain?: string;
  count: number;
}

const HEALTH = { intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3, path: '/health' };
/** The probe's answer time in this harness. */
const PROBE_MS = 10;
/** Retries in these tests: the defaults without jitter, so each delay is base × factor^(n − 1). */
const RETRY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, jitter: 0 };
const rawDelayMs = (n: number) => Math.min(RETRY.capMs, RETRY.baseMs * RETRY.factor ** (n - 1));
/** Sum of the first `n` retry delays: when attempt n + 1 starts after the first. */
const retryOffsetMs = (n: number) => Array.from({ length: n }, (_, i) => rawDelayMs(i + 1)).reduce((a, b) => a + b, 0);

const dnsGroup = (mode: 'controller' | 'platform' = 'controller'): FailoverGroupSpec => ({
  id: 'dns:app',
  layer: 'dns',
  target: 'app.example.com',
  members: { primary: { id: 'a', endpoints: ['a'] }, secondary: { id: 'b', endpoints: ['b'] } },
  mode,
});
const lbGroup = (mode: 'controller' | 'platform' = 'controller'): FailoverGroupSpec => ({
  id: 'lb:web',
  layer: 'loadBalancer',
  target: 'web',
  members: { primary: { id: 'tg-blue', endpoints: ['a1', 'a2'] }, secondary: { id: 'tg-green', endpoints: ['b1', 'b2'] } },
  mode,
});
const vipGroup = (mode: 'controller' | 'platform' = 'controller'): FailoverGroupSpec => ({
  id: 'vip:v1',
  layer: 'vip',
  target: 'v1',
  members: { primary: { id: 'n1', endpoints: ['a'] }, secondary: { id: 'n2', endpoints: ['b'] } },
  mode,
});
const dbGroup = (mode: 'controller' | 'platform' = 'controller'): FailoverGroupSpec => ({
  id: 'db:orders',
  layer: 'database',
  target: 'orders',
  members: { primary: { id: 'db-1', endpoints: ['db-1'] }, secondary: { id: 'db-2', endpoints: ['db-2'] } },
  mode,
});

/**
 * A controller on a virtual clock over an in-memory world: endpoints that answer probes, a DNS
 * record, a load balancer with target groups, a VIP, a database, an arbiter lease and a scaling
 * group. Every port call is recorded, and any operation can be made to fail.
 */
function harness(overrides: Partial<ControllerConfig> = {}) {
  const engine = new Engine();
  const clock = new VirtualClock(engine);
  const events = new EventLog(clock);
  const notifications: Notification[] = [];
  const calls: Array<{ atMs: number; port: string; op: string; args: unknown[] }> = [];
  const faults: Fault[] = [];
  const delays = new Map<string, number>();
  const up = new Map<string, boolean>();
  /** When set, decides a probe's result from the endpoint and its check number (from 1). */
  let probeScript: ((endpoint: string, n: number) => boolean | undefined) | undefined;
  const probeCount = new Map<string, number>();

  const world = {
    dns: new Map<string, FailoverMember>([['app.example.com', 'primary']]),
    ttlMs: 60_000,
    forward: new Map<string, string>([['web', 'tg-blue']]),
    targets: new Map<string, string[]>([
      ['tg-blue', ['a1', 'a2']],
      ['tg-green', ['b1', 'b2']],
    ]),
    deregistrationMs: new Map<string, number>([
      ['tg-blue', 300_000],
      ['tg-green', 300_000],
    ]),
    holders: new Map<string, string[]>([['v1', ['n1']]]),
    writer: new Map<string, string>([['orders', 'db-1']]),
    dbMembers: ['db-1', 'db-2'],
    lease: new Map<string, { owner: string; untilMs: number }>(),
    desired: new Map<string, number>([['asg-web', 2]]),
  };

  function faultFor(port: string, op: string, args: unknown[]): Fault | undefined {
    const now = clock.nowMs();
    return faults.find(
      (f) =>
        f.port === port &&
        f.op === op &&
        (f.arg === undefined || f.arg === args[0]) &&
        (f.times === undefined || f.count < f.times) &&
        now >= (f.fromMs ?? 0) &&
        (f.untilMs === undefined || now < f.untilMs),
    );
  }

  /** A port method: recorded, possibly failing, possibly slow. */
  function method<A extends unknown[], R>(port: string, op: string, impl: (...args: A) => R | Promise<R>) {
    return (...args: A): Promise<R> => {
      calls.push({ atMs: clock.nowMs(), port, op, args });
      const fault = faultFor(port, op, args);
      if (fault) {
        fault.count++;
        const error = fault.plain ? new Error(fault.plain) : new PortError(fault.code ?? 'UNAVAILABLE', port, op, 'injected');
        if (fault.sync) throw error;
        return Promise.reject(error);
      }
      const delayMs = delays.get(`${port}.${op}`);
      return delayMs ? clock.sleep(delayMs).then(() => impl(...args)) : Promise.resolve().then(() => impl(...args));
    };
  }

  const other = (id: string) => world.dbMembers.find((m) => m !== id)!;
  const ports: ControllerPorts = {
    clock,
    rng: new SeededRng(1),
    events,
    notifier: { notify: (n) => void notifications.push(n) },
    probe: {
      probe: method('probe', 'probe', (endpoint: string) => {
        const n = (probeCount.get(endpoint) ?? 0) + 1;
        probeCount.set(endpoint, n);
        const ok = probeScript?.(endpoint, n) ?? up.get(endpoint) ?? true;
        return new Promise((resolve) =>
          engine.after(PROBE_MS, () => resolve(ok ? { ok: true, latencyMs: PROBE_MS } : { ok: false, latencyMs: PROBE_MS, reason: 'refused' })),
        );
      }),
    },
    dns: {
      setActive: method('dns', 'setActive', (record: string, member: FailoverMember) => void world.dns.set(record, member)),
      getActive: method('dns', 'getActive', (record: string) => world.dns.get(record)!),
      drainMs: method('dns', 'drainMs', () => world.ttlMs),
    },
    loadBalancer: {
      forwardTo: method('loadBalancer', 'forwardTo', (lb: string, tg: string) => void world.forward.set(lb, tg)),
      getForwardTarget: method('loadBalancer', 'getForwardTarget', (lb: string) => world.forward.get(lb)!),
      drainMs: method('loadBalancer', 'drainMs', (tg: string) => world.deregistrationMs.get(tg)!),
      targets: method('loadBalancer', 'targets', (tg: string) => [...world.targets.get(tg)!]),
    },
    virtualIp: {
      getHolders: method('virtualIp', 'getHolders', (vip: string) => [...world.holders.get(vip)!]),
      moveTo: method('virtualIp', 'moveTo', (vip: string, node: string) => void world.holders.set(vip, [node])),
      demote: method('virtualIp', 'demote', (vip: string, node: string) => void world.holders.set(vip, world.holders.get(vip)!.filter((h) => h !== node))),
    },
    database: {
      promote: method('database', 'promote', (db: string) => void world.writer.set(db, other(world.writer.get(db)!))),
      getWriter: method('database', 'getWriter', (db: string) => world.writer.get(db)!),
      replicationLagMs: method('database', 'replicationLagMs', () => 0),
    },
    lease: {
      acquire: method('lease', 'acquire', (key: string, owner: string, ttlMs: number) => {
        const current = world.lease.get(key);
        if (current && current.owner !== owner && current.untilMs > clock.nowMs()) return false;
        world.lease.set(key, { owner, untilMs: clock.nowMs() + ttlMs });
        return true;
      }),
      holder: method('lease', 'holder', (key: string) => {
        const current = world.lease.get(key);
        return current && current.untilMs > clock.nowMs() ? current.owner : undefined;
      }),
      release: method('lease', 'release', (key: string, owner: string) => {
        if (world.lease.get(key)?.owner === owner) world.lease.delete(key);
      }),
    },
    scalingGroup: {
      setDesiredCapacity: method('scalingGroup', 'setDesiredCapacity', (asg: string, desired: number) => void world.desired.set(asg, desired)),
      getDesiredCapacity: method('scalingGroup', 'getDesiredCapacity', (asg: string) => world.desired.get(asg)!),
    },
  };
  const config: ControllerConfig = {
    healthCheck: HEALTH,
    automaticFailover: true,
    failback: 'automatic',
    failoverOn: 'unhealthy',
    groups: [dnsGroup()],
    retry: RETRY,
    ...overrides,
  };
  const controller = new FailoverController(config, ports);
  const of = (type: string, component = 'controller'): RunEvent[] => events.events.filter((e) => e.component === component && e.type === type);
  return {
    engine,
    clock,
    events,
    world,
    controller,
    config,
    ports,
    up,
    notifications,
    calls,
    of,
    at: (ms: number, fn: () => void) => engine.at(ms, fn),
    run: (untilMs: number) => engine.runUntil(untilMs),
    /** Makes `port.op` fail (see {@link Fault}). */
    fail: (port: string, op: string, fault: Partial<Omit<Fault, 'port' | 'op' | 'count'>> = {}) => void faults.push({ port, op, ...fault, count: 0 }),
    delay: (port: string, op: string, ms: number) => void delays.set(`${port}.${op}`, ms),
    scriptProbes: (script: (endpoint: string, n: number) => boolean | undefined) => void (probeScript = script),
    callsOf: (port: string, op: string) => calls.filter((c) => c.port === port && c.op === op),
    portErrors: (loop?: string) => events.events.filter((e) => e.type === 'port.error' && (loop === undefined || e.detail.loop === loop)),
    statuses: () => events.events.filter((e) => e.type === 'failover').map((e) => `${e.detail.failoverId} ${e.detail.direction} ${e.detail.status}`),
  };
}

/** Bounds of when a verdict needing `checks` checks lands after a change at `changeMs`: checks run every interval on an unknown phase. */
function verdictWindow(changeMs: number, checks: number): [number, number] {
  return [changeMs + (checks - 1) * HEALTH.intervalMs, changeMs + checks * HEALTH.intervalMs + PROBE_MS];
}

let unhandled: ReturnType<typeof vi.fn>;
const onUnhandled = (reason: unknown) => unhandled(reason);
beforeEach(() => {
  unhandled = vi.fn();
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).not.toHaveBeenCalled();
});

describe('FailoverController: DNS', () => {
  it('fails over after the unhealthy threshold and back after the healthy threshold', async () => {
    const h = harness();
    h.controller.start();
    h.at(10_000, () => h.up.set('a', false));
    h.at(20_000, () => h.up.set('a', true));
    await h.run(30_000);
    const [failover, failback] = h.controller.failovers;
    const [downFrom, downTo] = verdictWindow(10_000, HEALTH.unhealthyThreshold);
    expect(failover!.startMs).toBeGreaterThan(downFrom);
    expect(failover!.startMs).toBeLessThanOrEqual(downTo);
    expect(failover).toMatchObject({ direction: 'failover', type: 'automatic', status: 'completed', to: 'secondary' });
    const [upFrom, upTo] = verdictWindow(20_000, HEALTH.healthyThreshold);
    expect(failback!.startMs).toBeGreaterThan(upFrom);
    expect(failback!.startMs).toBeLessThanOrEqual(upTo);
    expect(failback).toMatchObject({ direction: 'failback', status: 'completed', to: 'primary' });
    expect(h.statuses()).toEqual([
      'fo-1 failover pending',
      'fo-1 failover in_progress',
      'fo-1 failover completed',
      'fo-2 failback pending',
      'fo-2 failback in_progress',
      'fo-2 failback completed',
    ]);
    expect(h.notifications.map((n) => n.failoverId)).toEqual(['fo-1', 'fo-1', 'fo-1', 'fo-2', 'fo-2', 'fo-2']);
    expect(h.world.dns.get('app.example.com')).toBe('primary');
  });

  it('runs one failover at a time per group', async () => {
    const h = harness();
    h.delay('dns', 'setActive', 5_000);
    h.controller.start();
    h.at(10_000, () => h.up.set('a', false));
    // the failover starts by 13 s and its DNS change takes 5 s: a request at 13.5 s finds it in flight
    h.at(13_500, () => void h.controller.manualFailback('dns:app'));
    await h.run(16_000);
    expect(h.callsOf('dns', 'setActive')).toHaveLength(1);
    expect(h.of('failover.rejected').some((e) => String(e.detail.reason).includes('fo-1'))).toBe(true);
  });

  it('waits for a manual failback when failback is manual', async () => {
    const h = harness({ failback: 'manual' });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    h.at(10_000, () => h.up.set('a', true));
    h.at(40_000, () => void h.controller.manualFailback('dns:app'));
    await h.run(39_000);
    expect(h.world.dns.get('app.example.com')).toBe('secondary');
    expect(h.notifications.some((n) => n.summary.includes('manual failback pending'))).toBe(true);
    await h.run(41_000);
    expect(h.world.dns.get('app.example.com')).toBe('primary');
    expect(h.controller.failovers.at(-1)).toMatchObject({ type: 'manual', direction: 'failback', status: 'completed' });
  });

  it('refuses to fail over to an unhealthy secondary and says so once', async () => {
    const h = harness();
    h.controller.start();
    h.at(5_000, () => {
      h.up.set('a', false);
      h.up.set('b', false);
    });
    await h.run(20_000);
    expect(h.callsOf('dns', 'setActive')).toHaveLength(0);
    expect(h.controller.failovers).toHaveLength(1);
    expect(h.controller.failovers[0]).toMatchObject({ status: 'failed' });
    expect(h.controller.failovers[0]!.reason).toContain('no healthy member');
    expect(h.notifications.at(-1)!.severity).toBe('critical');
  });

  it('does nothing automatically when automatic failover is off', async () => {
    const h = harness({ automaticFailover: false });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.run(20_000);
    expect(h.controller.failovers).toHaveLength(0);
    expect(h.controller.endpointHealth('a')).toBe('unhealthy');
  });

  it('planned failover switches first, waits the drain time (the TTL), then announces the primary may go down', async () => {
    const h = harness();
    h.controller.start();
    h.at(10_000, () => void h.controller.plannedFailover('dns:app'));
    await h.run(10_000 + h.world.ttlMs + 10_000);
    expect(h.callsOf('dns', 'setActive').map((c) => [c.atMs, c.args[1]])).toEqual([[10_000, 'secondary']]);
    expect(h.of('drain.complete')[0]?.atMs).toBe(10_000 + h.world.ttlMs);
    // the planned failover completes once drained, not when routing changed
    expect(h.controller.failovers[0]).toMatchObject({ type: 'planned', status: 'completed', startMs: 10_000, endMs: 10_000 + h.world.ttlMs });
    // the primary stays healthy, yet no automatic failback during maintenance
    expect(h.world.dns.get('app.example.com')).toBe('secondary');
    h.controller.endMaintenance('dns:app');
    await h.run(81_000);
    expect(h.world.dns.get('app.example.com')).toBe('primary');
  });

  it('rolls a planned failover back when the secondary fails while the primary drains', async () => {
    const h = harness();
    h.controller.start();
    h.at(10_000, () => void h.controller.plannedFailover('dns:app'));
    h.at(20_000, () => h.up.set('b', false));
    await h.run(80_000);
    expect(h.callsOf('dns', 'setActive').map((c) => [c.atMs, c.args[1]])).toEqual([
      [10_000, 'secondary'],
      [10_000 + h.world.ttlMs, 'primary'],
    ]);
    expect(h.controller.failovers[0]).toMatchObject({ type: 'planned', status: 'rolled_back' });
    expect(h.of('drain.aborted')).toHaveLength(1);
    expect(h.of('drain.complete')).toHaveLength(0);
    expect(h.world.dns.get('app.example.com')).toBe('primary');
  });

  it('with failoverOn: degraded, a lossy primary fails over once and does not flap back', async () => {
    const h = harness({ failoverOn: 'degraded' });
    // from 10 s, the primary answers in rounds of (healthyThreshold − 1) successes and one failure:
    // degraded at the first failure; never healthyThreshold successes in a row, so never healthy again
    const round = HEALTH.healthyThreshold;
    let startCheck: number | undefined;
    h.scriptProbes((endpoint, n) => {
      if (endpoint !== 'a' || h.clock.nowMs() < 10_000) return undefined;
      startCheck ??= n;
      return (n - startCheck + 1) % round !== 0;
    });
    h.controller.start();
    await h.run(120_000);
    expect(h.callsOf('dns', 'setActive').map((c) => c.args[1])).toEqual(['secondary']);
    expect(h.controller.endpointHealth('a')).toBe('degraded');
    expect(h.of('health').filter((e) => e.detail.target === 'a').map((e) => e.detail.health)).toEqual(['healthy', 'degraded']);
  });
});

describe('FailoverController: load balancer', () => {
  it('forwards to the secondary target group when every primary target is unhealthy', async () => {
    const h = harness({ groups: [lbGroup()] });
    h.controller.start();
    h.at(10_000, () => {
      h.up.set('a1', false);
      h.up.set('a2', false);
    });
    await h.run(20_000);
    const [from, to] = verdictWindow(10_000, HEALTH.unhealthyThreshold);
    const forwards = h.callsOf('loadBalancer', 'forwardTo');
    expect(forwards.map((c) => c.args)).toEqual([['web', 'tg-green']]);
    expect(forwards[0]!.atMs).toBeGreaterThan(from);
    expect(forwards[0]!.atMs).toBeLessThanOrEqual(to);
    expect(h.world.forward.get('web')).toBe('tg-green');
    expect(h.controller.failovers[0]).toMatchObject({ layer: 'loadBalancer', status: 'completed', to: 'secondary' });
  });

  it('planned failover drains the primary target group for its deregistration delay', async () => {
    const h = harness({ groups: [lbGroup()] });
    const delayMs = 45_000;
    h.world.deregistrationMs.set('tg-blue', delayMs);
    h.controller.start();
    h.at(5_000, () => void h.controller.plannedFailover('lb:web'));
    await h.run(5_000 + delayMs + 1_000);
    expect(h.callsOf('loadBalancer', 'drainMs').map((c) => c.args)).toEqual([['tg-blue']]);
    expect(h.of('drain.start')[0]).toMatchObject({ atMs: 5_000, detail: { drainMs: delayMs } });
    expect(h.of('drain.complete')[0]?.atMs).toBe(5_000 + delayMs);
    expect(h.controller.failovers[0]).toMatchObject({ type: 'planned', status: 'completed', endMs: 5_000 + delayMs });
  });

  it('judges a target group by its current targets; targets that leave stop being probed', async () => {
    const h = harness({ groups: [lbGroup()] });
    h.controller.start();
    // an autoscaling group replaces a1 with a3 at 10 s
    h.at(10_000, () => h.world.targets.set('tg-blue', ['a2', 'a3']));
    await h.run(30_000);
    const members = h.of('members');
    expect(members).toHaveLength(1);
    // the membership loop reads every interval, from one interval after the start
    expect(members[0]!.atMs).toBe(Math.ceil(10_000 / HEALTH.intervalMs) * HEALTH.intervalMs);
    expect(members[0]!.detail).toMatchObject({ targets: 'a2,a3', previous: 'a1,a2' });
    const probes = (endpoint: string) => h.callsOf('probe', 'probe').filter((c) => c.args[0] === endpoint);
    // at most the check already due before the loop sees the change, none after
    expect(probes('a1').filter((c) => c.atMs > members[0]!.atMs + HEALTH.intervalMs)).toEqual([]);
    expect(probes('a3').length).toBeGreaterThanOrEqual(Math.floor((30_000 - members[0]!.atMs) / HEALTH.intervalMs) - 1);
    expect(h.controller.endpointHealth('a1')).toBe('unknown');
    expect(h.controller.endpointHealth('a3')).toBe('healthy');
  });

  it('keeps probing a target that left one group while another group still has it', async () => {
    const shared: FailoverGroupSpec = { ...dnsGroup(), members: { primary: { id: 'a1', endpoints: ['a1'] }, secondary: { id: 'b', endpoints: ['b'] } } };
    const h = harness({ groups: [lbGroup(), shared] });
    h.controller.start();
    h.at(10_000, () => h.world.targets.set('tg-blue', ['a2']));
    await h.run(30_000);
    const late = h.callsOf('probe', 'probe').filter((c) => c.args[0] === 'a1' && c.atMs > 12_000);
    // still checked every interval: 18 s later, at least 17 checks
    expect(late.length).toBeGreaterThanOrEqual((30_000 - 12_000) / HEALTH.intervalMs - 1);
    expect(h.controller.endpointHealth('a1')).toBe('healthy');
  });
});

describe('FailoverController: virtual IP', () => {
  it('moves the address to the secondary node in controller mode', async () => {
    const h = harness({ groups: [vipGroup()] });
    h.controller.start();
    h.at(10_000, () => h.up.set('a', false));
    await h.run(20_000);
    expect(h.callsOf('virtualIp', 'moveTo').map((c) => c.args)).toEqual([['v1', 'n2']]);
    expect(h.world.holders.get('v1')).toEqual(['n2']);
    expect(h.controller.failovers[0]).toMatchObject({ layer: 'vip', status: 'completed' });
  });

  it('in platform mode records what keepalived did and reports split brain once per episode', async () => {
    const h = harness({ groups: [vipGroup('platform')] });
    h.controller.start();
    h.at(5_500, () => h.world.holders.set('v1', ['n2']));
    h.at(10_500, () => h.world.holders.set('v1', ['n2', 'n1']));
    h.at(15_500, () => h.world.holders.set('v1', ['n1']));
    h.at(20_500, () => h.world.holders.set('v1', ['n1', 'n2']));
    await h.run(25_000);
    // the observer reads once per interval: each change is seen at the next whole interval
    const seen = (ms: number) => Math.ceil(ms / HEALTH.intervalMs) * HEALTH.intervalMs;
    expect(h.controller.failovers.map((f) => [f.type, f.to, f.status, f.startMs])).toEqual([
      ['unplanned', 'secondary', 'completed', seen(5_500)],
      ['unplanned', 'primary', 'completed', seen(15_500)],
    ]);
    expect(h.of('split-brain').map((e) => [e.atMs, e.detail.holders, e.detail.fencing])).toEqual([
      [seen(10_500), 'n2,n1', 'none'],
      [seen(20_500), 'n1,n2', 'none'],
    ]);
    expect(h.callsOf('virtualIp', 'moveTo')).toHaveLength(0);
  });
});

describe('FailoverController: database', () => {
  it('promotes the standby and never fails back by itself', async () => {
    const h = harness({ groups: [dbGroup()], failback: 'automatic' });
    h.controller.start();
    h.at(10_000, () => h.up.set('db-1', false));
    h.at(30_000, () => h.up.set('db-1', true));
    await h.run(60_000);
    expect(h.callsOf('database', 'promote')).toHaveLength(1);
    expect(h.world.writer.get('orders')).toBe('db-2');
    expect(h.controller.failovers).toHaveLength(1);
    expect(h.controller.failovers[0]).toMatchObject({ layer: 'database', status: 'completed', to: 'secondary' });
    expect(h.controller.endpointHealth('db-1')).toBe('healthy');
    expect(h.notifications.some((n) => n.summary.includes('manual failback pending'))).toBe(true);
  });

  it('in platform mode records the platform promoting the standby', async () => {
    const h = harness({ groups: [dbGroup('platform')] });
    h.controller.start();
    h.at(7_300, () => h.world.writer.set('orders', 'db-2'));
    await h.run(12_000);
    expect(h.controller.failovers.map((f) => [f.type, f.to, f.startMs])).toEqual([['unplanned', 'secondary', 8_000]]);
    expect(h.callsOf('database', 'promote')).toHaveLength(0);
  });
});

describe('FailoverController: fencing', () => {
  const fencing = { vip: 'v1', leaseTtlMs: 1_500, priorities: { n1: 200, n2: 100 } };
  /** min(check interval, TTL / 3), the renewal period the fencing loop must keep. */
  const renewMs = Math.min(HEALTH.intervalMs, Math.floor(fencing.leaseTtlMs / 3));

  it('renews the lease for the one holder often enough that it never lapses', async () => {
    const h = harness({ groups: [vipGroup('platform')], fencing });
    h.controller.start();
    await h.run(5_000);
    const acquires = h.callsOf('lease', 'acquire');
    expect(acquires.map((c) => c.atMs)).toEqual(Array.from({ length: 5_000 / renewMs }, (_, k) => k * renewMs));
    expect(new Set(acquires.map((c) => c.args[1]))).toEqual(new Set(['n1']));
    expect(renewMs).toBeLessThan(fencing.leaseTtlMs);
    expect(h.of('fenced')).toHaveLength(0);
  });

  it('never demotes a holder: the nodes\' fencing scripts fence, the loop only renews the one holder\'s lease', async () => {
    const h = harness({ groups: [vipGroup('platform')], fencing });
    h.controller.start();
    h.at(2_100, () => h.world.holders.set('v1', ['n1', 'n2']));
    await h.run(5_000);
    expect(h.of('split-brain').map((e) => e.detail.fencing)).toEqual(['arbiter']);
    expect(h.callsOf('virtualIp', 'demote')).toHaveLength(0);
    // renewals only while one node held the address
    expect(h.callsOf('lease', 'acquire').every((c) => c.atMs < 2_100)).toBe(true);
  });

  it('grants the lease owner, refuses and fences a second holder while the owner still holds the address', async () => {
    const h = harness({ groups: [vipGroup('platform')], fencing });
    h.world.lease.set('vip/v1', { owner: 'n1', untilMs: 10_000 });
    await expect(h.controller.mayHoldAddress('n1')).resolves.toMatchObject({ granted: true });
    // n2 without the address: eligible as a backup
    await expect(h.controller.mayHoldAddress('n2')).resolves.toMatchObject({ granted: true });
    h.world.holders.set('v1', ['n1', 'n2']);
    await expect(h.controller.mayHoldAddress('n2')).resolves.toMatchObject({ granted: false, reason: 'lease held by n1' });
    // in FAULT, n2 dropped the address: it stays fenced while n1 holds it
    h.world.holders.set('v1', ['n1']);
    await expect(h.controller.mayHoldAddress('n2')).resolves.toMatchObject({ granted: false });
    expect(h.world.lease.get('vip/v1')?.owner).toBe('n1');
    expect(h.of('fencing').map((e) => [e.detail.node, e.detail.granted])).toEqual([
      ['n1', true],
      ['n2', true],
      ['n2', false],
      ['n2', false],
    ]);
  });

  it('hands the lease to a new holder once the owner no longer holds the address, and lifts the fence', async () => {
    const h = harness({ groups: [vipGroup('platform')], fencing });
    h.world.lease.set('vip/v1', { owner: 'n1', untilMs: 10_000 });
    h.world.holders.set('v1', ['n1', 'n2']);
    await expect(h.controller.mayHoldAddress('n2')).resolves.toMatchObject({ granted: false });
    // n1 gave the address up (stopped, crashed, FAULT): n2 is eligible again, then takes the lease with the address
    h.world.holders.set('v1', []);
    await expect(h.controller.mayHoldAddress('n2')).resolves.toMatchObject({ granted: true });
    h.world.holders.set('v1', ['n2']);
    await expect(h.controller.mayHoldAddress('n2')).resolves.toMatchObject({ granted: true, reason: 'lease' });
    expect(h.world.lease.get('vip/v1')?.owner).toBe('n2');
    expect(h.callsOf('lease', 'release').map((c) => c.args)).toEqual([['vip/v1', 'n1']]);
  });

  it('without fencing every node may hold the address', async () => {
    const h = harness({ groups: [vipGroup('platform')] });
    await expect(h.controller.mayHoldAddress('n2')).resolves.toEqual({ granted: true, reason: 'no fencing' });
  });
});

describe('FailoverController: scale-up after failover', () => {
  it('adds the configured step to the desired capacity after an automatic failover, not after a planned one', async () => {
    const step = 2;
    const h = harness({ groups: [dnsGroup(), lbGroup()], scaleOnFailover: { groupId: 'asg-web', step } });
    h.controller.start();
    h.at(1_000, () => void h.controller.plannedFailover('lb:web'));
    h.at(10_000, () => h.up.set('a', false));
    await h.run(20_000);
    expect(h.callsOf('scalingGroup', 'setDesiredCapacity').map((c) => c.args)).toEqual([['asg-web', 2 + step]]);
    expect(h.of('scale').map((e) => e.detail)).toEqual([{ group: 'asg-web', desired: 2 + step, reason: 'failover' }]);
    const failover = h.controller.failovers.find((f) => f.groupId === 'dns:app')!;
    expect(h.of('scale')[0]!.atMs).toBe(failover.endMs);
  });
});

describe('FailoverController: refusals', () => {
  it('de-duplicates refusals per group although two groups interleave', async () => {
    const groups: FailoverGroupSpec[] = [
      dnsGroup(),
      { ...dnsGroup(), id: 'dns:api', target: 'api.example.com', members: { primary: { id: 'c', endpoints: ['c'] }, secondary: { id: 'd', endpoints: ['d'] } } },
    ];
    const h = harness({ groups, failoverOn: 'degraded' });
    h.world.dns.set('api.example.com', 'primary');
    h.controller.start();
    h.at(1_000, () => {
      h.up.set('b', false);
      h.up.set('d', false);
    });
    // a degrades at its first failed check in [10 s, 11 s), c at its first in [11 s, 12 s), and a turns
    // unhealthy two checks after it degraded, in [12 s, 13 s): the groups' verdicts interleave
    h.at(10_000, () => h.up.set('a', false));
    h.at(11_000, () => h.up.set('c', false));
    await h.run(20_000);
    expect(h.controller.failovers.map((f) => [f.groupId, f.status])).toEqual([
      ['dns:app', 'failed'],
      ['dns:api', 'failed'],
    ]);
    // a new spell — the primary recovered, then failed again — is refused again
    h.at(20_000, () => h.up.set('a', true));
    h.at(30_000, () => h.up.set('a', false));
    await h.run(40_000);
    expect(h.controller.failovers.filter((f) => f.groupId === 'dns:app').map((f) => f.status)).toEqual(['failed', 'failed']);
    expect(h.callsOf('dns', 'setActive')).toHaveLength(0);
  });
});

describe('FailoverController: port errors in every loop', () => {
  it('counts a probe that throws as a failed check with the code as reason, and keeps checking', async () => {
    const h = harness();
    h.fail('probe', 'probe', { arg: 'a', code: 'TIMEOUT', fromMs: 10_000, untilMs: 20_000 });
    h.fail('probe', 'probe', { arg: 'b', plain: 'socket hang up', sync: true, fromMs: 40_000, untilMs: 41_000 });
    h.controller.start();
    await h.run(60_000);
    const errors = h.portErrors('health:a');
    // one error per check in the 10 s window: every interval
    expect(errors).toHaveLength((20_000 - 10_000) / HEALTH.intervalMs);
    expect(errors[0]!.detail).toMatchObject({ code: 'TIMEOUT', port: 'probe', operation: 'probe', retryable: true, attempt: 1 });
    expect(errors.map((e) => e.detail.attempt)).toEqual(errors.map((_, i) => i + 1));
    const down = h.of('health').find((e) => e.detail.target === 'a' && e.detail.health === 'unhealthy');
    expect(down?.detail.reason).toBe('TIMEOUT');
    // it went on: failover, then failback once the probe answers again
    expect(h.controller.failovers.map((f) => [f.direction, f.status])).toEqual([
      ['failover', 'completed'],
      ['failback', 'completed'],
    ]);
    // a synchronous non-PortError throw is an INTERNAL failed check too
    expect(h.portErrors('health:b')[0]!.detail).toMatchObject({ code: 'INTERNAL', port: 'probe', retryable: false });
    expect(h.callsOf('probe', 'probe').filter((c) => c.args[0] === 'b' && c.atMs > 41_000).length).toBeGreaterThanOrEqual(18);
  });

  it('membership: lb.targets failing is retried with backoff, and the change is picked up after', async () => {
    const h = harness({ groups: [lbGroup()] });
    const failFromMs = 5_000;
    h.fail('loadBalancer', 'targets', { fromMs: failFromMs, times: 3, code: 'THROTTLED' });
    h.at(failFromMs, () => h.world.targets.set('tg-blue', ['a2', 'a3']));
    h.controller.start();
    await h.run(30_000);
    const errors = h.portErrors('members:lb:web');
    expect(errors.map((e) => e.detail.attempt)).toEqual([1, 2, 3]);
    // retries wait max(interval, backoff(n)): the reads after the first failure at 5 s
    const waits = [1, 2, 3].map((n) => Math.max(HEALTH.intervalMs, rawDelayMs(n)));
    expect(errors.map((e) => e.detail.retryInMs)).toEqual(waits);
    const recoveredAt = failFromMs + waits.reduce((a, b) => a + b, 0);
    expect(h.of('members').map((e) => e.atMs)).toEqual([recoveredAt]);
    expect(h.controller.endpointHealth('a1')).toBe('unknown');
  });

  it.each([
    ['dns', 'getActive', dnsGroup('platform'), (h: ReturnType<typeof harness>) => h.world.dns.set('app.example.com', 'secondary')],
    ['database', 'getWriter', dbGroup('platform'), (h: ReturnType<typeof harness>) => h.world.writer.set('orders', 'db-2')],
    ['virtualIp', 'getHolders', vipGroup('platform'), (h: ReturnType<typeof harness>) => h.world.holders.set('v1', ['n2'])],
  ] as const)('observe: %s.%s failing is reported and the platform switch is still recorded after', async (port, op, group, switchIt) => {
    const h = harness({ groups: [group] });
    h.fail(port, op, { fromMs: 3_000, untilMs: 9_000 });
    h.at(4_000, () => switchIt(h));
    h.controller.start();
    await h.run(40_000);
    const errors = h.portErrors(`observe:${group.id}`);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]!.detail).toMatchObject({ port, operation: op, code: 'UNAVAILABLE' });
    expect(h.controller.failovers).toHaveLength(1);
    expect(h.controller.failovers[0]).toMatchObject({ type: 'unplanned', to: 'secondary' });
    // first read after 9 s: reads at 3 s (fails), then waits max(interval, backoff n) → 4, 6, 10 s
    const reads = [1, 2, 3].reduce<number[]>((at, n) => [...at, at.at(-1)! + Math.max(HEALTH.intervalMs, rawDelayMs(n))], [3_000]);
    expect(h.controller.failovers[0]!.startMs).toBe(reads.find((t) => t >= 9_000));
  });

  it('fencing: a lease that cannot be renewed is reported and renewal goes on after', async () => {
    const fencing = { vip: 'v1', leaseTtlMs: 3_000, priorities: { n1: 200, n2: 100 } };
    const h = harness({ groups: [vipGroup('platform')], fencing });
    h.fail('lease', 'acquire', { times: 2, fromMs: 2_000, code: 'TIMEOUT' });
    h.controller.start();
    await h.run(10_000);
    const errors = h.portErrors('fencing:v1');
    expect(errors.map((e) => [e.detail.operation, e.detail.attempt])).toEqual([
      ['acquire', 1],
      ['acquire', 2],
    ]);
    const renewMs = Math.min(HEALTH.intervalMs, Math.floor(fencing.leaseTtlMs / 3));
    // renewed at 2 s: fails; retried after max(renewal period, backoff(1)), then backoff(2): succeeds
    const retried = 2_000 + Math.max(renewMs, rawDelayMs(1)) + Math.max(renewMs, rawDelayMs(2));
    const acquires = h.callsOf('lease', 'acquire').map((c) => c.atMs);
    expect(acquires).toContain(retried);
    expect(acquires.filter((t) => t > retried).length).toBeGreaterThan(0);
    expect(h.world.lease.get('vip/v1')?.owner).toBe('n1');
  });

  it('fencing: an arbiter that cannot be asked answers no, never a rejection', async () => {
    const h = harness({ groups: [vipGroup('platform')], fencing: { vip: 'v1', leaseTtlMs: 3_000, priorities: {} } });
    h.fail('lease', 'acquire', { sync: true, plain: 'etcd: connection refused' });
    await expect(h.controller.mayHoldAddress('n1')).resolves.toMatchObject({ granted: false, reason: 'arbiter unreachable (INTERNAL)' });
    expect(h.portErrors('arbiter:v1')[0]!.detail).toMatchObject({ port: 'lease', operation: 'acquire', code: 'INTERNAL' });
    expect(h.of('fencing')[0]!.detail).toMatchObject({ node: 'n1', granted: false });
  });

  it.each([
    ['dns', 'setActive', dnsGroup(), 'a'],
    ['loadBalancer', 'forwardTo', lbGroup(), 'a1'],
    ['virtualIp', 'moveTo', vipGroup(), 'a'],
    ['database', 'promote', dbGroup(), 'db-1'],
  ] as const)('failover step %s.%s: retryable errors that clear, the failover completes at the backoff times', async (port, op, group, endpoint) => {
    const failures = 2;
    const h = harness({ groups: [group] });
    h.fail(port, op, { times: failures, code: 'THROTTLED' });
    h.controller.start();
    h.at(10_000, () => {
      for (const e of [endpoint, ...(endpoint === 'a1' ? ['a2'] : [])]) h.up.set(e, false);
    });
    await h.run(40_000);
    const [failover] = h.controller.failovers;
    expect(failover).toMatchObject({ status: 'completed', to: 'secondary' });
    const attempts = h.callsOf(port, op).map((c) => c.atMs - failover!.startMs);
    expect(attempts).toEqual([0, retryOffsetMs(1), retryOffsetMs(2)]);
    expect(failover!.endMs! - failover!.startMs).toBe(retryOffsetMs(failures));
    expect(h.portErrors(`failover:${group.id}`).map((e) => [e.detail.port, e.detail.operation, e.detail.attempt, e.detail.retryInMs])).toEqual([
      [port, op, 1, rawDelayMs(1)],
      [port, op, 2, rawDelayMs(2)],
    ]);
  });

  it('a failover step that keeps failing ends the failover as failed, and the group is free for the next evaluation', async () => {
    const h = harness();
    const failUntilMs = 25_000;
    h.fail('dns', 'setActive', { untilMs: failUntilMs, code: 'UNAVAILABLE' });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.run(60_000);
    const [first] = h.controller.failovers;
    // stepAttempts attempts, the last one retryOffset(stepAttempts − 1) after the first
    expect(first).toMatchObject({ status: 'failed' });
    expect(first!.reason).toContain('UNAVAILABLE');
    expect(first!.endMs! - first!.startMs).toBe(retryOffsetMs(RETRY.stepAttempts - 1));
    expect(h.callsOf('dns', 'setActive').filter((c) => c.atMs <= first!.endMs!)).toHaveLength(RETRY.stepAttempts);
    const gaveUp = h.portErrors('failover:dns:app').filter((e) => e.detail.retryInMs === undefined);
    expect(gaveUp[0]!.detail).toMatchObject({ operation: 'setActive', attempt: RETRY.stepAttempts });
    // re-evaluated after backoff: the failover after the error cleared completes
    const second = h.controller.failovers[1]!;
    expect(second.startMs).toBe(first!.endMs! + rawDelayMs(1));
    const done = h.controller.failovers.find((f) => f.status === 'completed');
    expect(done?.to).toBe('secondary');
    expect(done!.endMs!).toBeGreaterThanOrEqual(failUntilMs);
    expect(h.world.dns.get('app.example.com')).toBe('secondary');
  });

  it('a non-retryable error ends the failover at once', async () => {
    const h = harness();
    h.fail('dns', 'setActive', { plain: 'Throttling: rate exceeded', times: 1 });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.run(12_000);
    const [first] = h.controller.failovers;
    expect(first).toMatchObject({ status: 'failed' });
    expect(first!.reason).toContain('Throttling');
    expect(first!.endMs).toBe(first!.startMs);
    expect(h.portErrors('failover:dns:app')[0]!.detail).toMatchObject({ code: 'INTERNAL', retryable: false, attempt: 1 });
  });

  it('counts a change that took effect although its call failed as done', async () => {
    const h = harness({ groups: [vipGroup()] });
    // the address moves, but the call times out every time
    h.fail('virtualIp', 'moveTo', { code: 'TIMEOUT' });
    const moveTo = h.ports.virtualIp!.moveTo;
    h.ports.virtualIp!.moveTo = (vip, node) => {
      h.world.holders.set(vip, [node]);
      return moveTo(vip, node);
    };
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.run(30_000);
    expect(h.controller.failovers[0]).toMatchObject({ status: 'completed', to: 'secondary' });
    expect(h.callsOf('virtualIp', 'moveTo')).toHaveLength(RETRY.stepAttempts);
  });

  it('rolls a planned failover back when the drain step keeps failing after routing moved', async () => {
    const h = harness({ groups: [lbGroup()] });
    h.fail('loadBalancer', 'drainMs', { code: 'INVALID' });
    h.controller.start();
    h.at(5_000, () => void h.controller.plannedFailover('lb:web'));
    await h.run(20_000);
    expect(h.controller.failovers[0]).toMatchObject({ type: 'planned', status: 'rolled_back' });
    expect(h.controller.failovers[0]!.reason).toContain('INVALID');
    expect(h.callsOf('loadBalancer', 'forwardTo').map((c) => c.args[1])).toEqual(['tg-green', 'tg-blue']);
    expect(h.world.forward.get('web')).toBe('tg-blue');
    // the group is free again: an operator's failover goes through (and automatic failback follows it)
    h.at(21_000, () => void h.controller.manualFailover('lb:web'));
    await h.run(22_000);
    expect(h.controller.failovers[1]).toMatchObject({ type: 'manual', status: 'completed', startMs: 21_000 });
  });

  it('scale-up: a failed read of the desired capacity is retried, then the capacity is set', async () => {
    const h = harness({ scaleOnFailover: { groupId: 'asg-web', step: 1 } });
    h.fail('scalingGroup', 'getDesiredCapacity', { times: 1, code: 'THROTTLED' });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.run(20_000);
    const failover = h.controller.failovers[0]!;
    expect(h.portErrors('scale').map((e) => e.detail.operation)).toEqual(['getDesiredCapacity']);
    expect(h.callsOf('scalingGroup', 'setDesiredCapacity').map((c) => [c.atMs - failover.endMs!, c.args])).toEqual([[rawDelayMs(1), ['asg-web', 3]]]);
  });

  it('a notifier that throws is reported and the failover goes on', async () => {
    const h = harness();
    h.ports.notifier.notify = () => {
      throw new Error('pager down');
    };
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.run(12_000);
    expect(h.controller.failovers[0]).toMatchObject({ status: 'completed' });
    expect(h.portErrors('notify')[0]!.detail).toMatchObject({ port: 'notifier', operation: 'notify' });
  });

  it('with every port failing all the time, every loop keeps trying and nothing rejects unhandled', async () => {
    const fencing = { vip: 'v1', leaseTtlMs: 3_000, priorities: { n1: 200, n2: 100 } };
    const h = harness({
      groups: [dnsGroup(), lbGroup(), vipGroup('platform'), dbGroup()],
      fencing,
      scaleOnFailover: { groupId: 'asg-web', step: 1 },
    });
    for (const port of ['probe', 'dns', 'loadBalancer', 'virtualIp', 'database', 'lease', 'scalingGroup']) {
      for (const op of Object.keys((h.ports as unknown as Record<string, object>)[port]!)) h.fail(port, op, { sync: op === 'getHolders' });
    }
    h.controller.start();
    const endMs = 120_000;
    // one-shot failover steps too: an operator asks while every port fails
    const manual = [h.controller.manualFailover('dns:app'), h.controller.manualFailover('db:orders')];
    await h.run(endMs);
    for (const event of await Promise.all(manual)) expect(event).toMatchObject({ status: 'failed' });
    const loops = new Set(h.portErrors().map((e) => String(e.detail.loop)));
    expect(loops).toContain('failover:dns:app');
    expect(loops).toContain('failover:db:orders');
    for (const loop of ['health:a', 'health:b1', 'members:lb:web', 'observe:vip:v1', 'fencing:v1']) {
      // still trying near the end: an error within the last capped backoff
      const last = h.portErrors(loop).at(-1);
      expect(last, loop).toBeDefined();
      expect(last!.atMs, loop).toBeGreaterThan(endMs - RETRY.capMs - HEALTH.intervalMs);
    }
  });
});
