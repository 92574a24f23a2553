import { join } from 'node:path';
import { SampleRecorder } from '../measure/samples.js';
import { programFile } from '../targets/host/programs/locate.js';
import { NsProcess } from '../targets/host/process.js';
import { parseLoadLine, type LoadDriverConfig, type LoadRow, type LoadSummary } from './load-driver.js';

export interface HostLoadOptions {
  /** Namespace the clients run in. */
  ns: string;
  dir: string;
  /** Entry point: `http://<vip or load balancer>:<port>/`. */
  url: string;
  ratePerSec: number;
  clients: number;
  timeoutMs: number;
  probeIntervalMs: number;
  /** Run start (CLOCK_MONOTONIC ns) and length: samples are bucketed from it. */
  t0Ns: bigint;
  durationMs: number;
  /** Endpoint id recorded for requests that no server answered. */
  entryId: string;
  onProcess?: (pid: number) => void;
}

/** Most connections autocannon opens: each carries at least one request per second of the rate. */
const MAX_CONNECTIONS = 32;
/** How far past the run the driver's bounds reach (s): requests in flight at the end, slack for the rate. */
const BOUND_SLACK_SEC = 5;

/** The driver's configuration for `options`: rate, connections and the bounds on what it records. */
export function driverConfig(o: HostLoadOptions, startAtMs: number): LoadDriverConfig {
  const rate = Math.max(1, Math.round(o.ratePerSec));
  const seconds = o.durationMs / 1000;
  return {
    url: o.url,
    t0Ns: String(o.t0Ns),
    startAtMs,
    endAtMs: o.durationMs,
    ratePerSec: rate,
    connections: Math.max(1, Math.min(o.clients, MAX_CONNECTIONS, rate)),
    timeoutMs: o.timeoutMs,
    probeIntervalMs: o.probeIntervalMs,
    maxRequests: Math.ceil((rate + 1000 / o.probeIntervalMs) * (seconds + BOUND_SLACK_SEC) * 1.5),
    maxProbes: Math.ceil((1000 / o.probeIntervalMs) * (seconds + 1)),
  };
}

/**
 * Client load for real targets: the load driver (`src/load/load-driver.ts`, compiled) inside the
 * client namespace, at the scenario's rate, with a probe on a fixed interval (`load.probeInterval`,
 * 20 ms by default) whose samples give every time measured from samples its resolution. Every
 * request lands in one {@link SampleRecorder} with bucket width = the probe interval.
 */
export class HostLoad {
  readonly recorder: SampleRecorder;
  #driver?: NsProcess;
  #done?: Promise<void>;
  requests = { autocannon: 0, probe: 0 };
  #summary: Partial<LoadSummary> = {};

  constructor(readonly options: HostLoadOptions) {
    this.recorder = new SampleRecorder(options.probeIntervalMs, options.durationMs);
  }

  /** Starts the driver; load begins at run time `startAtMs` and ends by itself at the run's end. */
  start(startAtMs = 0): void {
    const o = this.options;
    this.#driver = new NsProcess({
      ns: o.ns,
      role: 'load',
      command: process.execPath,
      args: [programFile('load/load-driver'), JSON.stringify(driverConfig(o, startAtMs))],
      logFile: join(o.dir, 'load-driver.log'),
      onLine: (line, stream) => {
        if (stream !== 'stdout') return;
        const parsed = parseLoadLine(line);
        if (!parsed) return;
        if ('row' in parsed) this.#record(parsed.row);
        else this.#summary = parsed.summary;
      },
    });
    if (this.#driver.pid) o.onProcess?.(this.#driver.pid);
    this.#done = this.#driver.closed;
  }

  #record([source, startMs, latencyMs, ok, server]: LoadRow): void {
    const bucket = Math.floor(startMs / this.recorder.resolutionMs);
    this.recorder.add(bucket, server || this.options.entryId, ok === 1, latencyMs, 1);
    if (source === 'p') this.requests.probe++;
    else this.requests.autocannon++;
  }

  /** Waits for the driver to end by itself (at most `timeoutMs`), then stops it. */
  async finish(timeoutMs: number): Promise<void> {
    if (!this.#driver) return;
    const ended = await Promise.race([this.#done!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
    if (!ended) await this.#driver.stop(1_000);
    this.#driver.closeLog();
  }

  async stop(): Promise<void> {
    await this.#driver?.stop(1_000);
  }

  get summary(): Partial<LoadSummary> {
    return this.#summary;
  }
}
