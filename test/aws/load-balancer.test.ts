/**
 * The aws target's load balancer data plane on loopback, no AWS needed: faildrill's target group
 * checker over instance servers (refused while the control plane says stopped) and small servers
 * that stay silent or fail `/health`, and the proxy that routes like the listener. Wall clock, real
 * sockets. Every expected time is derived from the configuration below (interval, timeout,
 * thresholds, poll interval) and the checker's seeded phases. The last group creates the target
 * groups and the listener on a moto server of its own (loopback too) and moves the listener with
 * ModifyListener.
 */
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeAvailabilityZonesCommand, DescribeImagesCommand, RunInstancesCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/controller/ports.js';
import { SeededRng } from '../../src/random/seeded-rng.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from '../../src/targets/aws/clients.js';
import { ec2InstanceStates } from '../../src/targets/aws/dataplane/ec2-instance-states.js';
import { elbv2ListenerSource } from '../../src/targets/aws/dataplane/elbv2-listener-source.js';
import { elbv2TargetSource } from '../../src/targets/aws/dataplane/elbv2-target-source.js';
import { InstanceServers, type InstanceState } from '../../src/targets/aws/dataplane/instance-servers.js';
import { LoadBalancerProxy, type ListenerSource, type RouteChange } from '../../src/targets/aws/dataplane/load-balancer-proxy.js';
import {
  TargetGroupChecker,
  type RegisteredTarget,
  type TargetEndpoints,
  type TargetGroupCheckSpec,
  type TargetHealthVerdict,
  type TargetSource,
} from '../../src/targets/aws/dataplane/target-group-checker.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

function wallClock(): Clock {
  const t0 = performance.now();
  return { nowMs: () => performance.now() - t0, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) };
}

/** Timers fire late on a busy machine, never more than a millisecond early. */
const EARLY_MS = 2;
const LATE_MS = 200;

/**
 * ELB's rules with shortened times (ALB allows 5–300 s intervals; the rules do not depend on the
 * scale): interval 600 ms, timeout 250 ms, unhealthy after 2 failures, healthy after 3 passes.
 */
const SPEC: Omit<TargetGroupCheckSpec, 'targetGroupId'> = {
  intervalMs: 600,
  timeoutMs: 250,
  unhealthyThreshold: 2,
  healthyThreshold: 3,
  path: '/health',
  deregistrationDelayMs: 1_000,
};
const LIFETIME_MS = 60_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Reply = { status: number; server: string };
function httpGet(url: string): Promise<Reply> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers['x-faildrill-server'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, server: '' }));
  });
}

/** Instance servers over a control plane map the test flips (`servers.refresh()` applies it at once). */
async function instanceServers(clock: Clock, initial: Record<string, InstanceState>) {
  const states = new Map(Object.entries(initial));
  const servers = await InstanceServers.start({
    instances: Object.keys(initial).map((instanceId) => ({ instanceId, serverId: `web-${instanceId}` })),
    source: { states: () => Promise.resolve(new Map(states)) },
    clock,
    pollIntervalMs: LIFETIME_MS,
    lifetimeMs: LIFETIME_MS,
  });
  cleanups.push(() => servers.close());
  return { states, servers };
}

