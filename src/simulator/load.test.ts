import { describe, expect, it } from 'vitest';
import { SampleRecorder } from '../measure/samples.js';
import { ClientLoad, type ClientLoadSpec, type LoadPaths } from './load.js';
import { SeededRng } from '../random/seeded-rng.js';
import type { Response } from './server.js';

const RESOLUTION_MS = 1_000;
const DURATION_MS = 10_000;

/** DNS that answers `answer`; each endpoint is its own server unless `backends` says otherwise. */
class FakePaths implements LoadPaths {
  answer = 'old';
  resolved = 0;
  loss = 0;
  constructor(
    private readonly pools: Record<string, string[]> = {},
    private readonly response: Response = { kind: 'ok', latencyMs: 5 },
  ) {}
  resolve(): string {
    this.resolved++;
    return this.answer;
  }
  backends(endpoint: string): readonly string[] {
    return this.pools[endpoint] ?? [endpoint];
  }
  respond(): Response {
    return this.response;
  }
  lossRatio(): number {
    return this.loss;
  }
}

function setUp(spec: Partial<ClientLoadSpec>, paths = new FakePaths(), seed = 1) {
  const recorder = new SampleRecorder(RESOLUTION_MS, DURATION_MS);
  const full: ClientLoadSpec = { ratePerSec: 100, clients: 10, honourTtlShare: 1, timeoutMs: 2_000, ttlMs: Infinity, ...spec };
  const load = new ClientLoad(full, paths, recorder, new SeededRng(seed));
  return { load, recorder, paths };
}

