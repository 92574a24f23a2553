import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpCheckTransport } from './http-check.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(status: number | 'never'): Promise<string> {
  server = createServer((req, res) => {
    if (status === 'never') return;
    res.writeHead(status);
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

describe('httpCheckTransport', () => {
  it('connects, then gives the status code', async () => {
    const attempt = httpCheckTransport(await listen(503)).open();
    await expect(attempt.connected).resolves.toBeUndefined();
    await expect(attempt.response).resolves.toBe(503);
  });

  it('says refused for a closed port, on both phases', async () => {
    const url = await listen(200);
    server!.close();
    server = undefined;
    const attempt = httpCheckTransport(url).open();
    await expect(attempt.connected).rejects.toThrow('refused');
    await expect(attempt.response).rejects.toThrow('refused');
  });

  it('stays connected without a status when the endpoint never answers, until aborted', async () => {
    const attempt = httpCheckTransport(await listen('never')).open();
    await attempt.connected;
    const pending = Symbol('pending');
    expect(await Promise.race([attempt.response, new Promise((resolve) => setTimeout(() => resolve(pending), 100))])).toBe(pending);
    attempt.abort();
    await expect(attempt.response).rejects.toThrow();
  });
});
