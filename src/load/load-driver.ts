import autocannon from 'autocannon';
import { get } from 'node:http';
import { boundLifetime, exitWithParent, isMain } from '../targets/host/programs/guard.js';

/** Where a request came from: `a` autocannon (the scenario's load), `p` the fixed-interval probe. */
export type LoadSource = 'a' | 'p';

/**
 * One request as the driver streams it (one JSON array per stdout line):
 * `[source, startMs, latencyMs, ok (1|0), server, reason?]`, times in ms since the run's t0
 * (CLOCK_MONOTONIC, shared with the parent), rounded to 0.01 ms; `server` is the answering server's
 * `x-faildrill-server` header, '' when none answered.
 */
export type LoadRow = [LoadSource, number, number, 0 | 1, string] | [LoadSource, number, number, 0 | 1, string, string];

/** The driver's last line: how many requests it recorded. */
export interface LoadSummary {
  done: true;
  recorded: number;
  probes: number;
}

/** What the parent passes as the driver's only argument (JSON). */
export interface LoadDriverConfig {
  url: string;
  /** The run's t0, CLOCK_MONOTONIC nanoseconds, as a decimal string. */
  t0Ns: string;
  startAtMs: number;
  endAtMs: number;
  ratePerSec: number;
  connections: number;
  timeoutMs: number;
  probeIntervalMs: number;
  /** Bounds: the driver records no more than these. */
  maxRequests: number;
  maxProbes: number;
}

const SERVER_HEADER = 'x-faildrill-server';
const FLUSH_MS = 50;
/** Longest pause between reconnects of a connection whose connects keep failing. */
const MAX_RECONNECT_DELAY_MS = 200;

const round = (x: number) => Math.round(x * 100) / 100;

/** The row of one request. */
export function loadRow(source: LoadSource, startMs: number, latencyMs: number, ok: boolean, server: string, reason?: string): LoadRow {
  const row: LoadRow = [source, round(startMs), round(latencyMs), ok ? 1 : 0, server];
  return reason ? [...row, reason] : row;
}

/** Parses one stdout line of the driver: a row, the summary, or undefined for anything else. */
export function parseLoadLine(line: string): { row: LoadRow } | { summary: LoadSummary } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) {
    const [source, startMs, latencyMs, ok, server, reason] = value as unknown[];
    if ((source !== 'a' && source !== 'p') || typeof startMs !== 'number' || typeof latencyMs !== 'number' || (ok !== 0 && ok !== 1) || typeof server !== 'string')
      return undefined;
    return { row: typeof reason === 'string' ? [source, startMs, latencyMs, ok, server, reason] : [source, startMs, latencyMs, ok, server] };
  }
  if (value && typeof value === 'object' && (value as LoadSummary).done === true) {
    const s = value as LoadSummary;
    return { summary: { done: true, recorded: Number(s.recorded) || 0, probes: Number(s.probes) || 0 } };
  }
  return undefined;
}

/**
 * The client load of real targets: autocannon (as a library) at the configured rate, open loop over
 * its connections, and beside it a probe on a fixed interval (a fresh connection each), both against
 * the entry point. Streams a {@link LoadRow} per request and ends with a {@link LoadSummary}. Bounded
 * in time (`endAtMs`) and count (`maxRequests`, `maxProbes`).
 */
export class LoadDriver {
  readonly #t0Ns: bigint;
  #buffer: string[] = [];
  #recorded = 0;
  #probes = 0;
  #nextProbeMs: number;
  #flushTimer?: NodeJS.Timeout;
  #instance?: autocannon.Instance;

  constructor(
    readonly config: LoadDriverConfig,
    private readonly write: (text: string, done?: () => void) => void,
  ) {
    this.#t0Ns = BigInt(config.t0Ns);
    this.#nextProbeMs = Math.max(0, config.startAtMs);
  }

