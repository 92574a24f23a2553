import type { Notification } from '../controller/ports.js';
import type { EventDetail } from '../measure/events.js';

/**
 * What every notifier sends for one notification: the controller's {@link Notification}, the scenario,
 * the wall time of the event and, for a failover status change, the `controller`/`failover` event's
 * detail (group, direction, from, to, type, status, reason). The webhook POSTs it as JSON; SNS
 * publishes it as the message; Alertmanager makes an alert of it. The aws target's SNS messages have
 * the same shape.
 */
export interface NotifyMessage extends Notification {
  source: 'faildrill';
  scenario: string;
  /** ISO wall-clock time of the notification (the moment of its event). */
  at: string;
  /** The `controller`/`failover` event this notification announces, when it is one. */
  detail?: EventDetail;
}

/** Whether `message` announces a failover status change (it carries the failover event's detail). */
export function isFailoverMessage(message: NotifyMessage): message is NotifyMessage & { failoverId: string; detail: EventDetail } {
  return message.failoverId !== undefined && message.detail !== undefined;
}
