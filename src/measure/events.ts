import type { Clock, EventSink } from '../controller/ports.js';

export type EventDetail = Record<string, string | number | boolean>;

/** One entry of a run's event log. Times are milliseconds since the run started. */
export interface RunEvent {
  atMs: number;
  /** Which part of the system: `fault`, `controller`, `route53`, `dns`, `lb`, `server`, `run`, … */
  component: string;
  /** What happened: `injected`, `health`, `failover`, `route.changed`, … */
  type: string;
  detail: EventDetail;
}

/** The ordered event log of one run; also the controller's {@link EventSink}. */
export class EventLog implements EventSink {
  readonly events: RunEvent[] = [];
  readonly #listeners: Array<(event: RunEvent) => void> = [];

  constructor(private readonly clock: Pick<Clock, 'nowMs'>) {}

  emit(component: string, type: string, detail: EventDetail = {}): void {
    const event = { atMs: this.clock.nowMs(), component, type, detail };
    this.events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  /** Called for every event as it is appended (live progress, invariants). */
  subscribe(listener: (event: RunEvent) => void): void {
    this.#listeners.push(listener);
  }
}

/** Parses the comma-separated server list of a `route.changed` event's `fromServers`/`toServers`. */
export function serverList(value: string | number | boolean | undefined): string[] {
  return typeof value === 'string' && value !== '' ? value.split(',') : [];
}