  nowMs(): number {
    return Number(process.hrtime.bigint() - this.#t0Ns) / 1e6;
  }

  /** Runs until the end of the run; resolves with the summary once autocannon is done. */
  run(): Promise<LoadSummary> {
    this.#flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    this.#flushTimer.unref();
    this.#scheduleProbe();
    return new Promise((resolve) => {
      setTimeout(() => this.#startAutocannon(resolve), Math.max(0, this.config.startAtMs - this.nowMs()));
    });
  }

  /** Stops autocannon early (its completion still resolves {@link run}). */
  stop(): void {
    this.#instance?.stop();
  }

  flush(done?: () => void): void {
    if (this.#buffer.length === 0) {
      done?.();
      return;
    }
    const text = `${this.#buffer.join('\n')}\n`;
    this.#buffer = [];
    this.write(text, done);
  }

  #record(source: LoadSource, startMs: number, ok: boolean, server: string, reason?: string): void {
    if (this.#recorded >= this.config.maxRequests) return;
    this.#recorded++;
    this.#buffer.push(JSON.stringify(loadRow(source, startMs, this.nowMs() - startMs, ok, server, reason)));
  }

  #scheduleProbe(): void {
    setTimeout(() => {
      this.#probe();
      this.#nextProbeMs += this.config.probeIntervalMs;
      if (this.#nextProbeMs < this.config.endAtMs) this.#scheduleProbe();
    }, Math.max(0, this.#nextProbeMs - this.nowMs()));
  }

  #probe(): void {
    const startMs = this.nowMs();
    if (startMs >= this.config.endAtMs || this.#probes >= this.config.maxProbes) return;
    this.#probes++;
    let done = false;
    const finish = (ok: boolean, server: string, reason?: string) => {
      if (done) return;
      done = true;
      this.#record('p', startMs, ok, server, reason);
    };
    const url = new URL(this.config.url);
    const req = get({ host: url.hostname, port: url.port || 80, path: '/', agent: false, timeout: this.config.timeoutMs }, (res) => {
      const server = String(res.headers[SERVER_HEADER] ?? '');
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => finish(status >= 200 && status < 400, server, status >= 400 ? `status ${status}` : undefined));
      res.on('error', () => finish(false, server, 'reset'));
    });
    req.on('timeout', () => {
      finish(false, '', 'timeout');
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(false, '', err.code ?? 'error'));
  }

  /** Per-request start, outcome and answering server, from autocannon's client events. */
  #setupClient = (client: autocannon.Client): void => {
    let pendingMs: number | null = null;
    let server = '';
    let failures = 0;
    const fail = (reason: string) => {
      if (pendingMs === null) return;
      this.#record('a', pendingMs, false, '', reason);
      pendingMs = null;
    };
    // autocannon reconnects and sends the next request *before* it emits 'timeout': the request still
    // pending when a new one starts after the timeout ran out is the one that timed out, and the
    // 'timeout' event that follows belongs to it, not to the new request
    let timedOut = false;
    client.on('request', () => {
      timedOut = pendingMs !== null && this.nowMs() - pendingMs >= this.config.timeoutMs - 1;
      fail(timedOut ? 'timeout' : 'reset');
      pendingMs = this.nowMs();
      server = '';
    });
    client.on('headers', (h: { headers?: unknown[] }) => {
      const hs = h.headers ?? [];
      for (let i = 0; i + 1 < hs.length; i += 2) if (String(hs[i]).toLowerCase() === SERVER_HEADER) server = String(hs[i + 1]);
    });
    client.on('response', (status: number) => {
      failures = 0;
      if (pendingMs === null) return;
      this.#record('a', pendingMs, status >= 200 && status < 400, server, status >= 400 ? `status ${status}` : undefined);
      pendingMs = null;
    });
    client.on('timeout', () => {
      if (timedOut) timedOut = false;
      else fail('timeout');
    });
    client.on('connError', (err?: NodeJS.ErrnoException) => {
      failures++;
      fail(err?.code === 'ECONNREFUSED' ? 'refused' : (err?.code ?? 'error'));
    });
    // Back off reconnects after connection errors, so that a refused port is not hammered in a tight loop.
    const connect = (Object.getPrototypeOf(client) as autocannon.Client)._connect;
    let timer: NodeJS.Timeout | null = null;
    const probeIntervalMs = this.config.probeIntervalMs;
    client._connect = function (this: autocannon.Client) {
      if (failures === 0 || this.destroyed) return connect.call(this);
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        if (!this.destroyed) connect.call(this);
      }, Math.min(MAX_RECONNECT_DELAY_MS, probeIntervalMs * failures));
    };
  };

  #startAutocannon(resolve: (summary: LoadSummary) => void): void {
    const { config } = this;
    const remainingMs = config.endAtMs - this.nowMs();
    this.#instance = autocannon(
      {
        url: config.url,
        connections: config.connections,
        overallRate: config.ratePerSec,
        duration: Math.max(1, remainingMs / 1000),
        timeout: Math.max(1, config.timeoutMs / 1000),
        setupClient: this.#setupClient,
      },
      () => {
        clearInterval(this.#flushTimer);
        resolve({ done: true, recorded: this.#recorded, probes: this.#probes });
      },
    );
    setTimeout(() => this.stop(), Math.max(0, remainingMs)).unref();
  }
}

/** argv: the {@link LoadDriverConfig} as JSON. Exits when done, with its parent, or past its bound. */
async function main(argv: string[]): Promise<void> {
  const config = JSON.parse(argv[0] ?? '') as LoadDriverConfig;
  exitWithParent();
  const driver = new LoadDriver(config, (text, done) => process.stdout.write(text, done));
  boundLifetime(Math.max(0, config.endAtMs - driver.nowMs()) + config.timeoutMs + 5_000);
  process.on('SIGTERM', () => driver.flush(() => process.exit(0)));
  const summary = await driver.run();
  driver.flush(() => process.stdout.write(`${JSON.stringify(summary)}\n`, () => process.exit(0)));
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`load-driver: ${err.message}`);
    process.exit(1);
  });
