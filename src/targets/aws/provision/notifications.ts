import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { required, type ProvisionContext } from './context.js';
import { resourceName, runTags } from './tags.js';

/** The SNS topic for failover notifications (seed 000's `failover-notifications`), one per run. */
export async function createTopic(ctx: ProvisionContext): Promise<{ name: string; arn: string }> {
  const name = resourceName(ctx.label.runId, 'failover-notifications', 256);
  const made = await ctx.call('sns', 'CreateTopic', 'notifications (SNS topic)', () =>
    ctx.clients.sns.send(new CreateTopicCommand({ Name: name, Tags: runTags(ctx.label, 'failover notifications') })),
  );
  const arn = required(made.TopicArn, 'topic ARN');
  ctx.created('sns:topic', arn);
  return { name, arn };
}
