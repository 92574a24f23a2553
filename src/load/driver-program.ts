import { boundLifetime, exitWithParent } from '../targets/host/programs/guard.js';
import { WallClock } from '../targets/shared/wall-clock.js';
import { IntervalProbe } from './interval-probe.js';
import type { LoadSummary } from './load-row.js';
import { RowStream } from './row-stream.js';

/** What every load driver program gets as its only argument (JSON), beside its own settings. */
export interface DriverBaseConfig {
  url: string;
  /** The run's t0, CLOCK_MONOTONIC nanoseconds, as a decimal string. */
  t0Ns: string;
  /** Run times (ms) the load starts and ends at. */
  startAtMs: number;
  endAtMs: number;
  ratePerSec: number;
  timeoutMs: number;
  probeIntervalMs: number;
  /** Bounds: the driver records no more rows (load and probe together) and no more probes than these. */
  maxRequests: number;
  maxProbes: number;
}

/** What every driver runs beside its load: the run's clock, the row stream, and the fixed-interval probe writing `p` rows into it. */
export interface DriverBase {
  clock: WallClock;
  rows: RowStream;
  probe: IntervalProbe;
}

/** The clock, rows and probe of a driver with `config`, its rows written through `write`. */
export function driverBase(config: DriverBaseConfig, write: (text: string, done?: () => void) => void): DriverBase {
  const c = config;
  const clock = new WallClock(BigInt(c.t0Ns));
  const rows = new RowStream(c.maxRequests, write);
  const probe = new IntervalProbe(
    { url: c.url, startAtMs: c.startAtMs, endAtMs: c.endAtMs, intervalMs: c.probeIntervalMs, timeoutMs: c.timeoutMs, maxProbes: c.maxProbes },
    clock,
    (startMs, latencyMs, ok, server, reason) => rows.add('p', startMs, latencyMs, ok, server, reason),
  );
  return { clock, rows, probe };
}

/** A load driver as its program runs it. */
export interface LoadDriverProgram {
  /** Runs the load and the probe; resolves once every request has reported. */
  run(): Promise<LoadSummary>;
  /** Sends nothing more; {@link run} still resolves once the requests in flight reported. */
  stop(): void;
  /** Writes the buffered rows. */
  flush(done?: () => void): void;
  /** Run time now (ms since t0). */
  nowMs(): number;
}

/**
 * The main of a load driver program (`name`): argv[0] is its config as JSON. Streams rows, ends with
 * the summary line and exits 0; exits with its parent, on SIGTERM (rows flushed) and past its bound
 * (the end of the run + one timeout + 5 s).
 */
export async function runDriverProgram<C extends DriverBaseConfig>(
  name: string,
  argv: string[],
  create: (config: C, write: (text: string, done?: () => void) => void) => LoadDriverProgram,
): Promise<void> {
  let config: C;
  try {
    config = JSON.parse(argv[0] ?? '') as C;
  } catch (err) {
    console.error(`${name}: expected its config as JSON in the first argument: ${(err as Error).message}`);
    process.exit(2);
  }
  exitWithParent();
  const driver = create(config, (text, done) => process.stdout.write(text, done));
  boundLifetime(Math.max(0, config.endAtMs - driver.nowMs()) + config.timeoutMs + 5_000);
  process.on('SIGTERM', () => driver.flush(() => process.exit(0)));
  const summary = await driver.run();
  driver.flush(() => process.stdout.write(`${JSON.stringify(summary)}\n`, () => process.exit(0)));
}
