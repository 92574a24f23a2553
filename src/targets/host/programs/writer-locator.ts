import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';

/** How an app's writer finds the database writer, as its write configuration says (one kind per endpoint mode). */
export type WriterLocatorSpec =
  /** A file naming the writer as `host:port`, read before every write: the controller's pointer, or a fixed VIP. */
  | { kind: 'file'; file: string }
  /** A DNS name whose A record is the writer, asked of `server` (`ip:port`) and connected to on `port`. */
  | { kind: 'dns'; name: string; server: string; port: number }
  /**
   * One address that stays (`host:port`: the database VIP); which member answered is read back from
   * each write (`faildrill.member_address`), since the address alone does not say.
   */
  | { kind: 'fixed'; address: string };

/** Finds the database writer's `host:port` before a write. */
export interface WriterLocator {
  /** The writer's `host:port` now; throws when it cannot be found (the write fails with the reason). */
  locate(): Promise<string>;
}

/** The writer could not be found: the write fails with this message as its reason. */
export class LocateError extends Error {
  override readonly name = 'LocateError';
  readonly code = 'ELOCATE';
}

/** Reads the pointer file before every write: a rename over it is seen by the next write. */
export function fileLocator(file: string): WriterLocator {
  return { locate: async () => readFileSync(file, 'utf8').trim() };
}

export interface DnsLocatorOptions {
  /** How long one lookup may take (one try, c-ares' timeout). */
  timeoutMs: number;
  /** Monotonic milliseconds (tests may not need another clock; the default is hrtime). */
  nowMs?: () => number;
}

/**
 * Resolves `spec.name` through the run's DNS server (`Resolver.setServers`, `resolve4` with its TTL)
 * and keeps the answer for its TTL, counted from when it arrived, as a TTL-honouring client does:
 * every write within the TTL goes to the cached address, the first after it asks again (writes
 * that need it meanwhile share that one lookup). TTL 0: every write asks. A failed lookup fails the
 * write with its reason ({@link LocateError}: the resolver's code, the name, the server) and leaves
 * nothing cached: no stale answer is served.
 */
export function dnsLocator(spec: Extract<WriterLocatorSpec, { kind: 'dns' }>, options: DnsLocatorOptions): WriterLocator {
  const nowMs = options.nowMs ?? (() => Number(process.hrtime.bigint()) / 1e6);
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
  resolver.setServers([spec.server]);
  let cached: { address: string; expiresAtMs: number } | undefined;
  let lookup: Promise<string> | undefined;
  const resolve = async (): Promise<string> => {
    try {
      const [first] = await resolver.resolve4(spec.name, { ttl: true });
      if (!first) throw Object.assign(new Error('no A record'), { code: 'ENODATA' });
      const address = `${first.address}:${spec.port}`;
      cached = { address, expiresAtMs: nowMs() + first.ttl * 1000 };
      return address;
    } catch (err) {
      cached = undefined;
      const code = (err as { code?: string }).code ?? (err as Error).message;
      throw new LocateError(`dns ${code} ${spec.name} via ${spec.server}`);
    } finally {
      lookup = undefined;
    }
  };
  return {
    locate: () => {
      if (cached && nowMs() < cached.expiresAtMs) return Promise.resolve(cached.address);
      return (lookup ??= resolve());
    },
  };
}

/** The locator a write configuration names; `timeoutMs` bounds a lookup (the write's own deadline). */
export function writerLocator(spec: WriterLocatorSpec, timeoutMs: number): WriterLocator {
  switch (spec.kind) {
    case 'file':
      return fileLocator(spec.file);
    case 'dns':
      return dnsLocator(spec, { timeoutMs });
    case 'fixed':
      return { locate: async () => spec.address };
  }
}