/** Requests per bucket that `server` received (ok + err). */
function perBucket(recorder: SampleRecorder, server: string): number[] {
  const series = recorder.finish().byServer[server];
  return series ? series.ok.map((ok, i) => ok + series.err[i]!) : Array<number>(DURATION_MS / RESOLUTION_MS).fill(0);
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe('ClientLoad', () => {
  it('counts 10 clients at 100 rps over 10 s as exactly 1000 requests, 100 per second', () => {
    const { load, recorder } = setUp({});
    load.flush(DURATION_MS);
    expect(recorder.totals()).toEqual({ ok: 1_000, total: 1_000 });
    expect(recorder.finish().ok).toEqual(Array(10).fill(100));
  });

  it('counts the same whether flushed once or in pieces', () => {
    const { load, recorder } = setUp({});
    for (const t of [1_234, 1_234, 5_000, 4_000, 9_999.5, DURATION_MS]) load.flush(t);
    expect(recorder.totals()).toEqual({ ok: 1_000, total: 1_000 });
    expect(recorder.finish().ok).toEqual(Array(10).fill(100));
  });

  // Periods that are not whole milliseconds: a request time computed as phase + k × period must count once.
  it.each<Partial<ClientLoadSpec>>([
    { clients: 3, ratePerSec: 7 },
    { clients: 7, ratePerSec: 33, ttlMs: 1_500 },
  ])('loses no request across flushes at %j', (spec) => {
    const once = setUp(spec);
    once.load.flush(DURATION_MS);
    const pieces = setUp(spec);
    for (let t = 700; t < DURATION_MS; t += 700) pieces.load.flush(t);
    pieces.load.flush(DURATION_MS);
    const expected = (spec.ratePerSec! * DURATION_MS) / 1_000;
    expect(Math.abs(once.recorder.totals().total - expected)).toBeLessThanOrEqual(spec.clients!);
    expect(pieces.recorder.finish().ok).toEqual(once.recorder.finish().ok);
  });

  it('records requests as errors at the timeout when the server does not answer in time', () => {
    const { load, recorder } = setUp({ timeoutMs: 1_000 }, new FakePaths({}, { kind: 'ok', latencyMs: 1_500 }));
    load.flush(DURATION_MS);
    expect(recorder.totals()).toEqual({ ok: 0, total: 1_000 });
    expect(recorder.finish().p50Ms).toEqual(Array(10).fill(1_000));
  });

  it('sends every request after switch + TTL to the new endpoint', () => {
    const { load, recorder, paths } = setUp({ ttlMs: 1_000 });
    load.flush(5_000);
    paths.answer = 'new';
    load.flush(DURATION_MS);
    const oldServer = perBucket(recorder, 'old');
    const newServer = perBucket(recorder, 'new');
    expect(oldServer.slice(0, 5)).toEqual([100, 100, 100, 100, 100]);
    expect(oldServer.slice(6)).toEqual([0, 0, 0, 0]);
    expect(newServer.slice(6)).toEqual([100, 100, 100, 100]);
    // Cached answers of different ages: some clients switch at once, others up to a TTL later.
    expect(oldServer[5]).toBeGreaterThan(0);
    expect(newServer[5]).toBeGreaterThan(0);
    expect(oldServer[5]! + newServer[5]!).toBe(100);
    expect(sum(oldServer) + sum(newServer)).toBe(1_000);
  });

  it('keeps clients that do not honour the TTL on the first answer forever', () => {
    const { load, recorder, paths } = setUp({ ttlMs: 1_000, honourTtlShare: 0 });
    load.flush(5_000);
    paths.answer = 'new';
    load.flush(DURATION_MS);
    expect(perBucket(recorder, 'old')).toEqual(Array(10).fill(100));
    expect(recorder.finish().byServer.new).toBeUndefined();
    expect(paths.resolved).toBe(10);
  });

  it('splits clients by honourTtlShare: half stay on the old answer', () => {
    const { load, recorder, paths } = setUp({ ttlMs: 1_000, honourTtlShare: 0.5 });
    load.flush(5_000);
    paths.answer = 'new';
    load.flush(DURATION_MS);
    // 10 clients at 100 rps: 10 requests per client per second.
    expect(perBucket(recorder, 'old').slice(6)).toEqual([50, 50, 50, 50]);
    expect(perBucket(recorder, 'new').slice(6)).toEqual([50, 50, 50, 50]);
  });

  it('spreads an endpoint round-robin over its backends, within 1 per bucket, across flushes', () => {
    const paths = new FakePaths({ lb: ['a', 'b'] });
    paths.answer = 'lb';
    const { load, recorder } = setUp({ clients: 3, ratePerSec: 7 }, paths);
    for (let t = 700; t < DURATION_MS; t += 700) load.flush(t);
    load.flush(DURATION_MS);
    const a = perBucket(recorder, 'a');
    const b = perBucket(recorder, 'b');
    expect(sum(a) + sum(b)).toBe(recorder.totals().total);
    expect(recorder.totals().total).toBeGreaterThanOrEqual(70 - 3);
    expect(a.map((n, i) => n + b[i]!)).toEqual(recorder.finish().ok);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1);
    expect(Math.abs(sum(a) - sum(b))).toBeLessThanOrEqual(1);
    expect(a.some((n, i) => n !== b[i])).toBe(true);
  });

  it('fails requests to an endpoint with no backends (503), counted under the endpoint', () => {
    const paths = new FakePaths({ lb: [] });
    paths.answer = 'lb';
    const { load, recorder } = setUp({}, paths);
    load.flush(DURATION_MS);
    expect(recorder.totals()).toEqual({ ok: 0, total: 1_000 });
    expect(recorder.finish().byServer.lb?.err).toEqual(Array(10).fill(100));
  });

  it('loses exactly the packet-loss share of requests, in whole requests', () => {
    const paths = new FakePaths();
    paths.loss = 0.3;
    const { load, recorder } = setUp({}, paths);
    load.flush(DURATION_MS);
    const { ok, total } = recorder.totals();
    expect(total).toBe(1000);
    expect(total - ok).toBe(300);
  });
});

