import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, StringAnswer } from 'dns-packet';

/** An A query's answer as a stub resolver reads it: the canonical-name chain and the addresses, with the smallest TTL of the records used. */
export interface StubAnswer {
  addresses: string[];
  /** CNAME targets in the order the answer follows them (normalized: lower case, no trailing dot). */
  cnames: string[];
  ttlSec: number;
}

/** A lookup that failed, with the code Node's resolver gives the same failure (`ENOTFOUND`, `EREFUSED`, `ESERVFAIL`, `ENODATA`, `ETIMEOUT`, `ECANCELLED`, `EBADRESP`). */
export class StubQueryError extends Error {
  override readonly name = 'StubQueryError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 1035 §4.1.1 response codes (the low four bits of the flags) → the codes Node's `dns` module uses for them. */
const RCODE_ERRORS: Record<number, string> = { 1: 'EFORMERR', 2: 'ESERVFAIL', 3: 'ENOTFOUND', 4: 'ENOTIMP', 5: 'EREFUSED' };

const isRecord = (type: 'A' | 'CNAME') => (r: Answer): r is StringAnswer => r.type === type;

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Follows the CNAME chain of `name` through `answer` (RFC 1034 §3.6.2, §5.3.3): the A records of the
 * last name reached. Throws `ENODATA` when the answer ends in a name without addresses (a CNAME to a
 * name outside the server's zones is answered with the CNAME alone; the caller decides what it names).
 */
export function readAnswer(name: string, answer: DecodedPacket): StubAnswer {
  const rcode = (answer.flags ?? 0) & 0x0f;
  if (rcode !== 0) throw new StubQueryError(RCODE_ERRORS[rcode] ?? 'EBADRESP', `${RCODE_ERRORS[rcode] ?? `rcode ${rcode}`} ${name}`);
  const records = answer.answers ?? [];
  const cnameRecords = records.filter(isRecord('CNAME'));
  const cnames: string[] = [];
  const ttls: number[] = [];
  let current = normalize(name);
  for (let hop = 0; hop <= records.length; hop++) {
    const cname = cnameRecords.find((r) => normalize(r.name) === current);
    if (!cname) break;
    current = normalize(String(cname.data));
    cnames.push(current);
    ttls.push(cname.ttl ?? 0);
  }
  const a = records.filter(isRecord('A')).filter((r) => normalize(r.name) === current);
  ttls.push(...a.map((r) => r.ttl ?? 0));
  if (a.length === 0 && cnames.length === 0) throw new StubQueryError('ENODATA', `ENODATA ${name}`);
  return { addresses: a.map((r) => String(r.data)), cnames, ttlSec: ttls.length > 0 ? Math.min(...ttls) : 0 };
}

/**
 * One A query for `name` over UDP to `server` (`host:port`), as a stub resolver sends it (RD set), read
 * by {@link readAnswer}. Rejects with a {@link StubQueryError}: the server's rcode, `ETIMEOUT` after
 * `timeoutMs`, `ECANCELLED` when `signal` aborts. The socket lives no longer than the query.
 */
export function queryA(server: string, name: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<StubAnswer> {
  const colon = server.lastIndexOf(':');
  const host = server.slice(0, colon);
  const port = Number(server.slice(colon + 1));
  const id = randomInt(0x10000);
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.close();
      outcome();
    };
    const onAbort = () => finish(() => reject(new StubQueryError('ECANCELLED', `ECANCELLED ${name}`)));
    const timer = setTimeout(() => finish(() => reject(new StubQueryError('ETIMEOUT', `ETIMEOUT ${name}`))), options.timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => finish(() => reject(new StubQueryError('ECONNREFUSED', `${err.message} (${name})`))));
    socket.on('message', (message: Buffer) => {
      let packet: DecodedPacket;
      try {
        packet = dnsPacket.decode(message);
      } catch {
        return;
      }
      if (packet.id !== id) return;
      finish(() => {
        try {
          resolve(readAnswer(name, packet));
        } catch (err) {
          reject(err);
        }
      });
    });
    const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] });
    socket.send(query, port, host);
  });
}
