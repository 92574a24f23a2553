import type { Clock, EventSink, FailoverMember, Notification } from './ports.js';
import type { FailoverEvent, FailoverGroupSpec, FailoverStatus, FailoverType } from './types.js';

const other = (m: FailoverMember): FailoverMember => (m === 'primary' ? 'secondary' : 'primary');

/** What a {@link FailoverLog} publishes to. */
export interface FailoverLogContext {
  clock: Clock;
  events: EventSink;
  notify(notification: Notification): void;
}

/**
 * The history of failover events: opens them with the next id, moves them through their statuses,
 * and publishes every status as a `controller`/`failover` event and a notification.
 */
export class FailoverLog {
  readonly history: FailoverEvent[] = [];
  #sequence = 0;

  constructor(private readonly ctx: FailoverLogContext) {}

  /** A new `pending` event of `group` switching to `to`. */
  open(group: FailoverGroupSpec, to: FailoverMember, type: FailoverType, reason: string): FailoverEvent {
    const event: FailoverEvent = {
      failoverId: `fo-${++this.#sequence}`,
      groupId: group.id,
      layer: group.layer,
      from: other(to),
      to,
      direction: to === 'secondary' ? 'failover' : 'failback',
      type,
      status: 'pending',
      reason,
      startMs: this.ctx.clock.nowMs(),
    };
    this.history.push(event);
    this.#publish(event);
    return event;
  }

  transition(event: FailoverEvent, status: FailoverStatus): void {
    event.status = status;
    this.#publish(event);
  }

  /** Ends `event` with `status`, appending `reason` to its reason. */
  close(event: FailoverEvent, status: FailoverStatus, reason?: string): void {
    event.endMs = this.ctx.clock.nowMs();
    if (reason) event.reason = `${event.reason}; ${reason}`;
    this.transition(event, status);
  }

  #publish(event: FailoverEvent): void {
    const { events, clock } = this.ctx;
    events.emit('controller', 'failover', {
      failoverId: event.failoverId,
      group: event.groupId,
      layer: event.layer,
      direction: event.direction,
      from: event.from,
      to: event.to,
      type: event.type,
      status: event.status,
      reason: event.reason,
    });
    this.ctx.notify({
      atMs: clock.nowMs(),
      severity: event.status === 'failed' ? 'critical' : event.direction === 'failover' && event.type !== 'planned' ? 'warning' : 'info',
      summary: `${event.groupId}: ${event.direction} ${event.from} → ${event.to} (${event.type}) ${event.status}: ${event.reason}`,
      failoverId: event.failoverId,
    });
  }
}
