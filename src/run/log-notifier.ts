import type { Notification, Notifier } from '../controller/ports.js';
import type { EventLog } from '../measure/events.js';

/** Notifier that writes every notification into the run's event log (and so to the console and reports). */
export class LogNotifier implements Notifier {
  readonly sent: Notification[] = [];

  constructor(private readonly events: EventLog) {}

  notify(notification: Notification): void {
    this.sent.push(notification);
    this.events.emit('notifier', 'notification', {
      severity: notification.severity,
      summary: notification.summary,
      ...(notification.failoverId ? { failoverId: notification.failoverId } : {}),
    });
  }
}
