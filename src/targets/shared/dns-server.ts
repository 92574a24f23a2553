import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';

/** What one name answers with: its A records, or its CNAME, and the TTL clients may cache it for. */
export interface DnsRecord {
  /** IPv4 addresses an A record answers with (none for a CNAME). */
  addresses: readonly string[];
  /** The canonical name a CNAME record answers with. */
  cname?: string;
  /** Whole seconds (RFC 2181 §8: an unsigned 32-bit number of seconds). */
  ttlSec: number;
  /** What the source calls the record it chose (a Route 53 failover member), for the query log. */
  label?: string;
}

/**
 * What the DNS server answers from. Methods may answer synchronously or return a promise; one that
 * throws (or rejects) gets the query SERVFAIL.
 */
export interface DnsSource {
  /** Apex names of the zones served: a name under one of them with no record is NXDOMAIN, any other name REFUSED. */
  zones(): readonly string[] | Promise<readonly string[]>;
  /**
   * The record `name` (normalized: lower case, no trailing dot) answers with now: undefined when the
   * zone has no such name (NXDOMAIN), null when the name exists but has nothing to answer (NOERROR, no data).
   */
  record(name: string): DnsRecord | null | undefined | Promise<DnsRecord | null | undefined>;
}

/** Response codes (RFC 1035 §4.1.1, RFC 6895). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** One query the server answered. */
export interface DnsQuery {
  transport: 'udp' | 'tcp';
  /** The address the query came from. */
  client: string;
  name: string;
  type: string;
  rcode: Rcode;
  addresses: string[];
  /** The canonical name answered with, when the record is a CNAME. */
  cname?: string;
  ttlSec?: number;
  /** The record's {@link DnsRecord.label}. */
  label?: string;
}

export interface DnsServerOptions {
  source: DnsSource;
  /** The address to listen on: 127.0.0.1 unless told otherwise (the host target: the controller's namespace's address). */
  host?: string;
  /** 0 (default): a free port, the same for UDP and TCP. */
  port?: number;
  onQuery?: (query: DnsQuery) => void;
  /** A source that throws: the query gets SERVFAIL and the error lands here. */
  onError?: (err: Error) => void;
}

/** A running DNS server. */
export interface DnsServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as `Resolver.setServers` takes it. */
  readonly address: string;
  close(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;
const PORT_ATTEMPTS = 5;

/** A DNS name as the server compares names: lower case, no trailing dot (RFC 4343: names compare case-insensitively). */
export function normalizeDnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function inZone(name: string, zones: readonly string[]): boolean {
  return zones.some((zone) => {
    const apex = normalizeDnsName(zone);
    return name === apex || name.endsWith(`.${apex}`);
  });
}

type Answered = Omit<DnsQuery, 'transport' | 'client'>;

async function answer(query: DecodedPacket, source: DnsSource): Promise<{ packet: Packet; log: Answered }> {
  const question = query.questions?.[0];
  const recursionDesired = query.flags !== undefined ? query.flags & dnsPacket.RECURSION_DESIRED : 0;
  const reply = (rcode: Rcode, answers: Answer[] = []): Packet => ({
    type: 'response',
    id: query.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | recursionDesired | RCODE[rcode],
    questions: query.questions ?? [],
    answers,
  });
  if (!question || query.type !== 'query') {
    return { packet: reply('FORMERR'), log: { name: '', type: '', rcode: 'FORMERR', addresses: [] } };
  }
  const name = normalizeDnsName(question.name);
  const base = { name, type: question.type };
  if (!inZone(name, await source.zones())) return { packet: reply('REFUSED'), log: { ...base, rcode: 'REFUSED', addresses: [] } };
  const record = await source.record(name);
  if (record === undefined) return { packet: reply('NXDOMAIN'), log: { ...base, rcode: 'NXDOMAIN', addresses: [] } };
  const asked = question.type as string;
  // RFC 1034 §3.6.2: a CNAME answers a query of any type for its name (the resolver then follows it); an A record answers A and ANY
  const answered = record !== null && (record.cname !== undefined ? true : asked === 'A' || asked === 'ANY');
  if (!record || !answered) return { packet: reply('NOERROR'), log: { ...base, rcode: 'NOERROR', addresses: [] } };
  const answers: Answer[] =
    record.cname !== undefined
      ? [{ type: 'CNAME', class: 'IN', name: question.name, ttl: record.ttlSec, data: record.cname }]
      : record.addresses.map((address) => ({ type: 'A', class: 'IN', name: question.name, ttl: record.ttlSec, data: address }));
  return {
    packet: reply('NOERROR', answers),
    log: {
      ...base,
      rcode: 'NOERROR',
      addresses: [...record.addresses],
      ...(record.cname !== undefined ? { cname: record.cname } : {}),
      ttlSec: record.ttlSec,
      ...(record.label !== undefined ? { label: record.label } : {}),
    },
  };
}

function failure(query: DecodedPacket): Packet {
  return { type: 'response', id: query.id ?? 0, flags: dnsPacket.AUTHORITATIVE_ANSWER | RCODE.SERVFAIL, questions: query.questions ?? [] };
}

type Respond = (message: Buffer, transport: DnsQuery['transport'], client: string) => Promise<Packet | undefined>;

/**
 * An authoritative DNS server (UDP and TCP on one port) for the zones of its {@link DnsSource}: a
 * query for a name gets the source's record with its TTL — its A records, or its CNAME, which this
 * server does not chase. Packets are encoded and decoded by `dns-packet`. The aws target serves
 * Route 53's failover records with it (aws/dataplane/dns-server.ts), the host target the database
 * writer's name (host/programs/dns-server.ts).
 */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const respond: Respond = async (message, transport, client) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    try {
      const { packet, log } = await answer(query, options.source);
      options.onQuery?.({ transport, client, ...log });
      return packet;
    } catch (err) {
      options.onError?.(err instanceof Error ? err : new Error(String(err)));
      return failure(query);
    }
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : PORT_ATTEMPTS); attempt++) {
    const udp = createSocket('udp4');
    udp.on('message', (message: Buffer, from: RemoteInfo) => {
      void respond(message, 'udp', from.address).then((out) => {
        if (out) udp.send(dnsPacket.encode(out), from.port, from.address);
      });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(options.port ?? 0, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => options.onError?.(err));
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(host, port, respond);
      return server(host, port, udp, tcp);
    } catch (err) {
      lastError = err;
      udp.close();
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`no free port for the DNS server on ${host}`);
}

/** DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message preceded by its two-byte length. */
function listenTcp(host: string, port: number, respond: Respond): Promise<Server & { connections: Set<Socket> }> {
  const connections = new Set<Socket>();
  const tcp = createServer((socket) => {
    connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    const client = socket.remoteAddress ?? '';
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        void respond(message, 'tcp', client).then((out) => {
          if (!out) return void socket.destroy();
          if (!socket.destroyed) socket.write(dnsPacket.streamEncode(out));
        });
      }
    });
  });
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve(Object.assign(tcp, { connections }));
    });
  });
}

function server(host: string, port: number, udp: UdpSocket, tcp: Server & { connections: Set<Socket> }): DnsServer {
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    address: `${host}:${port}`,
    close: () =>
      (closing ??= Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => {
          tcp.close(() => resolve());
          for (const socket of tcp.connections) socket.destroy();
        }),
      ]).then(() => undefined)),
  };
}
