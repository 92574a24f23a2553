import { join } from 'node:path';
import { SampleRecorder } from '../measure/samples.js';
import { programFile } from '../targets/host/programs/locate.js';
import { NsProcess } from '../targets/host/process.js';
import { HOST_DRIVERS, type DriverSettings, type LoadDriverName } from './driver-registry.js';
import { parseLoadLine, recordRow, type LoadRow, type LoadSummary } from './load-row.js';

export interface HostLoadOptions extends DriverSettings {
  /** Which driver program runs the load (`load.driver`). */
  driver: LoadDriverName;
  /** Namespace the clients run in. */
  ns: string;
  dir: string;
  /** Endpoint id recorded for requests that no server answered. */
  entryId: string;
  onProcess?: (pid: number) => void;
}

/**
 * Client load for real targets: a load driver program ({@link HOST_DRIVERS}: open loop by default,
 * autocannon to compare; compiled) inside the client namespace, at the scenario's rate, with a probe
 * on a fixed interval (`load.probeInterval`, 20 ms by default) whose samples give every time
 * measured from samples its resolution. Every request lands in one {@link SampleRecorder} with
 * bucket width = the probe interval, in the bucket of its start (the scheduled time, open loop).
 */
export class HostLoad {
  readonly recorder: SampleRecorder;
  #driver?: NsProcess;
  #done?: Promise<void>;
  /** Requests recorded: the load's and the probe's. */
  requests = { load: 0, probe: 0 };
  #summary: Partial<LoadSummary> = {};

  constructor(readonly options: HostLoadOptions) {
    this.recorder = new SampleRecorder(options.probeIntervalMs, options.durationMs);
  }

  /** Starts the driver; load begins at run time `startAtMs` and ends by itself at the run's end. */
  start(startAtMs = 0): void {
    const o = this.options;
    const driver = HOST_DRIVERS[o.driver];
    this.#driver = new NsProcess({
      ns: o.ns,
      role: 'load',
      command: process.execPath,
      args: [programFile(driver.program), JSON.stringify(driver.config(o, startAtMs))],
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

  #record(row: LoadRow): void {
    recordRow(this.recorder, row, this.options.entryId);
    if (row[0] === 'p') this.requests.probe++;
    else this.requests.load++;
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
