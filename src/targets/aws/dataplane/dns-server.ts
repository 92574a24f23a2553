import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { chooseFailoverMember, normalizeName, type FailoverRecordSet, type HealthOf } from './failover-records.js';

/**
 * What the DNS server answers from: the hosted zones, their failover record sets (Route 53's,
 * polled by the session) and the health of the checks they name (faildrill's Route 53 checker on
 * emulators). Methods may answer synchronously from a snapshot or return a promise.
 */
export interface RecordSource {
  /** Apex names of the hosted zones served: a name under one of them with no record is NXDOMAIN, any other name REFUSED. */
  zones(): readonly string[] | Promise<readonly string[]>;
  /** The failover A or CNAME record sets named `name` (normalized: lower case, no trailing dot). */
  recordSets(name: string): readonly FailoverRecordSet[] | Promise<readonly FailoverRecordSet[]>;
  health: HealthOf;
}

/** Response codes (RFC 1035 §4.1.1, RFC 6895). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** One query the server answered, for the session's event log and for tests. */
export interface DnsQueryLog {
  transport: 'udp' | 'tcp';
  name: string;
  type: string;
  rcode: Rcode;
  addresses: string[];
  /** The canonical name answered with, when the member is a CNAME. */
  cname?: string;
  ttlSec?: number;
  /** The failover member answered with (`PRIMARY`/`SECONDARY`). */
  member?: FailoverRecordSet['failover'];
}

export interface DnsServerOptions {
  source: RecordSource;
  /** Loopback only: 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (default): a free port, the same for UDP and TCP. */
  port?: number;
  onQuery?: (query: DnsQueryLog) => void;
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

function inZone(name: string, zones: readonly string[]): boolean {
  return zones.some((zone) => {
    const apex = normalizeName(zone);
    return name === apex || name.endsWith(`.${apex}`);
  });
}

async function answer(query: DecodedPacket, source: RecordSource): Promise<{ packet: Packet; log: Omit<DnsQueryLog, 'transport'> }> {
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
  const name = normalizeName(question.name);
  const base = { name, type: question.type };
  if (!inZone(name, await source.zones())) return { packet: reply('REFUSED'), log: { ...base, rcode: 'REFUSED', addresses: [] } };
  const sets = await source.recordSets(name);
  if (sets.length === 0) return { packet: reply('NXDOMAIN'), log: { ...base, rcode: 'NXDOMAIN', addresses: [] } };
  const member = chooseFailoverMember(sets, source.health);
  const asked = question.type as string;
  // RFC 1034 §3.6.2: a CNAME answers a query of any type for its name (the resolver then follows it); an A record answers A and ANY
  const answered = member && (member.cname !== undefined ? true : asked === 'A' || asked === 'ANY');
  if (!member || !answered) return { packet: reply('NOERROR'), log: { ...base, rcode: 'NOERROR', addresses: [] } };
  const answers: Answer[] =
    member.cname !== undefined
      ? [{ type: 'CNAME', class: 'IN', name: question.name, ttl: member.ttlSec, data: member.cname }]
      : member.addresses.map((address) => ({ type: 'A', class: 'IN', name: question.name, ttl: member.ttlSec, data: address }));
  return {
    packet: reply('NOERROR', answers),
    log: { ...base, rcode: 'NOERROR', addresses: member.addresses, ...(member.cname !== undefined ? { cname: member.cname } : {}), ttlSec: member.ttlSec, member: member.failover },
  };
}

function failure(query: DecodedPacket): Packet {
  return { type: 'response', id: query.id ?? 0, flags: dnsPacket.AUTHORITATIVE_ANSWER | RCODE.SERVFAIL, questions: query.questions ?? [] };
}

/**
 * An authoritative DNS server on loopback (UDP and TCP on one port) for the Route 53 failover
 * records: a query for a record name gets the member Route 53 would answer with
 * ({@link chooseFailoverMember}) and the record's TTL — its A records, or its CNAME (a load balancer's
 * DNS name), which this server does not chase: the name lies outside the zone it serves. Packets are encoded and decoded by
 * `dns-packet`.
 */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const respond = async (message: Buffer, transport: DnsQueryLog['transport']): Promise<Packet | undefined> => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    try {
      const { packet, log } = await answer(query, options.source);
      options.onQuery?.({ transport, ...log });
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
      void respond(message, 'udp').then((out) => {
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
function listenTcp(host: string, port: number, respond: (message: Buffer, transport: 'tcp') => Promise<Packet | undefined>): Promise<Server & { connections: Set<Socket> }> {
  const connections = new Set<Socket>();
  const tcp = createServer((socket) => {
    connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        void respond(message, 'tcp').then((out) => {
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