/** A VIP: clients send to `vip`, whose connections end on `node` (and its requests go there). */
class VipPaths extends FakePaths {
  node: string | undefined = 'a';
  readonly closed = new Set<string>();
  readonly responses = new Map<string, Response>();
  constructor() {
    super();
    this.answer = 'vip';
  }
  override backends(endpoint: string): readonly string[] {
    return endpoint === 'vip' ? (this.node === undefined ? [] : [this.node]) : [endpoint];
  }
  override respond(serverId?: string): Response {
    return this.responses.get(serverId ?? '') ?? { kind: 'ok', latencyMs: 5 };
  }
  connectionEnd(endpoint: string): string | undefined {
    return endpoint === 'vip' ? this.node : endpoint;
  }
  connectionsClosed(serverId: string): boolean {
    return this.closed.has(serverId);
  }
}

describe('ClientLoad keep-alive connections', () => {
  // 10 clients at 100 rps: each sends every 10 × 1000 / 100 = 100 ms
  const CLIENTS = 10;
  const PERIOD_MS = 100;

  it('fails the first request of every client when its connection now ends on another node (a reset), and only that one', () => {
    const paths = new VipPaths();
    const { load, recorder } = setUp({ clients: CLIENTS }, paths);
    load.flush(5_050);
    paths.node = 'b';
    load.flush(7_000);
    load.flush(DURATION_MS);
    const b = recorder.finish().byServer.b!;
    // the resets come from b within one period of the move (5 050–5 150 ms, bucket 5); later flushes reset nothing
    expect(b.err).toEqual([0, 0, 0, 0, 0, CLIENTS, 0, 0, 0, 0]);
    expect(recorder.totals()).toEqual({ ok: 1_000 - CLIENTS, total: 1_000 });
    expect(PERIOD_MS).toBeLessThan(1_000 - 50);
  });

  it('resets nothing when the old node closed its connections (its app ended) before the move', () => {
    const paths = new VipPaths();
    const { load, recorder } = setUp({ clients: CLIENTS }, paths);
    load.flush(5_000);
    paths.closed.add('a');
    paths.node = 'b';
    load.flush(DURATION_MS);
    expect(recorder.totals()).toEqual({ ok: 1_000, total: 1_000 });
  });

  it('resets nothing for clients whose last request got no answer: they gave their connection up at the timeout', () => {
    const paths = new VipPaths();
    const { load, recorder } = setUp({ clients: CLIENTS, timeoutMs: 1_000 }, paths);
    load.flush(4_000);
    paths.responses.set('a', { kind: 'no-answer' });
    load.flush(5_000);
    paths.node = 'b';
    load.flush(DURATION_MS);
    expect(recorder.finish().byServer.b!.err).toEqual(Array(10).fill(0));
    // every request to a in [4 s, 5 s) timed out
    expect(recorder.finish().byServer.a!.err[4]).toBe(100);
  });

  it('has a request to a node that answers nothing time out, not reset', () => {
    const paths = new VipPaths();
    const { load, recorder } = setUp({ clients: CLIENTS, timeoutMs: 1_000 }, paths);
    load.flush(5_000);
    paths.node = 'b';
    paths.responses.set('b', { kind: 'no-answer' });
    load.flush(DURATION_MS);
    const b = recorder.finish().byServer.b!;
    expect(b.err.slice(5)).toEqual([100, 100, 100, 100, 100]);
    expect(recorder.finish().p50Ms[5]).toBe(1_000);
  });

  it('moves no connection for endpoints that are their own node: a DNS answer that changes resets nothing', () => {
    const paths = new VipPaths();
    paths.answer = 'old';
    const { load, recorder } = setUp({ clients: CLIENTS, ttlMs: 1_000 }, paths);
    load.flush(5_000);
    paths.answer = 'new';
    load.flush(DURATION_MS);
    expect(recorder.totals()).toEqual({ ok: 1_000, total: 1_000 });
  });
});