/** A small server that answers `/` with its id and `/health` with `healthStatus`, or never answers while `silent`. */
async function toggleServer(id: string) {
  const state = { healthStatus: 200, silent: false };
  const server: Server = createServer((req, res) => {
    if (state.silent) return;
    const status = req.url === '/health' ? state.healthStatus : 200;
    res.writeHead(status, { 'x-faildrill-server': id });
    res.end(`${id}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const staticTargets = (instanceIds: string[]): TargetSource => ({
  registered: () => Promise.resolve(instanceIds.map((instanceId): RegisteredTarget => ({ instanceId, serverId: `web-${instanceId}` }))),
});

async function startChecker(clock: Clock, targetGroupId: string, source: TargetSource, endpoints: TargetEndpoints, verdicts: TargetHealthVerdict[]) {
  const checker = await TargetGroupChecker.start({
    spec: { ...SPEC, targetGroupId },
    source,
    endpoints,
    clock,
    rng: new SeededRng(7).fork(`targetGroup.${targetGroupId}`),
    pollIntervalMs: LIFETIME_MS,
    lifetimeMs: LIFETIME_MS,
    onVerdict: (v) => verdicts.push(v),
  });
  cleanups.push(() => checker.close());
  return checker;
}

/** `instanceId`'s first check at or after `fromMs`. */
function firstCheckAtOrAfter(checker: TargetGroupChecker, instanceId: string, fromMs: number): number {
  const { baseMs, phaseMs } = checker.schedule(instanceId)!;
  const firstMs = baseMs + phaseMs;
  return firstMs + Math.max(0, Math.ceil((fromMs - firstMs) / SPEC.intervalMs)) * SPEC.intervalMs;
}

/** Waits until `offsetMs` after `instanceId`'s next check, so that a change made then precedes the following check by most of an interval. */
async function justAfterCheck(clock: Clock, checker: TargetGroupChecker, instanceId: string, offsetMs = 50): Promise<void> {
  await clock.sleep(firstCheckAtOrAfter(checker, instanceId, clock.nowMs()) + offsetMs - clock.nowMs());
}

async function waitFor<T>(clock: Clock, found: () => T | undefined, timeoutMs: number): Promise<T> {
  const untilMs = clock.nowMs() + timeoutMs;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (clock.nowMs() > untilMs) throw new Error(`not within ${timeoutMs} ms`);
    await clock.sleep(10);
  }
}

function expectNear(actualMs: number, expectedMs: number): void {
  expect(actualMs).toBeGreaterThanOrEqual(expectedMs - EARLY_MS);
  expect(actualMs).toBeLessThanOrEqual(expectedMs + LATE_MS);
}

describe('target group health by faildrill, on loopback', () => {
  it('a stopped instance (refused) is unhealthy at its unhealthyThreshold-th check, within unhealthyThreshold × interval; running again, healthy at its healthyThreshold-th', async () => {
    const clock = wallClock();
    const { states, servers } = await instanceServers(clock, { 'i-a': 'running', 'i-b': 'running' });
    const verdicts: TargetHealthVerdict[] = [];
    const checker = await startChecker(clock, 'tg-blue', staticTargets(['i-a', 'i-b']), servers, verdicts);

    await justAfterCheck(clock, checker, 'i-a');
    states.set('i-a', 'stopped');
    await servers.refresh();
    const stoppedAtMs = clock.nowMs();
    const down = await waitFor(clock, () => verdicts.find((v) => v.health === 'unhealthy'), 2 * SPEC.unhealthyThreshold * SPEC.intervalMs);
    expect(down).toMatchObject({ targetGroup: 'tg-blue', target: 'web-i-a', previous: 'healthy', reason: 'refused' });
    expectNear(down.atMs, firstCheckAtOrAfter(checker, 'i-a', stoppedAtMs) + (SPEC.unhealthyThreshold - 1) * SPEC.intervalMs);
    expect(down.atMs - stoppedAtMs).toBeLessThanOrEqual(SPEC.unhealthyThreshold * SPEC.intervalMs + LATE_MS);
    expect(checker.routable().map((t) => t.serverId)).toEqual(['web-i-b']);

    await justAfterCheck(clock, checker, 'i-a');
    states.set('i-a', 'running');
    await servers.refresh();
    const startedAtMs = clock.nowMs();
    const up = await waitFor(clock, () => verdicts.find((v) => v.health === 'healthy'), 2 * SPEC.healthyThreshold * SPEC.intervalMs);
    expect(up).toMatchObject({ target: 'web-i-a', previous: 'unhealthy' });
    expectNear(up.atMs, firstCheckAtOrAfter(checker, 'i-a', startedAtMs) + (SPEC.healthyThreshold - 1) * SPEC.intervalMs);
    expect(up.atMs - startedAtMs).toBeLessThanOrEqual(SPEC.healthyThreshold * SPEC.intervalMs + LATE_MS);
    expect(verdicts.map((v) => v.target)).toEqual(['web-i-a', 'web-i-a']);
  });

  it('a silent target is unhealthy one timeout later than a refused one would be', async () => {
    const clock = wallClock();
    const s = await toggleServer('web-i-s');
    const verdicts: TargetHealthVerdict[] = [];
    const checker = await startChecker(clock, 'tg-blue', staticTargets(['i-s']), { endpoint: () => ({ url: s.url }) }, verdicts);
    await justAfterCheck(clock, checker, 'i-s');
    s.state.silent = true;
    const silentAtMs = clock.nowMs();
    const down = await waitFor(clock, () => verdicts[0], 2 * SPEC.unhealthyThreshold * SPEC.intervalMs);
    expect(down).toMatchObject({ target: 'web-i-s', health: 'unhealthy', reason: 'timeout' });
    expectNear(down.atMs, firstCheckAtOrAfter(checker, 'i-s', silentAtMs) + (SPEC.unhealthyThreshold - 1) * SPEC.intervalMs + SPEC.timeoutMs);
  });
});

describe('the proxy routes like the listener, on loopback', () => {
  it('stops sending to a target once it is unhealthy, reporting the target group route change', async () => {
    const clock = wallClock();
    const { states, servers } = await instanceServers(clock, { 'i-a': 'running', 'i-b': 'running' });
    const verdicts: TargetHealthVerdict[] = [];
    const checker = await startChecker(clock, 'tg-blue', staticTargets(['i-a', 'i-b']), servers, verdicts);
    const changes: RouteChange[] = [];
    const proxy = await LoadBalancerProxy.start({
      loadBalancerId: 'lb-main',
      groups: [checker],
      endpoints: servers,
      listener: { forwardedGroup: () => Promise.resolve('tg-blue') },
      clock,
      pollIntervalMs: LIFETIME_MS,
      lifetimeMs: LIFETIME_MS,
      targetTimeoutMs: 1_000,
      onRouteChange: (c) => changes.push(c),
    });
    cleanups.push(() => proxy.close());

    const before = await Promise.all([1, 2, 3, 4].map(() => httpGet(proxy.url)));
    expect(new Set(before.map((r) => r.server))).toEqual(new Set(['web-i-a', 'web-i-b']));

    states.set('i-a', 'stopped');
    await servers.refresh();
    const during = await Promise.all([1, 2, 3, 4].map(() => httpGet(proxy.url)));
    // Until the checker's verdict the proxy still picks i-a, which refuses: the client gets 502 as from an ALB.
    expect(during.map((r) => r.status).sort()).toEqual([200, 200, 502, 502]);

    const down = await waitFor(clock, () => verdicts.find((v) => v.health === 'unhealthy'), 2 * SPEC.unhealthyThreshold * SPEC.intervalMs);
    expect(changes.map(({ atMs: _, ...c }) => c)).toEqual([
      { layer: 'targetGroup', resource: 'tg-blue', from: 'web-i-a,web-i-b', to: 'web-i-b', fromServers: ['web-i-a', 'web-i-b'], toServers: ['web-i-b'] },
    ]);
    // The route changes in the same turn as the verdict (two reads of the wall clock apart).
    expect(changes[0]!.atMs - down.atMs).toBeGreaterThanOrEqual(0);
    expect(changes[0]!.atMs - down.atMs).toBeLessThan(EARLY_MS);
    const after = await Promise.all([1, 2, 3, 4].map(() => httpGet(proxy.url)));
    expect(after).toEqual([1, 2, 3, 4].map(() => ({ status: 200, server: 'web-i-b' })));
  });

  it('fails open to every registered target when all are unhealthy', async () => {
    const clock = wallClock();
    const a = await toggleServer('web-i-a');
    const b = await toggleServer('web-i-b');
    const urls: Record<string, string> = { 'i-a': a.url, 'i-b': b.url };
    const endpoints: TargetEndpoints = { endpoint: (id) => ({ url: urls[id]! }) };
    const verdicts: TargetHealthVerdict[] = [];
    const checker = await startChecker(clock, 'tg-blue', staticTargets(['i-a', 'i-b']), endpoints, verdicts);
    const changes: RouteChange[] = [];
    const proxy = await LoadBalancerProxy.start({
      loadBalancerId: 'lb-main',
      groups: [checker],
      endpoints,
      listener: { forwardedGroup: () => Promise.resolve('tg-blue') },
      clock,
      pollIntervalMs: LIFETIME_MS,
      lifetimeMs: LIFETIME_MS,
      targetTimeoutMs: 1_000,
      onRouteChange: (c) => changes.push(c),
    });
    cleanups.push(() => proxy.close());

    a.state.healthStatus = 503;
    await waitFor(clock, () => verdicts.find((v) => v.target === 'web-i-a'), 2 * SPEC.unhealthyThreshold * SPEC.intervalMs);
    expect((await Promise.all([1, 2].map(() => httpGet(proxy.url)))).map((r) => r.server)).toEqual(['web-i-b', 'web-i-b']);
    b.state.healthStatus = 503;
    await waitFor(clock, () => verdicts.find((v) => v.target === 'web-i-b'), 2 * SPEC.unhealthyThreshold * SPEC.intervalMs);
    expect(changes.map((c) => c.toServers)).toEqual([['web-i-b'], ['web-i-a', 'web-i-b']]);
    const open = await Promise.all([1, 2, 3, 4].map(() => httpGet(proxy.url)));
    expect(open.every((r) => r.status === 200)).toBe(true);
    expect(new Set(open.map((r) => r.server))).toEqual(new Set(['web-i-a', 'web-i-b']));
  });

  it('follows a listener change within one poll interval', async () => {
    const clock = wallClock();
    const { servers } = await instanceServers(clock, { 'i-a': 'running', 'i-c': 'running' });
    const verdicts: TargetHealthVerdict[] = [];
    const blue = await startChecker(clock, 'tg-blue', staticTargets(['i-a']), servers, verdicts);
    const green = await startChecker(clock, 'tg-green', staticTargets(['i-c']), servers, verdicts);
    const forwarded = { group: 'tg-blue' };
    const listener: ListenerSource = { forwardedGroup: () => Promise.resolve(forwarded.group) };
    const pollIntervalMs = 300;
    const changes: RouteChange[] = [];
    const proxy = await LoadBalancerProxy.start({
      loadBalancerId: 'lb-main',
      groups: [blue, green],
      endpoints: servers,
      listener,
      clock,
      pollIntervalMs,
      lifetimeMs: LIFETIME_MS,
      targetTimeoutMs: 1_000,
      onRouteChange: (c) => changes.push(c),
    });
    cleanups.push(() => proxy.close());
    expect((await httpGet(proxy.url)).server).toBe('web-i-a');
    forwarded.group = 'tg-green';
    const movedAtMs = clock.nowMs();
    const change = await waitFor(clock, () => changes[0], 2 * pollIntervalMs);
    expect(change).toMatchObject({ layer: 'loadBalancer', resource: 'lb-main', from: 'tg-blue', to: 'tg-green', fromServers: ['web-i-a'], toServers: ['web-i-c'] });
    expect(change.atMs - movedAtMs).toBeLessThanOrEqual(pollIntervalMs + LATE_MS);
    expect((await httpGet(proxy.url)).server).toBe('web-i-c');
    expect(verdicts).toEqual([]);
  });
});

describe('the proxy follows the listener on moto', () => {
  let moto: MotoHandle;
  let aws: AwsClients;
  beforeAll(async () => {
    moto = await startMoto();
    aws = awsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
  }, 60_000);
  afterAll(async () => {
    aws?.destroy();
    await moto?.stop();
  });

  it('ModifyListener to the other target group: the proxy forwards there at its next poll', async () => {
    const { ec2, elbv2 } = aws;
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
    const vpcId = vpc.Vpc!.VpcId!;
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.map((z) => z.ZoneName!).slice(0, 2);
    const subnets = await Promise.all(zones.map((zone, i) => ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: zone }))));
    const imageId = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 2, MaxCount: 2, InstanceType: 't3.micro', SubnetId: subnets[0]!.Subnet!.SubnetId! }));
    const [blueInstance, greenInstance] = run.Instances!.map((i) => i.InstanceId!);
    const serverOf: Record<string, string> = { [blueInstance!]: 'web-blue', [greenInstance!]: 'web-green' };

    const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: 'faildrill-lb-test', Subnets: subnets.map((s) => s.Subnet!.SubnetId!), Type: 'application' }));
    const groupArns = new Map<string, string>();
    for (const [id, instanceId] of [['tg-blue', blueInstance!], ['tg-green', greenInstance!]] as const) {
      const tg = await elbv2.send(
        new CreateTargetGroupCommand({ Name: `faildrill-${id}`, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance', HealthCheckPath: SPEC.path }),
      );
      const arn = tg.TargetGroups![0]!.TargetGroupArn!;
      groupArns.set(id, arn);
      await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId, Port: 80 }] }));
    }
    const listenerArn = (
      await elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancers![0]!.LoadBalancerArn!,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: groupArns.get('tg-blue')! }],
        }),
      )
    ).Listeners![0]!.ListenerArn!;

    const clock = wallClock();
    const servers = await InstanceServers.start({
      instances: [blueInstance!, greenInstance!].map((instanceId) => ({ instanceId, serverId: serverOf[instanceId]! })),
      source: ec2InstanceStates(ec2, [blueInstance!, greenInstance!]),
      clock,
      pollIntervalMs: LIFETIME_MS,
      lifetimeMs: LIFETIME_MS,
    });
    cleanups.push(() => servers.close());
    const verdicts: TargetHealthVerdict[] = [];
    const checkers = [];
    for (const [id, arn] of groupArns) {
      const source = elbv2TargetSource(elbv2, arn, (instanceId) => serverOf[instanceId] ?? instanceId);
      expect((await source.registered()).map((t) => t.serverId)).toEqual([id === 'tg-blue' ? 'web-blue' : 'web-green']);
      checkers.push(await startChecker(clock, id, source, servers, verdicts));
    }
    const pollIntervalMs = 500;
    const changes: RouteChange[] = [];
    const errors: Error[] = [];
    const proxy = await LoadBalancerProxy.start({
      loadBalancerId: 'lb-main',
      groups: checkers,
      endpoints: servers,
      listener: elbv2ListenerSource(elbv2, listenerArn, new Map([...groupArns].map(([id, arn]) => [arn, id]))),
      clock,
      pollIntervalMs,
      lifetimeMs: LIFETIME_MS,
      targetTimeoutMs: 1_000,
      onRouteChange: (c) => changes.push(c),
      onError: (e) => errors.push(e),
    });
    cleanups.push(() => proxy.close());
    expect(proxy.forwardedGroup).toBe('tg-blue');
    expect(await httpGet(proxy.url)).toEqual({ status: 200, server: 'web-blue' });

    await elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [{ Type: 'forward', TargetGroupArn: groupArns.get('tg-green')! }] }));
    const modifiedAtMs = clock.nowMs();
    const change = await waitFor(clock, () => changes[0], 4 * pollIntervalMs);
    expect(change).toMatchObject({ layer: 'loadBalancer', resource: 'lb-main', from: 'tg-blue', to: 'tg-green', fromServers: ['web-blue'], toServers: ['web-green'] });
    // At the next poll: within one poll interval, plus the DescribeListeners call's own time.
    expect(change.atMs - modifiedAtMs).toBeLessThanOrEqual(pollIntervalMs + LATE_MS);
    expect(await httpGet(proxy.url)).toEqual({ status: 200, server: 'web-green' });
    expect(errors).toEqual([]);
    expect(verdicts).toEqual([]);
  }, 60_000);
});
