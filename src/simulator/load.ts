import type { Rng } from '../controller/ports.js';
import type { SampleRecorder } from '../measure/samples.js';
import type { Response } from './server.js';

interface Client {
  phaseMs: number;
  /** How old the client's cached answer already is at the start of the run: caches do not expire in lockstep. */
  initialCacheAgeMs: number;
  honoursTtl: boolean;
  endpoint?: string;
  expiresAtMs: number;
  /** The keep-alive connection the client holds: to which endpoint, ended by which node (see {@link LoadPaths.connectionEnd}). */
  connection?: { endpoint: string; node: string };
}

/** Who ends connections to an endpoint during one flush, and what a client's connection meets there. */
interface ConnectionEnd {
  node: string | undefined;
  /** Requests answered in time: clients keep their connection. */
  keeps: boolean;
  /** How fast the node resets a connection it does not know; undefined when it answers nothing. */
  resetMs?: number;
}

export interface ClientLoadSpec {
  ratePerSec: number;
  clients: number;
  honourTtlShare: number;
  timeoutMs: number;
  /** TTL of the DNS answer clients cache; Infinity when clients do not resolve a name. */
  ttlMs: number;
}

/** What a request sent to an endpoint gets back: `answeredBy` names the server that answered when a load balancer passed it on (nginx's next upstream). */
export type PathResponse = Response & { answeredBy?: string };

/** The requests clients now send to one endpoint, counted as {@link ClientLoad.flush} counts them (for models that count requests: nginx's passive checks). */
export interface RequestSchedule {
  /** Requests that start in [fromMs, toMs). */
  count(fromMs: number, toMs: number): number;
  /** Start of the k-th request (k ≥ 1) at or after `fromMs`; Infinity when no client sends there. */
  nth(fromMs: number, k: number): number;
}

export interface LoadPaths {
  /** What DNS (or the fixed entry point) answers now. */
  resolve(): string;
  /** Servers that share the requests sent to `endpoint` now, in round-robin order (empty: 503). */
  backends(endpoint: string): readonly string[];
  /** A request to `serverId`, one of `endpoint`'s backends. */
  respond(serverId: string, endpoint: string): PathResponse;
  /** Share of requests to the server lost in the network (packet loss). */
  lossRatio(serverId: string): number;
  /**
   * The node that ends clients' TCP connections to `endpoint` now when that can change during the run:
   * a VIP's current node (the one clients' ARP entries name). Undefined for an endpoint whose
   * connections always end where they began (a server, a load balancer), or that no node takes:
   * no reset can happen there, so no connection is tracked. Without it, connections are not modelled.
   */
  connectionEnd?(endpoint: string): string | undefined;
  /** Whether the server's app closed its connections (its process ended): clients then reconnect without an error. */
  connectionsClosed?(serverId: string): boolean;
}

/**
 * Client load, counted rather than simulated request by request: each client sends at a fixed
 * period from its own seeded phase; between two routing changes every request on the same path
 * shares an outcome, so `flush` counts requests per client and per bucket, and spreads each
 * endpoint's count over its backends round-robin.
 *
 * Each client keeps one keep-alive connection (as HTTP/1.1 clients and the host's autocannon do).
 * When another node now ends connections to the same address (a VIP moved), the client's first
 * request over the old connection reaches a node that has no such connection and fails with a TCP
 * reset (RFC 9293 §3.10.7.1: a segment for no connection is answered by RST); the client reconnects
 * and the rest succeed. A client whose request got no answer or was refused gave its connection up,
 * and a node whose app ended closed its connections: those reconnect without an error.
 */
export class ClientLoad {
  readonly #clients: Client[];
  readonly #periodMs: number;
  readonly #roundRobin = new Map<string, number>();
  /** Fractional lost requests carried over between buckets, per server, so counts stay whole and exact. */
  readonly #lossCarry = new Map<string, number>();
  #flushedToMs = 0;

