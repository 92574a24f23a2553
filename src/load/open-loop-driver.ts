import { SeededRng } from '../random/seeded-rng.js';
import { isMain } from '../targets/host/programs/guard.js';
import { WallClock } from '../targets/shared/wall-clock.js';
import { driverBase, runDriverProgram, type DriverBaseConfig, type LoadDriverProgram } from './driver-program.js';
import { IntervalProbe } from './interval-probe.js';
import type { LoadSummary } from './load-row.js';
import { OpenLoopLoad } from './open-loop.js';
import { RowStream } from './row-stream.js';

/** The open-loop driver's config: the common one, the clients that share the rate, and the seed of their phases. */
export interface OpenLoopDriverConfig extends DriverBaseConfig {
  clients: number;
  /** Seeds the clients' phases ({@link OpenLoopLoad}): the same seed gives the same schedule. */
  seed: number;
}

/**
 * The host target's default load (design.md §10), run inside the client namespace: {@link OpenLoopLoad}
 * on the run's wall clock (CLOCK_MONOTONIC from t0), `clients` each sending every `clients / rate` s
 * from a seeded phase on its own keep-alive connection, whether or not earlier requests answered;
 * beside it the fixed-interval probe. One row per request, its start the scheduled time (latency
 * counts from there), the failure reason, the server from `x-faildrill-server`. Bounded in count
 * (`maxRequests`, `maxProbes`) and time (`endAtMs`, then each request's timeout).
 */
export class OpenLoopDriver implements LoadDriverProgram {
  readonly clock: WallClock;
  readonly rows: RowStream;
  readonly load: OpenLoopLoad;
  readonly #probe: IntervalProbe;

  constructor(
    readonly config: OpenLoopDriverConfig,
    write: (text: string, done?: () => void) => void,
  ) {
    const c = config;
    ({ clock: this.clock, rows: this.rows, probe: this.#probe } = driverBase(c, write));
    this.load = new OpenLoopLoad({
      clock: this.clock,
      rng: new SeededRng(c.seed),
      ratePerSec: c.ratePerSec,
      clients: c.clients,
      timeoutMs: c.timeoutMs,
      durationMs: Math.max(0, c.endAtMs - c.startAtMs),
      maxRequests: c.maxRequests,
      target: () => ({ url: c.url, via: '' }),
      entryId: '',
      onSample: (s) => this.rows.add('o', s.scheduledMs, s.endMs - s.scheduledMs, s.ok, s.server, s.reason),
    });
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  async run(): Promise<LoadSummary> {
    this.rows.start();
    this.#probe.start();
    this.load.start(this.config.startAtMs);
    await Promise.all([this.load.done(), this.#probe.done()]);
    this.rows.close();
    return { done: true, recorded: this.rows.recorded, probes: this.#probe.count };
  }

  stop(): void {
    this.#probe.stop();
    void this.load.stop();
  }

  flush(done?: () => void): void {
    this.rows.flush(done);
  }
}

if (isMain(import.meta.url))
  runDriverProgram<OpenLoopDriverConfig>('open-loop-driver', process.argv.slice(2), (config, write) => new OpenLoopDriver(config, write)).catch((err: Error) => {
    console.error(`open-loop-driver: ${err.message}`);
    process.exit(1);
  });
