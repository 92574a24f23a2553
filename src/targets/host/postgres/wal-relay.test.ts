import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WalRelay } from './wal-relay.js';

/** A stand-in primary on loopback: every connection's socket, to write to or close. */
async function primary(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

const until = async (what: string, check: () => boolean, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function relayed(delayMs: number) {
  const up = await primary();
  const relay = new WalRelay({ host: '127.0.0.1', port: up.port });
  const port = await relay.listen('127.0.0.1', 0);
  relay.setDelay(delayMs);
  const standby = connect(port, '127.0.0.1');
  const received: Array<{ text: string; atMs: number }> = [];
  const t0 = Date.now();
  standby.on('data', (b: Buffer) => received.push({ text: b.toString(), atMs: Date.now() - t0 }));
  let reset = false;
  standby.on('error', () => (reset = true));
  standby.on('close', () => (reset = true));
  await until('the relay to connect upstream', () => up.sockets.length === 1);
  cleanups.push(() => standby.destroy(), () => relay.close(), () => up.server.close(), () => up.sockets.forEach((s) => s.destroy()));
  return { relay, up: up.sockets[0]!, standby, received, t0, closed: () => reset };
}

describe('the WAL delay line in front of a walsender', () => {
  it('hands on what the primary sends the set delay after it arrived, and what the standby sends at once', async () => {
    const delayMs = 300;
    const { up, standby, received, t0 } = await relayed(delayMs);
    const fromStandby: string[] = [];
    up.on('data', (b: Buffer) => fromStandby.push(b.toString()));
    const sentAt = Date.now() - t0;
    up.write('wal-1');
    standby.write('feedback');
    await until('the feedback upstream', () => fromStandby.join('') === 'feedback', 200);
    await until('the WAL downstream', () => received.length > 0);
    expect(received.map((r) => r.text).join('')).toBe('wal-1');
    // never before its delay (timers may fire late on a loaded machine, never early)
    expect(received[0]!.atMs - sentAt).toBeGreaterThanOrEqual(delayMs - 5);
  });

  it('lets everything held go at once when the delay ends', async () => {
    const { relay, up, received } = await relayed(10_000);
    up.write('held');
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
    relay.setDelay(0);
    await until('the held WAL downstream', () => received.map((r) => r.text).join('') === 'held', 500);
  });

  it('drops what it holds and resets the standby when the primary goes away: that WAL never arrives', async () => {
    const { up, received, closed } = await relayed(10_000);
    up.write('unshipped');
    await new Promise((r) => setTimeout(r, 100));
    up.destroy();
    await until('the standby connection reset', closed);
    expect(received).toEqual([]);
  });
});
