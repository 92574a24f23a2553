/**
 * The aws target's data plane on loopback, no AWS needed: instance servers that follow the control
 * plane's instance state, the DNS server, the clients' TTL caches and the Route 53 checker, all on
 * the wall clock with real sockets. Every expected time is derived from the configuration below
 * (intervals, thresholds, timeouts, TTL) and the checkers' seeded phases. The last group reads the
 * records from a Route 53 zone on a moto server of its own (loopback too).
 */
import { get, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChangeResourceRecordSetsCommand, CreateHealthCheckCommand, CreateHostedZoneCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { createDenyAllAcl, disruptedInstances, disruptSubnet, restoreSubnet } from '../../src/targets/aws/faults/network-acl.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from '../../src/targets/aws/clients.js';
import { ec2InstanceStates } from '../../src/targets/aws/dataplane/ec2-instance-states.js';
import { Route53RecordSource } from '../../src/targets/aws/dataplane/route53-records.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';
import type { Clock } from '../../src/controller/ports.js';
import { SeededRng } from '../../src/random/seeded-rng.js';
import { startDnsServer, type DnsQueryLog, type DnsServer, type RecordSource } from '../../src/targets/aws/dataplane/dns-server.js';
import type { FailoverRecordSet } from '../../src/targets/aws/dataplane/failover-records.js';
import { httpCheckTransport } from '../../src/targets/aws/dataplane/http-check.js';
import { InstanceServers, type InstanceState } from '../../src/targets/aws/dataplane/instance-servers.js';
import { DnsClients } from '../../src/targets/aws/dataplane/resolver.js';
import { Route53Checker, type HealthVerdict, type Route53CheckerSpec } from '../../src/targets/aws/dataplane/route53-checker.js';

/** The run's wall clock: ms since the test's t0. */
function wallClock(): Clock {
  const t0 = performance.now();
  return { nowMs: () => performance.now() - t0, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) };
}

/** Timers fire late on a busy machine, never more than a millisecond early. */
const EARLY_MS = 2;
const LATE_MS = 200;

type Reply = { status: number; server: string; body: string } | { error: string };

