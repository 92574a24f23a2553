/**
 * Client samples of a run, bucketed by request start time: the one format every load driver
 * produces (the simulator's counted load, autocannon and the probe on real targets).
 */
export interface SampleSeries {
  /** Width of one bucket: the resolution of every time measured from samples. */
  resolutionMs: number;
  /** Requests that succeeded / failed, per bucket. */
  ok: number[];
  err: number[];
  /** The same counts per backend server that answered (or should have). */
  byServer: Record<string, { ok: number[]; err: number[] }>;
  /** Latency percentiles of the bucket's requests (0 when the bucket is empty). */
  p50Ms: number[];
  p99Ms: number[];
}

/** Collects request outcomes into buckets; `finish()` yields the {@link SampleSeries}. */
export class SampleRecorder {
  readonly #ok: number[];
  readonly #err: number[];
  readonly #byServer = new Map<string, { ok: number[]; err: number[] }>();
  readonly #latency: Array<Map<number, number> | undefined>;

  constructor(
    readonly resolutionMs: number,
    readonly durationMs: number,
  ) {
    const buckets = Math.ceil(durationMs / resolutionMs);
    this.#ok = new Array<number>(buckets).fill(0);
    this.#err = new Array<number>(buckets).fill(0);
    this.#latency = new Array<Map<number, number> | undefined>(buckets);
  }

  #okTotal = 0;
  #errTotal = 0;

  /** Requests recorded so far. */
  totals(): { ok: number; total: number } {
    return { ok: this.#okTotal, total: this.#okTotal + this.#errTotal };
  }

  get bucketCount(): number {
    return this.#ok.length;
  }

  /** Adds `count` requests started in `bucket`, all with the same outcome and latency. */
  add(bucket: number, server: string, ok: boolean, latencyMs: number, count: number): void {
    if (count <= 0 || bucket < 0 || bucket >= this.#ok.length) return;
    (ok ? this.#ok : this.#err)[bucket]! += count;
    if (ok) this.#okTotal += count;
    else this.#errTotal += count;
    let perServer = this.#byServer.get(server);
    if (!perServer) {
      perServer = { ok: new Array<number>(this.#ok.length).fill(0), err: new Array<number>(this.#ok.length).fill(0) };
      this.#byServer.set(server, perServer);
    }
    (ok ? perServer.ok : perServer.err)[bucket]! += count;
    const hist = (this.#latency[bucket] ??= new Map());
    const key = Math.round(latencyMs);
    hist.set(key, (hist.get(key) ?? 0) + count);
  }

  finish(): SampleSeries {
    const p50Ms: number[] = [];
    const p99Ms: number[] = [];
    for (const hist of this.#latency) {
      p50Ms.push(hist ? percentile(hist, 0.5) : 0);
      p99Ms.push(hist ? percentile(hist, 0.99) : 0);
    }
    const byServer: SampleSeries['byServer'] = {};
    for (const id of [...this.#byServer.keys()].sort()) byServer[id] = this.#byServer.get(id)!;
    return { resolutionMs: this.resolutionMs, ok: this.#ok, err: this.#err, byServer, p50Ms, p99Ms };
  }
}

function percentile(hist: Map<number, number>, q: number): number {
  const entries = [...hist.entries()].sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [value, n] of entries) {
    seen += n;
    if (seen >= rank) return value;
  }
  return entries.at(-1)?.[0] ?? 0;
}
