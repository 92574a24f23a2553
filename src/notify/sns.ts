import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { NotifySpec } from '../scenario/notify-schema.js';
import { awsClients, EMULATOR_CREDENTIALS } from '../targets/aws/clients.js';
import { isLoopbackEndpoint } from '../targets/aws/guard.js';
import { subjectOf } from '../targets/aws/ports/sns-notifier.js';
import type { ChannelContext, NotifyChannel } from './channel.js';
import type { NotifyMessage } from './message.js';

/** Attempts per Publish: the fan-out's delivery timeout bounds them anyway. */
const MAX_ATTEMPTS = 2;

/**
 * An SNS topic: every notification is published (subject and severity attribute as the aws target's
 * {@link subjectOf} makes them, the {@link NotifyMessage} as JSON). The aws session supplies one on its
 * run's topic with its own client; elsewhere {@link snsChannelOf} builds one from the scenario entry.
 */
export class SnsChannel implements NotifyChannel {
  constructor(
    readonly name: string,
    private readonly sns: SNSClient,
    readonly topicArn: string,
    private readonly onClose?: () => void,
  ) {}

  async deliver(message: NotifyMessage, signal: AbortSignal): Promise<boolean> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subjectOf(message),
        Message: JSON.stringify(message),
        MessageAttributes: { severity: { DataType: 'String', StringValue: message.severity } },
      }),
      { abortSignal: signal },
    );
    return true;
  }

  close(): void {
    this.onClose?.();
  }
}

/** The region of a topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export function regionOfArn(topicArn: string): string {
  return topicArn.split(':')[3]!;
}

/**
 * An SNS channel from a `notify:` entry with `topicArn` (the schema and the capability check make sure
 * it has one here): an emulator on a loopback `endpoint` gets static test credentials; AWS itself, the
 * SDK's credential chain (the ARN names the account, so the topic is the user's explicit choice).
 */
export function snsChannelOf(spec: NotifySpec, context: ChannelContext): SnsChannel {
  const topicArn = spec.topicArn!;
  const clients = awsClients({
    region: spec.region ?? regionOfArn(topicArn),
    maxAttempts: MAX_ATTEMPTS,
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    ...(spec.endpoint && isLoopbackEndpoint(spec.endpoint) ? { credentials: EMULATOR_CREDENTIALS } : {}),
  });
  return new SnsChannel(context.name, clients.sns, topicArn, () => clients.destroy());
}
