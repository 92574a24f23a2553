import { performance } from 'node:perf_hooks';
import type { Notification, Notifier } from '../controller/ports.js';
import type { EventDetail, EventLog } from '../measure/events.js';
import type { NotifyChannel } from './channel.js';
import { reasonOf } from './http.js';
import type { NotifyMessage } from './message.js';

/** The bound: a delivery that takes longer is abandoned (and is a `notify`/`error` event). */
export const DELIVERY_TIMEOUT_MS = 2_000;

export interface FanOutOptions {
  events: EventLog;
  scenario: string;
  channels: readonly NotifyChannel[];
  /** Gets every notification first, synchronously (the event log's `notifier`/`notification`). */
  log: Notifier;
  /** Per delivery, at most {@link DELIVERY_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Emitted once at {@link FanOutNotifier.start} (why nothing is delivered on this target). */
  note?: string;
}

interface Queue {
  channel: NotifyChannel;
  tail: Promise<void>;
  pending: number;
}

/**
 * The run's {@link Notifier}: every notification goes to the event log at once, then to each channel
 * (webhook, Alertmanager, SNS) in the background — one delivery at a time per channel, in order, each
 * bounded by a timeout. It never throws and never fails the drill: a delivery is a `notify`/`delivered`
 * event with its latency, a failure a `notify`/`error` event with the reason. A failover status change's
 * message carries the `controller`/`failover` event's detail, which the controller emits right before
 * it notifies.
 */
export class FanOutNotifier implements Notifier, AsyncDisposable {
  readonly #queues: Queue[];
  readonly #timeoutMs: number;
  /** The last `controller`/`failover` event not yet paired with its notification. */
  #failover?: EventDetail;
  #closed = false;
  /** Set once a flush gave up: deliveries that end later say nothing (the log is closed). */
  #muted = false;
  /** Aborts deliveries in flight once the run no longer waits for them. */
  readonly #abandon = new AbortController();

  constructor(private readonly options: FanOutOptions) {
    this.#queues = options.channels.map((channel) => ({ channel, tail: Promise.resolve(), pending: 0 }));
    this.#timeoutMs = Math.min(options.timeoutMs ?? DELIVERY_TIMEOUT_MS, DELIVERY_TIMEOUT_MS);
    options.events.subscribe((event) => {
      if (event.component === 'controller' && event.type === 'failover') this.#failover = event.detail;
    });
  }

  get channels(): readonly NotifyChannel[] {
    return this.#queues.map((q) => q.channel);
  }

  /** Deliveries queued and not yet done. */
  get pending(): number {
    return this.#queues.reduce((n, q) => n + q.pending, 0);
  }

  /** Emits which notifiers the run delivers to (or the note saying why none): call after the run's start. */
  start(): void {
    const { events, note } = this.options;
    if (note) events.emit('notify', 'note', { message: note });
    if (this.#queues.length > 0) events.emit('notify', 'channels', { notifiers: this.#queues.map((q) => q.channel.name).join(',') });
  }

  notify(notification: Notification): void {
    this.options.log.notify(notification);
    const failover = this.#failover;
    this.#failover = undefined;
    if (this.#closed || this.#queues.length === 0) return;
    const message: NotifyMessage = {
      source: 'faildrill',
      scenario: this.options.scenario,
      ...notification,
      at: new Date().toISOString(),
      ...(failover && failover.failoverId === notification.failoverId ? { detail: failover } : {}),
    };
    const queuedAt = performance.now();
    for (const queue of this.#queues) {
      queue.pending++;
      queue.tail = queue.tail.then(() => this.#deliver(queue.channel, message, queuedAt)).finally(() => queue.pending--);
    }
  }

  async #deliver(channel: NotifyChannel, message: NotifyMessage, queuedAt: number): Promise<void> {
    if (this.#muted) return;
    const about = { notifier: channel.name, ...(message.failoverId ? { failoverId: message.failoverId } : {}) };
    try {
      const taken = await channel.deliver(message, AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#abandon.signal]));
      if (taken && !this.#muted) this.options.events.emit('notify', 'delivered', { ...about, latencyMs: Math.round(performance.now() - queuedAt), summary: message.summary });
    } catch (err) {
      if (!this.#muted) this.options.events.emit('notify', 'error', { ...about, message: reasonOf(err), summary: message.summary });
    }
  }

  /**
   * Waits (at most `timeoutMs`) for every queued delivery; what is still queued then is a
   * `notify`/`error` event per notifier, and those deliveries are abandoned. Later notifications are dropped.
   */
  async flush(timeoutMs: number): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const done = Promise.all(this.#queues.map((q) => q.tail)).then(() => true);
    const finished = await Promise.race([done, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    if (finished) return;
    this.#muted = true;
    this.#abandon.abort();
    for (const q of this.#queues) {
      if (q.pending > 0) this.options.events.emit('notify', 'error', { notifier: q.channel.name, message: `${q.pending} notification(s) not delivered within ${timeoutMs} ms of the run's end` });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    this.#muted = true;
    this.#abandon.abort();
    for (const q of this.#queues) q.channel.close?.();
  }
}
