import autocannon from 'autocannon';
import { isMain } from '../targets/host/programs/guard.js';
import { WallClock } from '../targets/shared/wall-clock.js';
import { driverBase, runDriverProgram, type DriverBaseConfig, type LoadDriverProgram } from './driver-program.js';
import { SERVER_HEADER, socketReason } from './http-outcome.js';
import { IntervalProbe } from './interval-probe.js';
import type { LoadSummary } from './load-row.js';
import { RowStream } from './row-stream.js';

/** The autocannon driver's config: the common one and autocannon's connections. */
export interface AutocannonDriverConfig extends DriverBaseConfig {
  connections: number;
}

/** autocannon's message of a request that ran into its timeout (`reqError`). */
const TIMEOUT_MESSAGE = 'request timed out';

/** The `x-faildrill-server` value in the object of autocannon's `headers` client event (raw `[name, value, …]` pairs, or a map). */
function serverOf(info: unknown): string {
  const headers = (info as { headers?: unknown } | undefined)?.headers;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === SERVER_HEADER) return String(headers[i + 1]);
    return '';
  }
  if (headers && typeof headers === 'object') return String((headers as Record<string, unknown>)[SERVER_HEADER] ?? '');
  return '';
}

/**
 * The closed-loop load, selectable as `load.driver: autocannon`: autocannon (as a library, through
 * its documented API only) at the configured rate over `connections`, each waiting for its answer
 * before the next request, beside the fixed-interval probe. Rows come from the instance's
 * `response` (start = now − its response time) and `reqError` events (a timeout booked at now −
 * the timeout; a connection error at the moment of the error, latency 0, since the public API does
 * not say when the failed request left); connection errors are booked no faster than the rate,
 * because autocannon reconnects a refused connection at once and reports every attempt. Bounded in
 * time (`endAtMs`) and count (`maxRequests`, `maxProbes`).
 */
export class AutocannonDriver implements LoadDriverProgram {
  readonly clock: WallClock;
  readonly rows: RowStream;
  readonly #probe: IntervalProbe;
  readonly #servers = new WeakMap<object, string>();
  #instance?: autocannon.Instance;
  #stopped = false;
  /** Connection errors booked per whole second of the run (the rate bounds them). */
  readonly #errorsPerSecond = new Map<number, number>();

  constructor(
    readonly config: AutocannonDriverConfig,
    write: (text: string, done?: () => void) => void,
  ) {
    const c = config;
    ({ clock: this.clock, rows: this.rows, probe: this.#probe } = driverBase(c, write));
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  async run(): Promise<LoadSummary> {
    this.rows.start();
    this.#probe.start();
    await this.clock.sleep(this.config.startAtMs - this.nowMs());
    if (!this.#stopped) await this.#runAutocannon();
    await this.#probe.done();
    this.rows.close();
    return { done: true, recorded: this.rows.recorded, probes: this.#probe.count };
  }

  stop(): void {
    this.#stopped = true;
    this.#probe.stop();
    this.#instance?.stop();
  }

  flush(done?: () => void): void {
    this.rows.flush(done);
  }

  #runAutocannon(): Promise<void> {
    const { config } = this;
    const remainingMs = config.endAtMs - this.nowMs();
    if (remainingMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const instance = autocannon(
        {
          url: config.url,
          connections: config.connections,
          overallRate: config.ratePerSec,
          duration: Math.max(1, remainingMs / 1000),
          // autocannon takes whole seconds, at least one
          timeout: Math.max(1, config.timeoutMs / 1000),
          setupClient: (client) => client.on('headers', (info: unknown) => this.#servers.set(client, serverOf(info))),
        },
        () => resolve(),
      );
      this.#instance = instance;
      instance.on('response', (client: object, statusCode: number, _bytes: number, responseTimeMs: number) => {
        const ok = statusCode >= 200 && statusCode < 400;
        this.rows.add('a', this.nowMs() - responseTimeMs, responseTimeMs, ok, this.#servers.get(client) ?? '', ok ? undefined : `status ${statusCode}`);
      });
      instance.on('reqError', (err: NodeJS.ErrnoException) => this.#failed(err));
      setTimeout(() => instance.stop(), remainingMs).unref();
    });
  }

  #failed(err: NodeJS.ErrnoException): void {
    const nowMs = this.nowMs();
    const timeoutMs = Math.max(1_000, this.config.timeoutMs);
    if (err.message === TIMEOUT_MESSAGE) {
      this.rows.add('a', nowMs - timeoutMs, timeoutMs, false, '', 'timeout');
      return;
    }
    const second = Math.floor(nowMs / 1000);
    const booked = this.#errorsPerSecond.get(second) ?? 0;
    if (booked >= Math.ceil(this.config.ratePerSec)) return;
    this.#errorsPerSecond.set(second, booked + 1);
    this.rows.add('a', nowMs, 0, false, '', socketReason(err));
  }
}

if (isMain(import.meta.url))
  runDriverProgram<AutocannonDriverConfig>('autocannon-driver', process.argv.slice(2), (config, write) => new AutocannonDriver(config, write)).catch((err: Error) => {
    console.error(`autocannon-driver: ${err.message}`);
    process.exit(1);
  });
