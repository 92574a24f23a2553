import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PortError } from '../controller/port-error.js';
import { HttpProbePort } from './http-probe.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A loopback server answering `status` (or never), counting connections and paths. */
async function listen(status: number | 'never') {
  const seen = { connections: 0, paths: [] as string[] };
  const server = createServer((req, res) => {
    seen.paths.push(req.url ?? '');
    if (status === 'never') return;
    res.writeHead(status);
    res.end('body');
  });
  server.on('connection', () => seen.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('HttpProbePort', () => {
  it('is healthy on 2xx, GETting the endpoint URL followed by the path, over a fresh connection each time', async () => {
    const { base, seen } = await listen(204);
    const port = new HttpProbePort((id) => (id === 'web-1' ? base : undefined));
    const checks = 3;
    for (let i = 0; i < checks; i++) expect(await port.probe('web-1', { path: '/health', timeoutMs: 1_000 })).toMatchObject({ ok: true });
    expect(seen.paths).toEqual(new Array(checks).fill('/health'));
    expect(seen.connections).toBe(checks);
  });

  it("says 'status 503' for a 503", async () => {
    const { base } = await listen(503);
    const result = await new HttpProbePort(() => base).probe('web-1', { path: '/', timeoutMs: 1_000 });
    expect(result).toMatchObject({ ok: false, reason: 'status 503' });
  });

  it("says 'refused' for a closed port, at once", async () => {
    const { base, server } = await listen(200);
    server.close();
    const timeoutMs = 5_000;
    const result = await new HttpProbePort(() => base).probe('web-1', { path: '/', timeoutMs });
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
    expect(result.latencyMs).toBeLessThan(timeoutMs);
  });

  it("says 'timeout' for a server that never answers, resolving at its timeout and not before", async () => {
    const { base } = await listen('never');
    const timeoutMs = 200;
    const startMs = performance.now();
    const result = await new HttpProbePort(() => base).probe('web-1', { path: '/', timeoutMs });
    const elapsedMs = performance.now() - startMs;
    expect(result).toEqual({ ok: false, reason: 'timeout', latencyMs: timeoutMs });
    // setTimeout fires no earlier than asked (Node's timers docs, minus 1 ms of rounding); 250 ms of slack for a loaded machine.
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 1);
    expect(elapsedMs).toBeLessThan(timeoutMs + 250);
  });

  it('rejects an unknown endpoint, or one whose URL cannot be requested, with a PortError INVALID', async () => {
    const port = new HttpProbePort((id) => (id === 'bad' ? 'not a url' : undefined));
    await expect(port.probe('nowhere', { path: '/', timeoutMs: 100 })).rejects.toSatisfy((err) => err instanceof PortError && err.code === 'INVALID' && /nowhere/.test(err.message));
    await expect(port.probe('bad', { path: '/', timeoutMs: 100 })).rejects.toSatisfy((err) => err instanceof PortError && err.code === 'INVALID');
  });
});
