import { connect } from 'node:net';
import { Resolver } from 'node:dns/promises';
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsQueryLog, type DnsServer, type RecordSource } from './dns-server.js';
import type { FailoverRecordSet } from './failover-records.js';
import { queryA } from './stub-query.js';

const PRIMARY: FailoverRecordSet = { name: 'app.example.com', setIdentifier: 'p', failover: 'PRIMARY', ttlSec: 42, addresses: ['10.0.0.1'], healthCheckId: 'hc-p' };
const SECONDARY: FailoverRecordSet = { name: 'app.example.com', setIdentifier: 's', failover: 'SECONDARY', ttlSec: 42, addresses: ['10.0.0.2'] };

let server: DnsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function source(health: Record<string, boolean>, recordSets = [PRIMARY, SECONDARY]): RecordSource {
  return { zones: () => ['example.com.'], recordSets: (name) => recordSets.filter((s) => s.name === name), health: (id) => health[id] };
}

/** One query over TCP: the message framed by its two-byte length (RFC 1035 §4.2.2). */
function queryTcp(port: number, name: string): Promise<dnsPacket.Packet & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }));
    });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(dnsPacket.streamDecode(received) as dnsPacket.Packet & { rcode?: string });
      }
    });
    socket.on('error', reject);
  });
}

describe('startDnsServer', () => {
  it('answers a CNAME member with its canonical name and the record TTL, for A queries too (RFC 1034 §3.6.2), and follows the failover', async () => {
    const lbName = 'alb-web-1.us-east-1.elb.amazonaws.com';
    const primary: FailoverRecordSet = { ...PRIMARY, addresses: [], cname: lbName };
    const secondary: FailoverRecordSet = { ...SECONDARY, addresses: [], cname: 'ip-10-0-0-2.ec2.internal' };
    const health: Record<string, boolean> = { 'hc-p': true };
    const queries: DnsQueryLog[] = [];
    server = await startDnsServer({ source: source(health, [primary, secondary]), onQuery: (q) => queries.push(q) });
    expect(await queryA(server.address, 'app.example.com', { timeoutMs: 1_000 })).toEqual({ addresses: [], cnames: [lbName], ttlSec: PRIMARY.ttlSec });
    health['hc-p'] = false;
    expect(await queryA(server.address, 'app.example.com', { timeoutMs: 1_000 })).toEqual({ addresses: [], cnames: ['ip-10-0-0-2.ec2.internal'], ttlSec: SECONDARY.ttlSec });
    expect(queries.map((q) => [q.cname, q.member])).toEqual([
      [lbName, 'PRIMARY'],
      ['ip-10-0-0-2.ec2.internal', 'SECONDARY'],
    ]);
  });

  it('gives a stub query the codes Node’s resolver gives: ENOTFOUND outside the records, EREFUSED outside the zones, ETIMEOUT with no server', async () => {
    server = await startDnsServer({ source: source({}) });
    await expect(queryA(server.address, 'nope.example.com', { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(queryA(server.address, 'app.example.org', { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'EREFUSED' });
    const closed = server.address;
    await server.close();
    server = undefined;
    await expect(queryA(closed, 'app.example.com', { timeoutMs: 300 })).rejects.toMatchObject({ code: expect.stringMatching(/^(ETIMEOUT|ECONNREFUSED)$/) });
  });

  it('answers A over UDP with the member Route 53 would choose and the record TTL, authoritatively', async () => {
    const health = { 'hc-p': true };
    const queries: DnsQueryLog[] = [];
    server = await startDnsServer({ source: source(health), onQuery: (q) => queries.push(q) });
    const resolver = new Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([server.address]);
    expect(await resolver.resolve4('app.example.com', { ttl: true })).toEqual([{ address: PRIMARY.addresses[0], ttl: PRIMARY.ttlSec }]);
    health['hc-p'] = false;
    expect(await resolver.resolve4('App.Example.com', { ttl: true })).toEqual([{ address: SECONDARY.addresses[0], ttl: SECONDARY.ttlSec }]);
    expect(queries.map((q) => [q.transport, q.rcode, q.member])).toEqual([
      ['udp', 'NOERROR', 'PRIMARY'],
      ['udp', 'NOERROR', 'SECONDARY'],
    ]);
  });

  it('answers over TCP on the same port, with the query id, RD echoed and AA set', async () => {
    server = await startDnsServer({ source: source({}) });
    const response = await queryTcp(server.port, 'app.example.com');
    expect(response.id).toBe(7);
    expect(response.flags! & dnsPacket.AUTHORITATIVE_ANSWER).toBeTruthy();
    expect(response.flags! & dnsPacket.RECURSION_DESIRED).toBeTruthy();
    expect(response.answers).toEqual([expect.objectContaining({ type: 'A', name: 'app.example.com', ttl: PRIMARY.ttlSec, data: PRIMARY.addresses[0] })]);
  });

  it('says NXDOMAIN for an unknown name in the zone, REFUSED outside it, no data for another type', async () => {
    server = await startDnsServer({ source: source({}) });
    const resolver = new Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([server.address]);
    await expect(resolver.resolve4('nope.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve4('app.example.org')).rejects.toMatchObject({ code: 'EREFUSED' });
    await expect(resolver.resolve6('app.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('answers SERVFAIL and reports the error when its source throws', async () => {
    const errors: Error[] = [];
    server = await startDnsServer({
      source: { zones: () => ['example.com'], recordSets: () => Promise.reject(new Error('ListResourceRecordSets failed')), health: () => undefined },
      onError: (err) => errors.push(err),
    });
    const resolver = new Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([server.address]);
    await expect(resolver.resolve4('app.example.com')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(errors.map((e) => e.message)).toEqual(['ListResourceRecordSets failed']);
  });

  it('stops answering once closed', async () => {
    server = await startDnsServer({ source: source({}) });
    const { port } = server;
    await server.close();
    await expect(queryTcp(port, 'app.example.com')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
