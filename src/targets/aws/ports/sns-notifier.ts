import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { EventSink, Notification, Notifier } from '../../../controller/ports.js';
import { toPortError } from '../errors.js';

const PORT = 'notifier';
/** SNS Publish: a subject is printable ASCII without line breaks, shorter than 100 characters (SNS API Reference). */
const SUBJECT_MAX_CHARS = 99;

/** `notification` as an SNS subject: printable ASCII, at most {@link SUBJECT_MAX_CHARS} characters. */
export function subjectOf(notification: Notification): string {
  const text = `faildrill ${notification.severity}: ${notification.summary}`.replace(/[^\x20-\x7e]/g, '?');
  return text.length <= SUBJECT_MAX_CHARS ? text : `${text.slice(0, SUBJECT_MAX_CHARS - 3)}...`;
}

/**
 * A {@link Notifier} that publishes each notification to an SNS topic (seed 000's failover
 * notifications). `notify` is synchronous and never throws: it queues the message and the queue
 * publishes one at a time, in order. A publish that still fails after the SDK's retries is a
 * `notifier`/`notify.failed` event (with the PortError code and the SDK error's name), never a crash;
 * a delivered one is `notifier`/`notify.sent` with SNS's message id.
 */
export class SnsNotifier implements Notifier {
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly events: EventSink,
  ) {}

  notify(notification: Notification): void {
    this.#pending++;
    this.#queue = this.#queue.then(() => this.#publish(notification)).finally(() => this.#pending--);
  }

  /** Notifications queued and not yet published (or failed). */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once every queued notification has been published or has failed. */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #publish(notification: Notification): Promise<void> {
    const about = { topic: this.topicArn, severity: notification.severity, summary: notification.summary, ...(notification.failoverId ? { failoverId: notification.failoverId } : {}) };
    try {
      const answer = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subjectOf(notification),
          Message: JSON.stringify({ source: 'faildrill', ...notification }),
          MessageAttributes: { severity: { DataType: 'String', StringValue: notification.severity } },
        }),
      );
      this.events.emit(PORT, 'notify.sent', { ...about, messageId: answer.MessageId ?? '' });
    } catch (err) {
      const error = toPortError(err, PORT, 'notify');
      this.events.emit(PORT, 'notify.failed', { ...about, code: error.code, retryable: error.retryable, message: error.message });
    }
  }
}
