import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsQuery, type DnsRecord, type DnsServer } from '../../shared/dns-server.js';
import { dnsLocator, fileLocator, LocateError, writerLocator } from './writer-locator.js';

const NAME = 'writer.orders-db.db.faildrill.test';
const PORT = 5432;

let server: DnsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A real DNS server on 127.0.0.1 answering NAME with whatever `record.current` says, counting the queries it answered. */
async function dnsServer(initial: DnsRecord | undefined) {
  const state = { current: initial, queries: [] as DnsQuery[] };
  server = await startDnsServer({ source: { zones: () => ['db.faildrill.test'], record: (name) => (name === NAME ? state.current : undefined) }, onQuery: (q) => state.queries.push(q) });
  return { state, address: server.address };
}

/** A clock the test moves: the locator's TTL is counted on it, the DNS traffic is real. */
function manualClock() {
  const clock = { ms: 1_000, nowMs: () => clock.ms };
  return clock;
}

describe('dnsLocator', () => {
  it('caches the answer for its TTL, as a TTL-honouring client does, and asks again once it expired', async () => {
    const { state, address } = await dnsServer({ addresses: ['198.18.5.101'], ttlSec: 5 });
    const clock = manualClock();
    const locator = dnsLocator({ kind: 'dns', name: NAME, server: address, port: PORT }, { timeoutMs: 1_000, nowMs: clock.nowMs });
    expect(await locator.locate()).toBe(`198.18.5.101:${PORT}`);
    expect(state.queries).toHaveLength(1);
    expect(state.queries[0]).toMatchObject({ name: NAME, type: 'A', rcode: 'NOERROR', addresses: ['198.18.5.101'], ttlSec: 5, client: '127.0.0.1' });

    // the record changes (the controller's UPSERT): within the TTL the locator still answers the cached address, without asking
    state.current = { addresses: ['198.18.5.102'], ttlSec: 5 };
    clock.ms += 4_999;
    expect(await locator.locate()).toBe(`198.18.5.101:${PORT}`);
    expect(state.queries).toHaveLength(1);

    // at the TTL it asks again and gets the new writer, cached for the new answer's TTL
    clock.ms += 1;
    expect(await locator.locate()).toBe(`198.18.5.102:${PORT}`);
    expect(state.queries).toHaveLength(2);
    clock.ms += 4_999;
    expect(await locator.locate()).toBe(`198.18.5.102:${PORT}`);
    expect(state.queries).toHaveLength(2);
  });

  it('asks before every write when the TTL is 0, and writes that need the writer at once share one lookup', async () => {
    const { state, address } = await dnsServer({ addresses: ['198.18.5.101'], ttlSec: 0 });
    const locator = dnsLocator({ kind: 'dns', name: NAME, server: address, port: PORT }, { timeoutMs: 1_000, nowMs: manualClock().nowMs });
    expect(await Promise.all([locator.locate(), locator.locate(), locator.locate()])).toEqual(Array(3).fill(`198.18.5.101:${PORT}`));
    expect(state.queries).toHaveLength(1);
    await locator.locate();
    await locator.locate();
    expect(state.queries).toHaveLength(3);
  });

  it('fails the write with the reason when the lookup fails, and serves no stale answer after it', async () => {
    const { state, address } = await dnsServer(undefined);
    const clock = manualClock();
    const locator = dnsLocator({ kind: 'dns', name: NAME, server: address, port: PORT }, { timeoutMs: 300, nowMs: clock.nowMs });
    // no such name: NXDOMAIN, which Node's resolver calls ENOTFOUND
    const notFound = locator.locate();
    await expect(notFound).rejects.toBeInstanceOf(LocateError);
    await expect(notFound).rejects.toThrow(`dns ENOTFOUND ${NAME} via ${address}`);

    state.current = { addresses: ['198.18.5.101'], ttlSec: 1 };
    expect(await locator.locate()).toBe(`198.18.5.101:${PORT}`);
    // the server goes away: once the answer expired, the next lookup times out and the write fails with that reason
    await server!.close();
    server = undefined;
    clock.ms += 1_000;
    await expect(locator.locate()).rejects.toThrow(new RegExp(`^dns (ETIMEOUT|ECONNREFUSED) ${NAME.replace(/\./g, '\\.')} via `));
    await expect(locator.locate()).rejects.toBeInstanceOf(LocateError);
  });
});

describe('fileLocator', () => {
  it('reads the pointer before every write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locator-'));
    try {
      const file = join(dir, 'db-writer');
      writeFileSync(file, '198.18.5.101:5432\n');
      const locator = fileLocator(file);
      expect(await locator.locate()).toBe('198.18.5.101:5432');
      writeFileSync(file, '198.18.5.102:5432\n');
      expect(await locator.locate()).toBe('198.18.5.102:5432');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a fixed address (the database VIP)', () => {
  it('names the same address before every write: which member answers is the address holder\'s business', async () => {
    const locator = writerLocator({ kind: 'fixed', address: '198.18.7.99:5432' }, 1_000);
    expect(await locator.locate()).toBe('198.18.7.99:5432');
    expect(await locator.locate()).toBe('198.18.7.99:5432');
  });
});
