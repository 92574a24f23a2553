import type { Clock, Rng } from '../../../controller/ports.js';
import { normalizeName } from './failover-records.js';
import { queryA } from './stub-query.js';

/** An answer as one client holds it. */
export interface ClientAnswer {
  addresses: string[];
  /** The CNAME chain the answer followed (a failover record whose member is a load balancer answers with its DNS name). */
  cnames: string[];
  /** The TTL the server gave, in seconds. */
  ttlSec: number;
  /** Run time at which the client resolved it. */
  resolvedAtMs: number;
  /** Whether this call was answered from the client's cache. */
  fromCache: boolean;
}

export interface DnsClientsOptions {
  /** The DNS server, `host:port` (faildrill's DNS server on loopback). */
  server: string;
  clients: number;
  /** Share of clients that honour the TTL (`load.honourTtl`); the rest keep their first answer for the run. */
  honourTtlShare: number;
  /** Decides which clients ignore the TTL; fork it from the run's Rng. */
  rng: Rng;
  clock: Clock;
  /** One query's timeout. */
  timeoutMs?: number;
}

interface CacheEntry {
  addresses: string[];
  cnames: string[];
  ttlSec: number;
  resolvedAtMs: number;
  expiresAtMs: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Which of `clients` honour the TTL: `round(share × clients)` of them, picked by a seeded
 * Fisher–Yates shuffle — the simulator's rule (`src/simulator/load.ts`), so the same share of a
 * population keeps stale answers on every target.
 */
export function ttlHonouring(clients: number, honourTtlShare: number, rng: Rng): boolean[] {
  if (!Number.isInteger(clients) || clients < 0) throw new RangeError(`clients must be a whole number ≥ 0, got ${clients}`);
  if (!(honourTtlShare >= 0 && honourTtlShare <= 1)) throw new RangeError(`honourTtlShare must be within [0, 1], got ${honourTtlShare}`);
  const order = [...Array(clients).keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const honouring = Math.round(honourTtlShare * clients);
  return order.map((position) => position < honouring);
}

/**
 * The DNS side of a client population: each client resolves names through one DNS server and
 * caches each answer for its TTL, as a stub resolver with a cache does; a client that ignores the
 * TTL keeps its first answer for the whole run (a sticky cache). Failed lookups are not cached.
 */
export class DnsClients {
  readonly #cancel = new AbortController();
  readonly #honours: boolean[];
  readonly #caches: Map<string, CacheEntry>[];
  readonly #inFlight: Map<string, Promise<ClientAnswer>>[];

  constructor(private readonly options: DnsClientsOptions) {
    this.#honours = ttlHonouring(options.clients, options.honourTtlShare, options.rng);
    this.#caches = this.#honours.map(() => new Map());
    this.#inFlight = this.#honours.map(() => new Map());
  }

  get clients(): number {
    return this.#honours.length;
  }

  /** Whether `client` re-resolves once the TTL has run out. */
  honoursTtl(client: number): boolean {
    return this.#client(client);
  }

  /** Resolves `name` for `client`: from its cache while the answer is fresh, else through the server. Rejects with the code Node's resolver would give (`ENOTFOUND`, `EREFUSED`, `ETIMEOUT`, …). */
  resolve(client: number, name: string): Promise<ClientAnswer> {
    const honours = this.#client(client);
    const key = normalizeName(name);
    const cached = this.#caches[client]!.get(key);
    const nowMs = this.options.clock.nowMs();
    if (cached && nowMs < cached.expiresAtMs) {
      return Promise.resolve({ addresses: cached.addresses, cnames: cached.cnames, ttlSec: cached.ttlSec, resolvedAtMs: cached.resolvedAtMs, fromCache: true });
    }
    const inFlight = this.#inFlight[client]!;
    const pending = inFlight.get(key);
    if (pending) return pending;
    const lookup = this.#lookup(key).finally(() => inFlight.delete(key));
    lookup.then((answer) => {
      this.#caches[client]!.set(key, { ...answer, expiresAtMs: honours ? answer.resolvedAtMs + answer.ttlSec * 1000 : Infinity });
    }, () => undefined);
    inFlight.set(key, lookup);
    return lookup;
  }

  /** Forgets every cached answer (a fresh population). */
  clear(): void {
    for (const cache of this.#caches) cache.clear();
  }

  /** Cancels queries in flight (they reject with `ECANCELLED`). */
  close(): void {
    this.#cancel.abort();
  }

  async #lookup(name: string): Promise<ClientAnswer> {
    const answer = await queryA(this.options.server, name, { timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: this.#cancel.signal });
    return { ...answer, resolvedAtMs: this.options.clock.nowMs(), fromCache: false };
  }

  #client(client: number): boolean {
    const honours = this.#honours[client];
    if (honours === undefined) throw new RangeError(`client ${client} is not one of the ${this.#honours.length} clients`);
    return honours;
  }
}
