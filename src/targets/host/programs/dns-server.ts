import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { normalizeDnsName, startDnsServer, type DnsQuery, type DnsRecord, type DnsServer, type DnsSource } from '../../shared/dns-server.js';
import { boundLifetime, exitWithParent, isMain, numberArg } from './guard.js';

/** The largest TTL a record may carry: RFC 2181 §8, a 32-bit number of seconds with the top bit clear. */
export const MAX_TTL_SEC = 2 ** 31 - 1;

/** One A record to set (or replace): a line of JSON on the server's stdin. */
export interface RecordChange {
  /** Echoed in the answer line, so the run knows which change was applied. */
  id: number;
  name: string;
  address: string;
  ttlSec: number;
}

/** A line of the server's stdout. */
export type DnsServerLine =
  /** Ready: UDP and TCP listening on `host:port`. */
  | { listening: string }
  /** A change was applied: every query from now on is answered with it. */
  | { applied: RecordChange }
  /** A change line that could not be applied, and why. */
  | { refused: string; line: string }
  /** One query answered. */
  | { query: DnsQuery };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses a change line, or says what is wrong with it. */
export function parseRecordChange(line: string): RecordChange | { error: string } {
  let value: Partial<RecordChange>;
  try {
    value = JSON.parse(line) as Partial<RecordChange>;
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof value.id !== 'number') return { error: 'id: expected a number' };
  if (typeof value.name !== 'string' || value.name === '') return { error: 'name: expected a DNS name' };
  if (typeof value.address !== 'string' || !IPV4.test(value.address)) return { error: 'address: expected an IPv4 address' };
  if (typeof value.ttlSec !== 'number' || !Number.isInteger(value.ttlSec) || value.ttlSec < 0 || value.ttlSec > MAX_TTL_SEC)
    return { error: `ttlSec: expected whole seconds from 0 to ${MAX_TTL_SEC} (RFC 2181 §8)` };
  return { id: value.id, name: value.name, address: value.address, ttlSec: value.ttlSec };
}

/** The A records of one zone, changed one name at a time: what the server answers from. */
export class ARecords implements DnsSource {
  readonly #records = new Map<string, DnsRecord>();

  constructor(readonly zone: string) {}

  zones(): readonly string[] {
    return [this.zone];
  }

  record(name: string): DnsRecord | undefined {
    return this.#records.get(normalizeDnsName(name));
  }

  /** Sets `name` (under the zone) to one A record; throws for a name outside the zone. */
  set(change: Omit<RecordChange, 'id'>): void {
    const name = normalizeDnsName(change.name);
    const apex = normalizeDnsName(this.zone);
    if (name !== apex && !name.endsWith(`.${apex}`)) throw new Error(`${change.name} is not in the zone ${this.zone}`);
    this.#records.set(name, { addresses: [change.address], ttlSec: change.ttlSec });
  }
}

export interface RecordServerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  zone: string;
  /** Change lines ({@link RecordChange}). */
  input: Readable;
  /** Answer lines ({@link DnsServerLine}). */
  output: Writable;
}

/**
 * An authoritative DNS server (UDP and TCP, the shared `dns-packet` server) for one zone whose A
 * records the run changes through `input`: each applied change and each query answered is a line on
 * `output`. Resolves with the server once it listens; `done` resolves when `input` ends.
 */
export async function serveRecords(options: RecordServerOptions): Promise<{ server: DnsServer; done: Promise<void> }> {
  const records = new ARecords(options.zone);
  const say = (line: DnsServerLine) => options.output.write(`${JSON.stringify(line)}\n`);
  const server = await startDnsServer({
    source: records,
    host: options.host,
    port: options.port,
    onQuery: (query) => say({ query }),
    onError: (err) => say({ refused: err.message, line: '' }),
  });
  const done = new Promise<void>((resolve) => {
    const lines = createInterface({ input: options.input });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      const change = parseRecordChange(line);
      if ('error' in change) return say({ refused: change.error, line });
      try {
        records.set(change);
        say({ applied: change });
      } catch (err) {
        say({ refused: (err as Error).message, line });
      }
    });
    lines.on('close', () => resolve());
  });
  say({ listening: server.address });
  return { server, done };
}

/** Parses an output line of the server; undefined for anything else. */
export function parseDnsServerLine(line: string): DnsServerLine | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null) return undefined;
    if (typeof value.listening === 'string' || 'applied' in value || 'refused' in value || 'query' in value) return value as DnsServerLine;
    return undefined;
  } catch {
    return undefined;
  }
}

/** argv: host port lifetimeMs zone. Ends with stdin, its parent or its lifetime. */
async function main(argv: string[]): Promise<void> {
  const [host, port, lifetimeMs, zone] = argv;
  if (!host || !zone) throw new Error('usage: dns-server <host> <port> <lifetimeMs> <zone>');
  exitWithParent();
  boundLifetime(numberArg(lifetimeMs, 'lifetimeMs'));
  const { server, done } = await serveRecords({ host, port: numberArg(port, 'port'), zone, input: process.stdin, output: process.stdout });
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await done;
  stop();
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`dns-server: ${err.message}`);
    process.exit(1);
  });
