import { Resolver } from 'node:dns/promises';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { DnsServer } from '../../shared/dns-server.js';
import { parseDnsServerLine, parseRecordChange, serveRecords, type DnsServerLine } from './dns-server.js';

const ZONE = 'db.faildrill.test';
const NAME = `writer.orders-db.${ZONE}`;

let running: { server: DnsServer; input: PassThrough } | undefined;
afterEach(async () => {
  running?.input.end();
  await running?.server.close();
  running = undefined;
});

/** The program's server on 127.0.0.1, driven through its line protocol as the run drives it. */
async function start() {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: DnsServerLine[] = [];
  const waiting: Array<{ test: (l: DnsServerLine) => boolean; resolve: (l: DnsServerLine) => void }> = [];
  createInterface({ input: output }).on('line', (line) => {
    const parsed = parseDnsServerLine(line);
    if (!parsed) return;
    lines.push(parsed);
    for (const w of waiting.splice(0)) if (w.test(parsed)) w.resolve(parsed);
    else waiting.push(w);
  });
  const next = (test: (l: DnsServerLine) => boolean) =>
    new Promise<DnsServerLine>((resolve) => {
      const seen = lines.find(test);
      if (seen) return resolve(seen);
      waiting.push({ test, resolve });
    });
  const { server } = await serveRecords({ host: '127.0.0.1', port: 0, zone: ZONE, input, output });
  running = { server, input };
  const resolver = new Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([server.address]);
  return { server, input, lines, next, resolver };
}

function queryTcp(port: number, name: string): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(dnsPacket.streamEncode({ type: 'query', id: 9, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] })));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(dnsPacket.streamDecode(received));
      }
    });
    socket.on('error', reject);
  });
}

describe('the run’s DNS server (programs/dns-server.ts)', () => {
  it('says where it listens, applies record changes from its input, and answers them over UDP and TCP with their TTL', async () => {
    const { server, input, next, resolver, lines } = await start();
    expect(lines[0]).toEqual({ listening: server.address });
    await expect(resolver.resolve4(NAME)).rejects.toMatchObject({ code: 'ENOTFOUND' });

    input.write(`${JSON.stringify({ id: 1, name: NAME, address: '198.18.5.101', ttlSec: 5 })}\n`);
    expect(await next((l) => 'applied' in l && l.applied.id === 1)).toEqual({ applied: { id: 1, name: NAME, address: '198.18.5.101', ttlSec: 5 } });
    expect(await resolver.resolve4(NAME, { ttl: true })).toEqual([{ address: '198.18.5.101', ttl: 5 }]);

    input.write(`${JSON.stringify({ id: 2, name: NAME, address: '198.18.5.102', ttlSec: 5 })}\n`);
    await next((l) => 'applied' in l && l.applied.id === 2);
    expect(await resolver.resolve4(NAME, { ttl: true })).toEqual([{ address: '198.18.5.102', ttl: 5 }]);
    const tcp = await queryTcp(server.port, NAME);
    expect(tcp.answers).toEqual([expect.objectContaining({ type: 'A', name: NAME, ttl: 5, data: '198.18.5.102' })]);

    // every query answered is reported, with who asked and what it got
    const queries = lines.flatMap((l) => ('query' in l ? [l.query] : []));
    expect(queries.map((q) => [q.transport, q.client, q.rcode, q.addresses.join(',')])).toEqual([
      ['udp', '127.0.0.1', 'NXDOMAIN', ''],
      ['udp', '127.0.0.1', 'NOERROR', '198.18.5.101'],
      ['udp', '127.0.0.1', 'NOERROR', '198.18.5.102'],
      ['tcp', '127.0.0.1', 'NOERROR', '198.18.5.102'],
    ]);
    await expect(resolver.resolve4('writer.other.example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('refuses a change it cannot serve, saying why, and keeps answering the record it had', async () => {
    const { input, next, resolver } = await start();
    input.write(`${JSON.stringify({ id: 1, name: NAME, address: '198.18.5.101', ttlSec: 5 })}\n`);
    await next((l) => 'applied' in l);
    input.write(`${JSON.stringify({ id: 2, name: NAME, address: '198.18.5.102', ttlSec: 0.5 })}\n`);
    expect(await next((l) => 'refused' in l)).toMatchObject({ refused: expect.stringMatching(/^ttlSec: expected whole seconds/) });
    input.write(`${JSON.stringify({ id: 3, name: 'writer.example.com', address: '198.18.5.102', ttlSec: 5 })}\n`);
    expect(await next((l) => 'refused' in l && l.refused.includes('zone'))).toMatchObject({ refused: `writer.example.com is not in the zone ${ZONE}` });
    expect(await resolver.resolve4(NAME)).toEqual(['198.18.5.101']);
  });

  it('parses change lines strictly', () => {
    expect(parseRecordChange('{"id":1,"name":"a.b","address":"10.0.0.1","ttlSec":0}')).toEqual({ id: 1, name: 'a.b', address: '10.0.0.1', ttlSec: 0 });
    expect(parseRecordChange('nope')).toEqual({ error: 'not JSON' });
    expect(parseRecordChange('{"id":1,"name":"a.b","address":"10.0.0.256","ttlSec":1}')).toEqual({ error: 'address: expected an IPv4 address' });
    expect(parseRecordChange('{"id":1,"name":"a.b","address":"10.0.0.1","ttlSec":-1}')).toMatchObject({ error: expect.stringMatching(/^ttlSec/) });
  });
});