function httpGet(url: string, timeoutMs = 2_000): Promise<Reply> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers['x-faildrill-server'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The control plane's DescribeInstances as a map the test flips. */
function stateSource(initial: Record<string, InstanceState>) {
  const states = new Map(Object.entries(initial));
  return { states, source: { states: () => Promise.resolve(new Map(states)) } };
}

async function startServers(
  initial: Record<string, InstanceState>,
  options: { pollIntervalMs?: number; lifetimeMs?: number; bootMs?: number; onServing?: (atMs: number) => void } = {},
) {
  const errors: string[] = [];
  const clock = wallClock();
  const { states, source } = stateSource(initial);
  const changes: { instanceId: string; serving: boolean; state: string }[] = [];
  const servers = await InstanceServers.start({
    instances: Object.keys(initial).map((instanceId, i) => ({ instanceId, serverId: `web-${instanceId}`, address: `10.0.0.${i + 1}`, bootMs: options.bootMs })),
    source,
    clock,
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    lifetimeMs: options.lifetimeMs ?? 60_000,
    onChange: ({ instanceId, serving, state, atMs }) => {
      changes.push({ instanceId, serving, state });
      if (serving) options.onServing?.(atMs);
    },
    onError: (err) => errors.push(err.message),
  });
  cleanups.push(() => servers.close());
  return { clock, states, servers, changes, errors };
}

describe('instance servers follow the control plane', () => {
  it('refuses connections while the instance is stopped and serves, on the same port, once it runs', async () => {
    const { states, servers, changes } = await startServers({ 'i-a': 'running', 'i-b': 'stopped' });
    const a = servers.endpoint('i-a');
    const b = servers.endpoint('i-b');
    expect(await httpGet(`${a.url}/`)).toEqual({ status: 200, server: 'web-i-a', body: 'web-i-a\n' });
    expect(await httpGet(`${a.url}/health`)).toMatchObject({ status: 200, server: 'web-i-a' });
    expect(await httpGet(`${b.url}/health`)).toEqual({ error: 'ECONNREFUSED' });

    states.set('i-a', 'stopped');
    states.set('i-b', 'running');
    await servers.refresh();
    expect(await httpGet(`${a.url}/health`)).toEqual({ error: 'ECONNREFUSED' });
    expect(await httpGet(`${b.url}/health`)).toMatchObject({ status: 200, server: 'web-i-b' });
    expect(servers.endpoint('i-b').port).toBe(b.port);

    states.delete('i-b'); // terminated and gone from DescribeInstances
    states.set('i-a', 'pending');
    await servers.refresh();
    expect(await httpGet(`${b.url}/health`)).toEqual({ error: 'ECONNREFUSED' });
    expect(await httpGet(`${a.url}/health`)).toEqual({ error: 'ECONNREFUSED' });
    expect(changes).toEqual([
      { instanceId: 'i-b', serving: false, state: 'stopped' },
      { instanceId: 'i-a', serving: false, state: 'stopped' },
      { instanceId: 'i-b', serving: true, state: 'running' },
      { instanceId: 'i-b', serving: false, state: 'gone' },
    ]);
    expect(servers.byAddress('10.0.0.2')?.port).toBe(b.port);
  });

  it('after a stop, serves only bootTime after the control plane says running again (the emulator starts it at once)', async () => {
    const bootMs = 1_000;
    const servingAt: number[] = [];
    const { clock, states, servers, errors } = await startServers({ 'i-a': 'running' }, { bootMs, onServing: (atMs) => servingAt.push(atMs) });
    const url = `${servers.endpoint('i-a').url}/health`;
    // running from the start: no boot wait
    expect(await httpGet(url)).toMatchObject({ status: 200 });
    states.set('i-a', 'stopped');
    await servers.refresh();
    states.set('i-a', 'running');
    const startedAtMs = clock.nowMs();
    await servers.refresh();
    expect(await httpGet(url)).toEqual({ error: 'ECONNREFUSED' });
    // the server opens by itself once the boot time has passed, never before it (a busy machine may open it late)
    const deadlineMs = startedAtMs + bootMs + 5_000;
    while (servingAt.length === 0 && clock.nowMs() < deadlineMs) await clock.sleep(50);
    expect({ servingAt: servingAt.length, errors }).toMatchObject({ servingAt: 1 });
    expect(servingAt[0]! - startedAtMs).toBeGreaterThanOrEqual(bootMs);
    expect(await httpGet(url)).toMatchObject({ status: 200 });
  }, 15_000);

  it('notices a stop by polling within one poll interval, and closes everything at the end of its lifetime', async () => {
    const pollIntervalMs = 100;
    const lifetimeMs = 1_000;
    const { clock, states, servers } = await startServers({ 'i-a': 'running' }, { pollIntervalMs, lifetimeMs });
    const url = `${servers.endpoint('i-a').url}/health`;
    states.set('i-a', 'stopped');
    const stoppedAtMs = clock.nowMs();
    while ('status' in (await httpGet(url)) && clock.nowMs() - stoppedAtMs < 10 * pollIntervalMs) await clock.sleep(10);
    expect(clock.nowMs() - stoppedAtMs).toBeLessThan(pollIntervalMs + LATE_MS);
    expect(await httpGet(url)).toEqual({ error: 'ECONNREFUSED' });

    states.set('i-a', 'running');
    await clock.sleep(pollIntervalMs + LATE_MS);
    expect(await httpGet(url)).toMatchObject({ status: 200 });
    await clock.sleep(lifetimeMs - clock.nowMs() + LATE_MS);
    expect(servers.serving('i-a')).toBe(false);
    expect(await httpGet(url)).toEqual({ error: 'ECONNREFUSED' });
  });
});

const PRIMARY: FailoverRecordSet = { name: 'app.example.com', setIdentifier: 'primary', failover: 'PRIMARY', ttlSec: 1, addresses: ['10.0.0.1'], healthCheckId: 'hc-primary' };
const SECONDARY: FailoverRecordSet = { name: 'app.example.com', setIdentifier: 'secondary', failover: 'SECONDARY', ttlSec: 1, addresses: ['10.0.0.2'] };

async function dnsServer(source: RecordSource): Promise<{ server: DnsServer; queries: DnsQueryLog[] }> {
  const queries: DnsQueryLog[] = [];
  const server = await startDnsServer({ source, onQuery: (q) => queries.push(q) });
  cleanups.push(() => server.close());
  return { server, queries };
}

describe('DNS answers and client caches', () => {
  it('answers follow the record source with its TTL; clients keep an answer for the TTL, then re-resolve, except those that ignore it', async () => {
    let primaryHealthy = true;
    const { server, queries } = await dnsServer({
      zones: () => ['example.com'],
      recordSets: (name) => [PRIMARY, SECONDARY].filter((s) => s.name === name),
      health: (id) => (id === PRIMARY.healthCheckId ? primaryHealthy : undefined),
    });
    const clock = wallClock();
    // Two clients, half of them honour the TTL: one re-resolves, one keeps its first answer.
    const clients = new DnsClients({ server: server.address, clients: 2, honourTtlShare: 0.5, rng: new SeededRng(7), clock });
    cleanups.push(() => clients.close());
    const honouring = [0, 1].find((c) => clients.honoursTtl(c))!;
    const sticky = 1 - honouring;
    const ttlMs = PRIMARY.ttlSec * 1000;

    const first = await clients.resolve(honouring, 'app.example.com');
    expect(first).toMatchObject({ addresses: PRIMARY.addresses, ttlSec: PRIMARY.ttlSec, fromCache: false });
    expect(await clients.resolve(sticky, 'app.example.com')).toMatchObject({ addresses: PRIMARY.addresses, fromCache: false });
    expect(queries).toHaveLength(2);

    primaryHealthy = false;
    await clock.sleep(first.resolvedAtMs + ttlMs / 2 - clock.nowMs());
    expect(await clients.resolve(honouring, 'app.example.com')).toMatchObject({ addresses: PRIMARY.addresses, fromCache: true });
    expect(queries).toHaveLength(2);

    await clock.sleep(first.resolvedAtMs + ttlMs - clock.nowMs() + EARLY_MS);
    expect(await clients.resolve(honouring, 'app.example.com')).toMatchObject({ addresses: SECONDARY.addresses, ttlSec: SECONDARY.ttlSec, fromCache: false });
    expect(await clients.resolve(sticky, 'app.example.com')).toMatchObject({ addresses: PRIMARY.addresses, fromCache: true });
    expect(queries.map((q) => q.member)).toEqual(['PRIMARY', 'PRIMARY', 'SECONDARY']);
  });

  it('does not cache a failed lookup', async () => {
    const { server, queries } = await dnsServer({ zones: () => ['example.com'], recordSets: () => [], health: () => undefined });
    const clients = new DnsClients({ server: server.address, clients: 1, honourTtlShare: 1, rng: new SeededRng(1), clock: wallClock() });
    cleanups.push(() => clients.close());
    await expect(clients.resolve(0, 'gone.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(clients.resolve(0, 'gone.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(queries).toHaveLength(2);
  });
});

/**
 * Route 53's rules with times a test can wait for: intervals, threshold and timeouts scaled down
 * (Route 53 itself: 10 s, 3, connect 4 s, response 2 s), 3 regions × 1 checker so that each checker's
 * phase stands apart from the others by at least a third of the interval.
 */
const SPEC: Route53CheckerSpec = {
  healthCheckId: 'hc-primary',
  intervalMs: 900,
  failureThreshold: 2,
  regions: 3,
  checkersPerRegion: 1,
  healthyCheckerShare: 0.18,
  connectTimeoutMs: 400,
  responseTimeoutMs: 300,
};
const CHECKERS = SPEC.regions * SPEC.checkersPerRegion;
const TO_FAIL = [...Array(CHECKERS + 1).keys()].find((k) => (CHECKERS - k) / CHECKERS <= SPEC.healthyCheckerShare)!;
const TO_RECOVER = [...Array(CHECKERS + 1).keys()].find((k) => k / CHECKERS > SPEC.healthyCheckerShare)!;

/** A moment in the middle of the widest gap between checks, `cycles` intervals after the start: no check lands near it. */
function quietOffsetMs(phasesMs: readonly number[], cycles: number): number {
  const sorted = [...phasesMs].sort((a, b) => a - b);
  let best = { gap: 0, mid: 0 };
  sorted.forEach((phase, i) => {
    const next = i + 1 < sorted.length ? sorted[i + 1]! : sorted[0]! + SPEC.intervalMs;
    if (next - phase > best.gap) best = { gap: next - phase, mid: (phase + next) / 2 };
  });
  return cycles * SPEC.intervalMs + best.mid;
}

/** When the endpoint's health flips after a change at `changeOffsetMs` (after start): the k-th checker to see `threshold` results in a row. */
function expectedFlipOffsetMs(phasesMs: readonly number[], changeOffsetMs: number, delayMs: number, k: number): number {
  const flips = phasesMs
    .map((phase) => phase + Math.ceil((changeOffsetMs - phase) / SPEC.intervalMs) * SPEC.intervalMs + (SPEC.failureThreshold - 1) * SPEC.intervalMs + delayMs)
    .sort((a, b) => a - b);
  return flips[k - 1]!;
}

/** An HTTP endpoint that answers 200 until told to go silent: it then accepts connections and never answers. */
async function silenceableServer(): Promise<{ url: string; silent: boolean; server: Server }> {
  const state = { silent: false };
  const server = createServer((_req, res) => {
    if (!state.silent) res.end('ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  return Object.assign(state, { url, server });
}

function startChecker(url: string, clock: Clock, seed: number) {
  const verdicts: HealthVerdict[] = [];
  const checker = new Route53Checker({ spec: SPEC, transport: httpCheckTransport(url), clock, rng: new SeededRng(seed), onVerdict: (v) => verdicts.push(v) });
  cleanups.push(() => checker.stop());
  return { checker, verdicts };
}

describe('Route 53 health evaluation on the wall clock', () => {
  it('a refused endpoint fails at once, a silent one at its response timeout: unhealthy after failureThreshold × interval within the phase spread, healthy again', { timeout: 20_000 }, async () => {
    const seed = 11;
    const { clock, states, servers } = await startServers({ 'i-primary': 'running' });
    const silent = await silenceableServer();
    const refusedCheck = startChecker(`${servers.endpoint('i-primary').url}/health`, clock, seed);
    const silentCheck = startChecker(silent.url, clock, seed);
    const phasesMs = refusedCheck.checker.phasesMs;
    expect(silentCheck.checker.phasesMs).toEqual(phasesMs); // same seed, same phases: the only difference is the endpoint
    refusedCheck.checker.start();
    silentCheck.checker.start();
    const t0 = refusedCheck.checker.startedAtMs;

    const faultOffsetMs = quietOffsetMs(phasesMs, 1);
    await clock.sleep(t0 + faultOffsetMs - clock.nowMs());
    states.set('i-primary', 'stopped');
    await servers.refresh();
    silent.silent = true;
    expect(await httpGet(`${servers.endpoint('i-primary').url}/health`)).toEqual({ error: 'ECONNREFUSED' });

    const restoreOffsetMs = quietOffsetMs(phasesMs, 5);
    await clock.sleep(t0 + restoreOffsetMs - clock.nowMs());
    states.set('i-primary', 'running');
    await servers.refresh();
    silent.silent = false;
    await clock.sleep(t0 + restoreOffsetMs + (SPEC.failureThreshold + 1) * SPEC.intervalMs + LATE_MS - clock.nowMs());

    for (const [{ verdicts, checker }, delayMs] of [
      [refusedCheck, 0],
      [silentCheck, SPEC.responseTimeoutMs],
    ] as const) {
      expect(verdicts.map((v) => [v.healthy, v.healthyCheckers])).toEqual([
        [false, CHECKERS - TO_FAIL],
        [true, TO_RECOVER],
      ]);
      const unhealthyAfterMs = verdicts[0]!.atMs - checker.startedAtMs - faultOffsetMs;
      const expectedMs = expectedFlipOffsetMs(phasesMs, faultOffsetMs, delayMs, TO_FAIL) - faultOffsetMs;
      // failureThreshold results in a row: between (threshold − 1) and threshold intervals after the fault, plus the failing check's own wait.
      expect(expectedMs).toBeGreaterThanOrEqual((SPEC.failureThreshold - 1) * SPEC.intervalMs + delayMs);
      expect(expectedMs).toBeLessThan(SPEC.failureThreshold * SPEC.intervalMs + delayMs);
      expect(unhealthyAfterMs).toBeGreaterThanOrEqual(expectedMs - EARLY_MS);
      expect(unhealthyAfterMs).toBeLessThan(expectedMs + LATE_MS);
      const healthyAfterMs = verdicts[1]!.atMs - checker.startedAtMs - restoreOffsetMs;
      const expectedBackMs = expectedFlipOffsetMs(phasesMs, restoreOffsetMs, 0, TO_RECOVER) - restoreOffsetMs;
      expect(healthyAfterMs).toBeGreaterThanOrEqual(expectedBackMs - EARLY_MS);
      expect(healthyAfterMs).toBeLessThan(expectedBackMs + LATE_MS);
    }
    // The documented difference: the silent endpoint is declared unhealthy one response timeout later.
    const lagMs = silentCheck.verdicts[0]!.atMs - refusedCheck.verdicts[0]!.atMs;
    expect(lagMs).toBeGreaterThan(SPEC.responseTimeoutMs - LATE_MS / 2);
    expect(lagMs).toBeLessThan(SPEC.responseTimeoutMs + LATE_MS / 2);
  });
});

describe('the data plane together', () => {
  it('a stopped primary instance: the checker declares it unhealthy, DNS answers the secondary, a client past its TTL reaches the secondary server', { timeout: 20_000 }, async () => {
    const { clock, states, servers } = await startServers({ 'i-primary': 'running', 'i-secondary': 'running' });
    const { checker, verdicts } = startChecker(`${servers.endpoint('i-primary').url}/health`, clock, 3);
    const records = [
      { ...PRIMARY, addresses: ['10.0.0.1'] },
      { ...SECONDARY, addresses: ['10.0.0.2'] },
    ];
    const { server } = await dnsServer({
      zones: () => ['example.com'],
      recordSets: (name) => records.filter((s) => s.name === name),
      health: (id) => (id === SPEC.healthCheckId ? checker.healthy : undefined),
    });
    const clients = new DnsClients({ server: server.address, clients: 1, honourTtlShare: 1, rng: new SeededRng(1), clock });
    cleanups.push(() => clients.close());
    const request = async () => {
      const answer = await clients.resolve(0, 'app.example.com');
      const target = servers.byAddress(answer.addresses[0]!);
      return target ? httpGet(`${target.url}/`) : { error: `no server for ${answer.addresses[0]}` };
    };
    checker.start();
    expect(await request()).toMatchObject({ status: 200, server: 'web-i-primary' });

    states.set('i-primary', 'stopped');
    await servers.refresh();
    const stoppedAtMs = clock.nowMs();
    expect(await request()).toEqual({ error: 'ECONNREFUSED' }); // still cached: the record's TTL has not run out

    // Unhealthy at most failureThreshold intervals after the stop; the client then holds the old answer for at most one TTL.
    const deadlineMs = stoppedAtMs + SPEC.failureThreshold * SPEC.intervalMs + PRIMARY.ttlSec * 1000 + LATE_MS;
    let reply = await request();
    while ('error' in reply && clock.nowMs() < deadlineMs) {
      await clock.sleep(50);
      reply = await request();
    }
    expect(reply).toMatchObject({ status: 200, server: 'web-i-secondary' });
    expect(verdicts.map((v) => v.healthy)).toEqual([false]);
    expect(verdicts[0]!.atMs - stoppedAtMs).toBeLessThan(SPEC.failureThreshold * SPEC.intervalMs + LATE_MS);
  });
});

describe('the control plane on moto', () => {
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

  it("answers from the zone's failover record sets as refreshed, following the checker's health and a swap of roles", async () => {
    const zone = await aws.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `dataplane-${Date.now()}` }));
    const hostedZoneId = zone.HostedZone!.Id!;
    const check = await aws.route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `dataplane-hc-${Date.now()}`,
        HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: 8080, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 3 },
      }),
    );
    const healthCheckId = check.HealthCheck!.Id!;
    const ttlSec = 30;
    const set = (id: string, failover: 'PRIMARY' | 'SECONDARY', address: string, withCheck: boolean): ResourceRecordSet => ({
      Name: 'app.example.com.',
      Type: 'A',
      SetIdentifier: id,
      Failover: failover,
      TTL: ttlSec,
      ResourceRecords: [{ Value: address }],
      ...(withCheck ? { HealthCheckId: healthCheckId } : {}),
    });
    const upsert = (sets: ResourceRecordSet[]) =>
      aws.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Changes: sets.map((ResourceRecordSet) => ({ Action: 'UPSERT', ResourceRecordSet })) } }));
    await upsert([set('web-primary', 'PRIMARY', '10.0.0.1', true), set('web-secondary', 'SECONDARY', '10.0.0.2', false)]);

    let primaryHealthy = true;
    const source = new Route53RecordSource({ route53: aws.route53, hostedZoneId, health: (id) => (id === healthCheckId ? primaryHealthy : undefined) });
    await source.refresh();
    const { server } = await dnsServer(source);
    const clients = new DnsClients({ server: server.address, clients: 1, honourTtlShare: 0, rng: new SeededRng(1), clock: wallClock() });
    cleanups.push(() => clients.close());
    const resolveFresh = async () => {
      clients.clear();
      return clients.resolve(0, 'app.example.com');
    };

    expect(source.zones()).toEqual(['example.com']);
    expect(await resolveFresh()).toMatchObject({ addresses: ['10.0.0.1'], ttlSec });
    primaryHealthy = false;
    expect(await resolveFresh()).toMatchObject({ addresses: ['10.0.0.2'], ttlSec });
    primaryHealthy = true;

    // The controller's way (controller mode): UPSERT both sets with the roles swapped. The snapshot serves the old roles until refreshed.
    await upsert([set('web-primary', 'SECONDARY', '10.0.0.1', true), set('web-secondary', 'PRIMARY', '10.0.0.2', false)]);
    expect(await resolveFresh()).toMatchObject({ addresses: ['10.0.0.1'] });
    await source.refresh();
    expect(source.answer('app.example.com')?.setIdentifier).toBe('web-secondary');
    expect(await resolveFresh()).toMatchObject({ addresses: ['10.0.0.2'] });
  }, 30_000);

  it('answers failover CNAME record sets (a load balancer primary, provision/dns.ts) with the canonical name, and clients read it with its TTL', async () => {
    const zone = await aws.route53.send(new CreateHostedZoneCommand({ Name: 'example.net', CallerReference: `dataplane-cname-${Date.now()}` }));
    const hostedZoneId = zone.HostedZone!.Id!;
    const ttlSec = 20;
    const lbName = 'alb-web-123.us-east-1.elb.amazonaws.com';
    const drName = 'ip-10-0-1-7.ec2.internal';
    const set = (id: string, failover: 'PRIMARY' | 'SECONDARY', value: string, healthCheckId?: string): ResourceRecordSet => ({
      Name: 'shop.example.net.',
      Type: 'CNAME',
      SetIdentifier: id,
      Failover: failover,
      TTL: ttlSec,
      ResourceRecords: [{ Value: value }],
      ...(healthCheckId ? { HealthCheckId: healthCheckId } : {}),
    });
    const check = await aws.route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `dataplane-cname-hc-${Date.now()}`,
        HealthCheckConfig: { Type: 'HTTP', FullyQualifiedDomainName: lbName, Port: 80, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 3 },
      }),
    );
    const healthCheckId = check.HealthCheck!.Id!;
    await aws.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: { Changes: [set('alb', 'PRIMARY', lbName, healthCheckId), set('dr', 'SECONDARY', drName)].map((ResourceRecordSet) => ({ Action: 'CREATE', ResourceRecordSet })) },
      }),
    );
    let primaryHealthy = true;
    const source = new Route53RecordSource({ route53: aws.route53, hostedZoneId, health: (id) => (id === healthCheckId ? primaryHealthy : undefined) });
    await source.refresh();
    const { server } = await dnsServer(source);
    const clients = new DnsClients({ server: server.address, clients: 1, honourTtlShare: 1, rng: new SeededRng(1), clock: wallClock() });
    cleanups.push(() => clients.close());
    expect(await clients.resolve(0, 'shop.example.net')).toMatchObject({ addresses: [], cnames: [lbName], ttlSec, fromCache: false });
    primaryHealthy = false;
    // within the TTL the client keeps the load balancer's name; a fresh lookup gets the secondary's
    expect(await clients.resolve(0, 'shop.example.net')).toMatchObject({ cnames: [lbName], fromCache: true });
    clients.clear();
    expect(await clients.resolve(0, 'shop.example.net')).toMatchObject({ addresses: [], cnames: [drName], ttlSec });
  }, 30_000);

  it("instance servers follow the subnet's network ACL: a deny-all ACL (disrupt-connectivity) leaves connections unanswered, not refused; restored, it serves", async () => {
    const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.9.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const images = await aws.ec2.send(new DescribeImagesCommand({}));
    const run = await aws.ec2.send(new RunInstancesCommand({ ImageId: images.Images![0]!.ImageId!, MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
    const instanceId = run.Instances![0]!.InstanceId!;
    const servers = await InstanceServers.start({
      instances: [{ instanceId, serverId: 'web-cut' }],
      source: { states: () => ec2InstanceStates(aws.ec2, [instanceId]).states(), cutOff: () => disruptedInstances(aws.ec2, [instanceId]) },
      clock: wallClock(),
      pollIntervalMs: 60_000,
      lifetimeMs: 60_000,
    });
    cleanups.push(() => servers.close());
    const url = `${servers.endpoint(instanceId).url}/`;
    expect(await httpGet(url)).toMatchObject({ status: 200, server: 'web-cut' });

    const aclId = await createDenyAllAcl(aws.ec2, vpcId, { runId: 'dataplane-acl', scenario: 'dataplane' }, 'dataplane-deny-all');
    const disruption = await disruptSubnet(aws.ec2, subnetId, aclId);
    await servers.refresh();
    expect(servers.cutOff(instanceId)).toBe(true);
    // no answer within the client's timeout: the request times out, where a stopped instance refuses at once
    const timeoutMs = 400;
    expect(await httpGet(url, timeoutMs)).toEqual({ error: 'timeout' });
    await restoreSubnet(aws.ec2, disruption);
    await servers.refresh();
    expect(servers.cutOff(instanceId)).toBe(false);
    expect(await httpGet(url)).toMatchObject({ status: 200, server: 'web-cut' });
  }, 30_000);

  it('instance servers follow DescribeInstances: stopped refuses, started serves, terminated refuses', async () => {
    const images = await aws.ec2.send(new DescribeImagesCommand({}));
    const run = await aws.ec2.send(new RunInstancesCommand({ ImageId: images.Images![0]!.ImageId!, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));
    const instance = run.Instances![0]!;
    const instanceId = instance.InstanceId!;
    const servers = await InstanceServers.start({
      instances: [{ instanceId, serverId: 'web-primary', address: instance.PrivateIpAddress! }],
      source: ec2InstanceStates(aws.ec2, [instanceId]),
      clock: wallClock(),
      pollIntervalMs: 60_000,
      lifetimeMs: 60_000,
    });
    cleanups.push(() => servers.close());
    const url = `${servers.endpoint(instanceId).url}/`;
    expect(servers.byAddress(instance.PrivateIpAddress!)?.instanceId).toBe(instanceId);
    expect(await httpGet(url)).toMatchObject({ status: 200, server: 'web-primary' });

    await aws.ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    await servers.refresh();
    expect(await httpGet(url)).toEqual({ error: 'ECONNREFUSED' });
    await aws.ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    await servers.refresh();
    expect(await httpGet(url)).toMatchObject({ status: 200, server: 'web-primary' });
    await aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    await servers.refresh();
    expect(await httpGet(url)).toEqual({ error: 'ECONNREFUSED' });
  }, 30_000);
});
