import { HealthTracker, type ResourceHealth } from './health.js';
import { PortError } from './port-error.js';
import type { Clock, EventSink, HealthProbePort, ProbeResult, Rng } from './ports.js';
import type { Supervisor } from './supervise.js';
import type { ControllerConfig } from './types.js';

/** What {@link EndpointChecks} needs from the controller. */
export interface EndpointChecksContext {
  config: ControllerConfig['healthCheck'];
  clock: Clock;
  probe: HealthProbePort;
  events: EventSink;
  supervisor: Supervisor;
  running(): boolean;
  /** Called after an endpoint's health changed. */
  onChange(endpoint: string): void;
}

interface Entry {
  tracker: HealthTracker;
  /** Probes that threw in a row. */
  probeErrors: number;
}

/**
 * One health check loop per endpoint, each on its own seeded phase, counting results with a
 * {@link HealthTracker}. A probe that throws is a failed check (its reason is the error's code) and
 * is reported as `port.error`; the loop keeps its interval, so detection time does not depend on
 * how a check failed. An endpoint that is removed stops being probed at its loop's next step.
 */
export class EndpointChecks {
  readonly #entries = new Map<string, Entry>();
  #phases?: Rng;

  constructor(private readonly ctx: EndpointChecksContext) {}

  /** Health of `endpoint` as last judged; `unknown` when it is not checked. */
  health(endpoint: string): ResourceHealth {
    return this.#entries.get(endpoint)?.tracker.health ?? 'unknown';
  }

  has(endpoint: string): boolean {
    return this.#entries.has(endpoint);
  }

  /** The endpoints checked now, in the order they were added. */
  get endpoints(): string[] {
    return [...this.#entries.keys()];
  }

  /** Starts the loop of every endpoint added so far; later additions start at once. Phases come from `phases`. */
  start(phases: Rng): void {
    this.#phases = phases;
    for (const [endpoint, entry] of this.#entries) this.#run(endpoint, entry);
  }

  /** Checks `endpoint` from now on (no-op when it is checked already). */
  add(endpoint: string): void {
    if (this.#entries.has(endpoint)) return;
    const entry: Entry = { tracker: new HealthTracker(this.ctx.config), probeErrors: 0 };
    this.#entries.set(endpoint, entry);
    if (this.#phases) this.#run(endpoint, entry);
  }

  /** Stops checking `endpoint` and forgets its health. */
  remove(endpoint: string): void {
    this.#entries.delete(endpoint);
  }

  #run(endpoint: string, entry: Entry): void {
    const phaseMs = this.#phases!.int(0, this.ctx.config.intervalMs - 1);
    const loop = `health:${endpoint}`;
    void this.ctx.supervisor.loop(loop, () => this.#check(endpoint, entry, loop), {
      firstDelayMs: phaseMs,
      everyMs: this.ctx.config.intervalMs,
    });
  }

  async #check(endpoint: string, entry: Entry, loop: string): Promise<number | 'stop'> {
    const { intervalMs, timeoutMs, path } = this.ctx.config;
    const { clock, events } = this.ctx;
    if (this.#entries.get(endpoint) !== entry) return 'stop';
    const startedMs = clock.nowMs();
    const result = await this.#probe(endpoint, entry, loop, { path, timeoutMs });
    if (!this.ctx.running() || this.#entries.get(endpoint) !== entry) return 'stop';
    const ok = result.ok && result.latencyMs <= timeoutMs;
    const previous = entry.tracker.health;
    const changed = entry.tracker.record(ok);
    if (changed) {
      events.emit('controller', 'health', {
        target: endpoint,
        health: changed,
        previous,
        ...(result.reason ? { reason: result.reason } : {}),
      });
      this.ctx.onChange(endpoint);
    }
    return Math.max(0, startedMs + intervalMs - clock.nowMs());
  }

  async #probe(endpoint: string, entry: Entry, loop: string, request: { path: string; timeoutMs: number }): Promise<ProbeResult> {
    const startedMs = this.ctx.clock.nowMs();
    try {
      const result = await this.ctx.probe.probe(endpoint, request);
      entry.probeErrors = 0;
      return result;
    } catch (err) {
      const error = PortError.from(err, 'probe', 'probe');
      this.ctx.supervisor.report(error, loop, ++entry.probeErrors);
      return { ok: false, latencyMs: this.ctx.clock.nowMs() - startedMs, reason: error.code };
    }
  }
}
