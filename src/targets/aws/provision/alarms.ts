import { DescribeAlarmsCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { required, type ProvisionContext } from './context.js';
import type { AlarmResource, DnsResources, LoadBalancerResources } from './resources.js';
import { resourceName, runTags } from './tags.js';

/**
 * One-minute periods, one period to alarm: ELB and Route 53 publish these metrics every 60 s, and a
 * drill lasts minutes (seed 000's 300 s × 2 would alarm after the drill is over).
 */
const PERIOD_SEC = 60;
const EVALUATION_PERIODS = 1;

/**
 * Alarms whose action is the failover topic: per target group, seed 000's UnHealthyHostCount > 0
 * (AWS/ApplicationELB, Average, by TargetGroup and LoadBalancer); per Route 53 health check on a DNS
 * endpoint, HealthCheckStatus < 1 (AWS/Route53, Minimum, by HealthCheckId).
 */
export async function createAlarms(
  ctx: ProvisionContext,
  topicArn: string,
  lb: LoadBalancerResources | undefined,
  dns: DnsResources | undefined,
): Promise<AlarmResource[]> {
  const alarms: AlarmResource[] = [];
  const common = {
    Period: PERIOD_SEC,
    EvaluationPeriods: EVALUATION_PERIODS,
    ActionsEnabled: true,
    AlarmActions: [topicArn],
    TreatMissingData: 'notBreaching',
  } satisfies Partial<PutMetricAlarmCommandInput>;
  const put = async (watches: string, subject: string, input: Omit<PutMetricAlarmCommandInput, keyof typeof common | 'AlarmName'>) => {
    const name = resourceName(ctx.label.runId, watches.replace(':', '-'), 255);
    await ctx.call('cloudwatch', 'PutMetricAlarm', subject, () =>
      ctx.clients.cloudwatch.send(new PutMetricAlarmCommand({ ...common, ...input, AlarmName: name, Tags: runTags(ctx.label, watches) })),
    );
    ctx.created('cloudwatch:alarm', name);
    const described = await ctx.call('cloudwatch', 'DescribeAlarms', subject, () =>
      ctx.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] })),
    );
    alarms.push({ name, arn: required(described.MetricAlarms?.[0]?.AlarmArn, 'alarm ARN'), watches });
  };
  for (const [id, tg] of Object.entries(lb?.targetGroups ?? {})) {
    await put(`targetGroup:${id}`, `setup.loadBalancer.targetGroups.${id} (alarm)`, {
      AlarmDescription: `faildrill: target group ${id} has unhealthy targets`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Dimensions: [
        { Name: 'TargetGroup', Value: tg.dimension },
        { Name: 'LoadBalancer', Value: lb!.dimension },
      ],
      Statistic: 'Average',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  }
  for (const [endpoint, healthCheckId] of Object.entries(dns?.healthChecks ?? {})) {
    await put(`healthCheck:${endpoint}`, `setup.dns.healthCheck (${endpoint} alarm)`, {
      AlarmDescription: `faildrill: Route 53 health check of ${endpoint} is failing`,
      Namespace: 'AWS/Route53',
      MetricName: 'HealthCheckStatus',
      Dimensions: [{ Name: 'HealthCheckId', Value: healthCheckId }],
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    });
  }
  return alarms;
}
