import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../controller/ports.js';
import { LoadBalancerProxy, type RouteChange, type RoutingGroup } from './load-balancer-proxy.js';
import type { RoutableListener, RoutableTarget } from './target-group-checker.js';

function wallClock(): Clock {
  const t0 = performance.now();
  return { nowMs: () => performance.now() - t0, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server that answers like an instance server (`/` names it in x-faildrill-server), or never answers. */
async function server(id: string, mode: 'answer' | 'silent' = 'answer'): Promise<{ url: string; close(): Promise<void> }> {
  const s: Server = createServer((req, res) => {
    if (mode === 'silent') return;
    res.writeHead(200, { 'x-faildrill-server': id, 'x-path': req.url ?? '' });
    res.end(`${id}\n`);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => (s.close(() => resolve()), s.closeAllConnections()));
  cleanups.push(close);
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close };
}

/** A port nothing listens on: a server bound, then closed. */
async function refusingUrl(): Promise<string> {
  const s = await server('gone');
  await s.close();
  return s.url;
}

/** A target group whose routable set the test sets. */
function group(id: string, targets: RoutableTarget[]): RoutingGroup & { set(next: RoutableTarget[]): void } {
  const listeners = new Set<RoutableListener>();
  let routable = targets;
  return {
    id,
    routable: () => routable,
    subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    set(next) {
      const before = routable;
      routable = next;
      for (const l of listeners) l(before, next);
    },
  };
}

const t = (instanceId: string): RoutableTarget => ({ instanceId, serverId: `web-${instanceId}` });

type Reply = { status: number; server: string; body: string; path: string };
function httpGet(url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers['x-faildrill-server'] ?? ''), body, path: String(res.headers['x-path'] ?? '') }));
    }).on('error', reject);
  });
}

async function startProxy(groups: RoutingGroup[], urls: Record<string, string>, forwarded: { group: string }, targetTimeoutMs = 2_000) {
  const changes: RouteChange[] = [];
  const errors: Error[] = [];
  const proxy = await LoadBalancerProxy.start({
    loadBalancerId: 'lb-main',
    groups,
    endpoints: {
      endpoint: (instanceId) => {
        const url = urls[instanceId];
        if (!url) throw new Error(`instance ${instanceId} has no server`);
        return { url };
      },
    },
    listener: { forwardedGroup: () => Promise.resolve(forwarded.group) },
    clock: wallClock(),
    pollIntervalMs: 60_000,
    lifetimeMs: 60_000,
    targetTimeoutMs,
    onRouteChange: (c) => changes.push(c),
    onError: (e) => errors.push(e),
  });
  cleanups.push(() => proxy.close());
  return { proxy, changes, errors };
}

describe('LoadBalancerProxy on loopback', () => {
  it('sends requests round-robin to the routable targets of the forwarded group, passing path, answer and x-faildrill-server through', async () => {
    const a = await server('web-i-a');
    const b = await server('web-i-b');
    const blue = group('tg-blue', [t('i-a'), t('i-b')]);
    const { proxy } = await startProxy([blue], { 'i-a': a.url, 'i-b': b.url }, { group: 'tg-blue' });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await httpGet(`${proxy.url}/orders?n=${i}`));
    expect(replies.map((r) => [r.status, r.server, r.body, r.path])).toEqual([0, 1, 2, 3].map((i) => [200, i % 2 ? 'web-i-b' : 'web-i-a', `${i % 2 ? 'web-i-b' : 'web-i-a'}\n`, `/orders?n=${i}`]));
  });

  // ALB guide, "Troubleshoot your Application Load Balancers": 502 when the target refuses or resets, 504 when it does not answer in time, 503 with no targets.
  it('answers 502 for a refusing target, 504 for a silent one after targetTimeoutMs, 503 with no routable target', async () => {
    const silent = await server('web-i-s', 'silent');
    const targetTimeoutMs = 300;
    const blue = group('tg-blue', [t('i-r')]);
    const { proxy } = await startProxy([blue], { 'i-r': await refusingUrl(), 'i-s': silent.url }, { group: 'tg-blue' }, targetTimeoutMs);
    expect((await httpGet(proxy.url)).status).toBe(502);
    blue.set([t('i-s')]);
    const startedMs = performance.now();
    const reply = await httpGet(proxy.url);
    const tookMs = performance.now() - startedMs;
    expect(reply.status).toBe(504);
    expect(reply.server).toBe('');
    expect(tookMs).toBeGreaterThanOrEqual(targetTimeoutMs - 2);
    expect(tookMs).toBeLessThan(targetTimeoutMs + 500);
    blue.set([]);
    expect((await httpGet(proxy.url)).status).toBe(503);
  });

  it('reports a change of the forwarded group’s routable set, and not one of another group', async () => {
    const blue = group('tg-blue', [t('i-a'), t('i-b')]);
    const green = group('tg-green', [t('i-c')]);
    const { proxy, changes } = await startProxy([blue, green], {}, { group: 'tg-blue' });
    green.set([]);
    blue.set([t('i-b')]);
    expect(changes.map(({ atMs: _, ...c }) => c)).toEqual([
      { layer: 'targetGroup', resource: 'tg-blue', from: 'web-i-a,web-i-b', to: 'web-i-b', fromServers: ['web-i-a', 'web-i-b'], toServers: ['web-i-b'] },
    ]);
    expect(proxy.servers).toEqual(['web-i-b']);
  });

  it('follows the listener to another group at its next read, reporting the load balancer’s route change', async () => {
    const a = await server('web-i-a');
    const c = await server('web-i-c');
    const blue = group('tg-blue', [t('i-a')]);
    const green = group('tg-green', [t('i-c')]);
    const forwarded = { group: 'tg-blue' };
    const { proxy, changes } = await startProxy([blue, green], { 'i-a': a.url, 'i-c': c.url }, forwarded);
    expect((await httpGet(proxy.url)).server).toBe('web-i-a');
    forwarded.group = 'tg-green';
    expect((await httpGet(proxy.url)).server).toBe('web-i-a');
    await proxy.refresh();
    expect((await httpGet(proxy.url)).server).toBe('web-i-c');
    expect(changes.map(({ atMs: _, ...ch }) => ch)).toEqual([
      { layer: 'loadBalancer', resource: 'lb-main', from: 'tg-blue', to: 'tg-green', fromServers: ['web-i-a'], toServers: ['web-i-c'] },
    ]);
    blue.set([]);
    expect(changes).toHaveLength(1);
  });

  it('reports a forward to a group it has no checker for, and answers 503 there', async () => {
    const { proxy, errors } = await startProxy([group('tg-blue', [])], {}, { group: 'tg-other' });
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('tg-other')]);
    expect((await httpGet(proxy.url)).status).toBe(503);
  });
});
