import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WallClock } from '../../shared/wall-clock.js';
import { DbStore } from './db-store.js';
import { AppWrites } from './db-writes.js';

const post = (url: string) =>
  new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-length': '0' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });

const stores: DbStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.down()));
});

describe('DbStore', () => {
  it('commits on the writer and acknowledges once replication resolved; a standby answers read-only; a stopped member refuses', async () => {
    const clock = new WallClock();
    const shipped: string[] = [];
    const standby = await DbStore.start('b', () => clock.nowMs(), async () => undefined);
    const writer = await DbStore.start('a', () => clock.nowMs(), async (id) => {
      shipped.push(id);
      standby.apply(id);
    });
    stores.push(writer, standby);
    writer.writer = true;
    expect(await post(`${writer.url}/write/w1`)).toEqual({ status: 200, body: 'committed\n' });
    expect(shipped).toEqual(['w1']);
    expect([...standby.committed.keys()]).toEqual(['w1']);
    expect(await post(`${standby.url}/write/w2`)).toEqual({ status: 503, body: 'read-only\n' });
    expect(standby.committed.has('w2')).toBe(false);
    const url = writer.url;
    await writer.down();
    expect(await post(`${url}/write/w3`)).toEqual({ error: 'ECONNREFUSED' });
    await writer.up();
    expect(writer.url).toBe(url);
    expect(await post(`${url}/write/w3`)).toMatchObject({ status: 200 });
  });

  it('does not acknowledge a write whose replication failed', async () => {
    const clock = new WallClock();
    const writer = await DbStore.start('a', () => clock.nowMs(), async () => {
      throw new Error('standby gone');
    });
    stores.push(writer);
    writer.writer = true;
    expect(await post(`${writer.url}/write/w1`)).toMatchObject({ status: 503 });
  });
});

describe('AppWrites', () => {
  it('sends rate × duration writes with unique ids, acknowledges what the writer committed, and canWrite follows the latest outcome', async () => {
    const clock = new WallClock();
    const a = await DbStore.start('a', () => clock.nowMs(), async () => undefined);
    stores.push(a);
    a.writer = true;
    // 50 writes/s for 400 ms: 20 writes (from the configuration)
    const writes = new AppWrites({ clock, target: { member: () => 'a', urlOf: () => a.url }, ratePerSec: 50, untilMs: 400, phaseMs: 0, timeoutMs: 1_000 });
    writes.start();
    await clock.sleep(200);
    a.writer = false;
    await clock.sleep(300);
    await writes.stop();
    expect(writes.sent).toBe(20);
    expect(new Set(writes.acked.map((w) => w.id)).size).toBe(writes.acked.length);
    expect(writes.acked.length + writes.failed).toBe(20);
    expect(writes.acked.length).toBeGreaterThan(0);
    expect(writes.failed).toBeGreaterThan(0);
    for (const w of writes.acked) expect(a.committed.has(w.id)).toBe(true);
    expect(writes.canWrite).toBe(false);
  });
});