  constructor(
    private readonly spec: ClientLoadSpec,
    private readonly paths: LoadPaths,
    private readonly recorder: SampleRecorder,
    rng: Rng,
  ) {
    this.#periodMs = (spec.clients * 1000) / spec.ratePerSec;
    const honouring = Math.round(spec.honourTtlShare * spec.clients);
    const order = shuffle([...Array(spec.clients).keys()], rng);
    this.#clients = order.map((position) => ({
      phaseMs: rng.next() * this.#periodMs,
      initialCacheAgeMs: Number.isFinite(spec.ttlMs) ? rng.next() * spec.ttlMs : 0,
      honoursTtl: position < honouring,
      expiresAtMs: -Infinity,
    }));
  }

  /** Counts every request sent in [last flush, toMs) with the paths as they are now. */
  flush(toMs: number): void {
    const fromMs = this.#flushedToMs;
    if (toMs <= fromMs) return;
    this.#flushedToMs = toMs;
    const res = this.recorder.resolutionMs;
    const firstBucket = Math.floor(fromMs / res);
    const span = Math.max(0, Math.min(Math.ceil(toMs / res), this.recorder.bucketCount) - firstBucket);
    const pending = new Map<string, Int32Array>();
    const resets = new Map<string, { latencyMs: number; perBucket: Int32Array }>();
    const ends = new Map<string, ConnectionEnd>();
    const endOf = (endpoint: string) => {
      let end = ends.get(endpoint);
      if (!end) ends.set(endpoint, (end = this.#connectionEnd(endpoint)));
      return end;
    };
    const add = (endpoint: string, client: Client, aMs: number, bMs: number) => {
      if (this.#count(client, aMs, bMs) === 0) return;
      const end = endOf(endpoint);
      const held = client.connection;
      if (end.node !== undefined && end.resetMs !== undefined && held?.endpoint === endpoint && held.node !== end.node) {
        let reset = resets.get(end.node);
        if (!reset) resets.set(end.node, (reset = { latencyMs: end.resetMs, perBucket: new Int32Array(span) }));
        const first = this.#firstRequestAtOrAfter(client, aMs);
        this.#countInto(reset.perBucket, firstBucket, client, first, first + this.#periodMs / 2);
        aMs = first + this.#periodMs / 2;
      }
      client.connection = end.keeps ? { endpoint, node: end.node! } : undefined;
      let perBucket = pending.get(endpoint);
      if (!perBucket) pending.set(endpoint, (perBucket = new Int32Array(span)));
      this.#countInto(perBucket, firstBucket, client, aMs, bMs);
    };
    for (const client of this.#clients) {
      if (client.connection && this.paths.connectionsClosed?.(client.connection.node)) client.connection = undefined;
      let t = this.#firstRequestAtOrAfter(client, fromMs);
      if (t >= toMs) continue;
      if (client.endpoint !== undefined && client.honoursTtl && t < client.expiresAtMs) {
        const expiry = Math.min(toMs, this.#firstRequestAtOrAfter(client, client.expiresAtMs));
        add(client.endpoint, client, t, expiry);
        t = expiry;
      }
      if (t >= toMs) continue;
      if (client.endpoint === undefined || client.honoursTtl) {
        const ageMs = client.endpoint === undefined ? client.initialCacheAgeMs : 0;
        client.endpoint = this.paths.resolve();
        client.expiresAtMs = t + this.spec.ttlMs - ageMs;
        this.#renewWithin(client, toMs);
      }
      add(client.endpoint, client, t, toMs);
    }
    for (const [endpoint, perBucket] of pending) this.#deliver(endpoint, firstBucket, perBucket);
    for (const [node, { latencyMs, perBucket }] of resets) perBucket.forEach((count, i) => this.recorder.add(firstBucket + i, node, false, latencyMs, count));
  }

  #connectionEnd(endpoint: string): ConnectionEnd {
    const node = this.paths.connectionEnd?.(endpoint);
    if (node === undefined) return { node, keeps: false };
    const response = this.paths.respond(node, endpoint);
    // a node whose kernel answers (with the app's reply or a refusal) resets an unknown connection at once
    const resetMs = response.kind === 'no-answer' ? undefined : response.latencyMs;
    return { node, keeps: this.#outcome(node, endpoint).ok, ...(resetMs === undefined ? {} : { resetMs }) };
  }

  /** Re-resolutions inside one flush return the same answer; only the cache expiry moves on. */
  #renewWithin(client: Client, toMs: number): void {
    for (;;) {
      const next = this.#firstRequestAtOrAfter(client, client.expiresAtMs);
      if (next >= toMs) return;
      client.expiresAtMs = this.spec.ttlMs > 0 ? next + this.spec.ttlMs : this.#lastRequestBefore(client, toMs);
      if (this.spec.ttlMs <= 0) return;
    }
  }

  /**
   * Index of the client's first request at or after `tMs`. The tolerance keeps it exact for a `tMs`
   * that is itself a computed request time (`phase + k × period` need not divide back to exactly k).
   */
  #requestIndex(client: Client, tMs: number): number {
    return Math.max(0, Math.ceil((tMs - client.phaseMs) / this.#periodMs - 1e-6));
  }

  #firstRequestAtOrAfter(client: Client, tMs: number): number {
    return client.phaseMs + this.#requestIndex(client, tMs) * this.#periodMs;
  }

  #lastRequestBefore(client: Client, tMs: number): number {
    return this.#firstRequestAtOrAfter(client, tMs) - this.#periodMs;
  }

  /** Requests of `client` in [a, b). */
  #count(client: Client, aMs: number, bMs: number): number {
    return bMs <= aMs ? 0 : this.#requestIndex(client, bMs) - this.#requestIndex(client, aMs);
  }

  /**
   * Adds the client's requests in [from, to) to `perBucket` (bucket `firstBucket + i` at index i),
   * walking whichever is fewer: its requests, or the buckets they span.
   */
  #countInto(perBucket: Int32Array, firstBucket: number, client: Client, fromMs: number, toMs: number): void {
    const res = this.recorder.resolutionMs;
    const first = this.#requestIndex(client, fromMs);
    const end = this.#requestIndex(client, toMs);
    const lastBucket = Math.min(Math.ceil(toMs / res) - 1, firstBucket + perBucket.length - 1);
    const startBucket = Math.floor(fromMs / res);
    if (end - first <= lastBucket - startBucket + 1) {
      for (let k = first; k < end; k++) {
        const i = Math.floor((client.phaseMs + k * this.#periodMs) / res) - firstBucket;
        if (i >= 0 && i < perBucket.length) perBucket[i]! += 1;
      }
      return;
    }
    for (let bucket = startBucket; bucket <= lastBucket; bucket++) {
      const n = this.#count(client, Math.max(fromMs, bucket * res), Math.min(toMs, (bucket + 1) * res));
      if (n > 0) perBucket[bucket - firstBucket]! += n;
    }
  }

  #deliver(endpoint: string, firstBucket: number, perBucket: Int32Array): void {
    const backends = this.paths.backends(endpoint);
    if (backends.length === 0) {
      perBucket.forEach((count, i) => this.recorder.add(firstBucket + i, endpoint, false, 1, count));
      return;
    }
    const outcomes = backends.map((server) => this.#outcome(server, endpoint));
    let offset = this.#roundRobin.get(endpoint) ?? 0;
    const n = backends.length;
    for (let i = 0; i < perBucket.length; i++) {
      const count = perBucket[i]!;
      if (count === 0) continue;
      const bucket = firstBucket + i;
      const base = Math.floor(count / n);
      const extra = count % n;
      for (let j = 0; j < n; j++) {
        const share = base + ((j - offset + n) % n < extra ? 1 : 0);
        const outcome = outcomes[j]!;
        const lost = this.#lost(backends[j]!, share);
        this.recorder.add(bucket, outcome.server, outcome.ok, outcome.latencyMs, share - lost);
        this.recorder.add(bucket, backends[j]!, false, this.spec.timeoutMs, lost);
      }
      offset = (offset + count) % n;
    }
    this.#roundRobin.set(endpoint, offset);
  }

  #lost(serverId: string, count: number): number {
    const ratio = this.paths.lossRatio(serverId);
    if (ratio <= 0 || count === 0) return 0;
    const exact = count * ratio + (this.#lossCarry.get(serverId) ?? 0);
    const lost = Math.min(count, Math.floor(exact));
    this.#lossCarry.set(serverId, exact - lost);
    return lost;
  }

  /** A request's outcome as the client sees it, and the server it is counted for (the one that answered). */
  #outcome(serverId: string, endpoint: string): { ok: boolean; latencyMs: number; server: string } {
    const response = this.paths.respond(serverId, endpoint);
    const timeoutMs = this.spec.timeoutMs;
    if (response.kind === 'no-answer') return { ok: false, latencyMs: timeoutMs, server: serverId };
    if (response.kind === 'refused') return { ok: false, latencyMs: Math.min(response.latencyMs, timeoutMs), server: serverId };
    if (response.latencyMs > timeoutMs) return { ok: false, latencyMs: timeoutMs, server: serverId };
    return { ok: true, latencyMs: response.latencyMs, server: response.answeredBy ?? serverId };
  }

  /** The requests clients send to `endpoint`, for clients as they are now (their cached answer, or what DNS answers). */
  requestsTo(endpoint: string): RequestSchedule {
    const clients = this.#clients.filter((c) => (c.endpoint ?? this.paths.resolve()) === endpoint);
    const periodMs = this.#periodMs;
    return {
      count: (fromMs, toMs) => clients.reduce((n, c) => n + this.#count(c, fromMs, toMs), 0),
      nth: (fromMs, k) => {
        if (clients.length === 0) return Infinity;
        // every client sends once per period: the k-th request is the ((k-1) mod n)-th first one, (k-1) div n periods on
        const firsts = clients.map((c) => this.#firstRequestAtOrAfter(c, fromMs)).sort((a, b) => a - b);
        return firsts[(k - 1) % firsts.length]! + Math.floor((k - 1) / firsts.length) * periodMs;
      },
    };
  }
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
