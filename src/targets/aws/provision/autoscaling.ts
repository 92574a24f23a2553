import {
  AttachInstancesCommand,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  PutScalingPolicyCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { AutoscalingSpec } from '../../../scenario/schema.js';
import { required, type ProvisionContext } from './context.js';
import { INSTANCE_TYPE } from './instances.js';
import type { Network } from './network.js';
import type { AutoscalingResources, InstanceResource, LoadBalancerResources } from './resources.js';
import { resourceName, runTags } from './tags.js';
import { toSeconds } from './units.js';

/** Seed 000's `failover_scale_amount` default: instances the failover policy adds when the scenario sets no `scaleOnFailover`. */
const SEED_FAILOVER_SCALE_AMOUNT = 2;

/** MinSize, MaxSize and DesiredCapacity as the scenario's validation reads them (src/scenario/schema.ts). */
export function groupSize(spec: AutoscalingSpec): { min: number; max: number; desired: number } {
  const desired = spec.desired ?? spec.instances.length;
  return { min: spec.min ?? 0, max: spec.max ?? Math.max(desired, spec.instances.length), desired };
}

/**
 * A launch template and an Auto Scaling group across the instances' zones with the scenario's health
 * check type, grace period and cooldown, registered with its target group. The group is made empty and
 * the servers' instances are attached to it, so the group's instances are the scenario's servers; then
 * it gets its min and desired size. A step-scaling policy adds instances on failover (seed 000's
 * `<group>-failover-scale-up`; step policies take an instance warm-up, here the launch time, not a cooldown).
 */
export async function createAutoscaling(
  ctx: ProvisionContext,
  network: Network,
  spec: AutoscalingSpec,
  instances: Record<string, InstanceResource>,
  lb: LoadBalancerResources | undefined,
): Promise<AutoscalingResources> {
  const subject = `setup.autoscaling.${spec.id}`;
  const { autoscaling, ec2 } = ctx.clients;
  const launchTemplateName = resourceName(ctx.label.runId, `${spec.id}-template`, 128);
  const template = await ctx.call('ec2', 'CreateLaunchTemplate', subject, () =>
    ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: launchTemplateName,
        LaunchTemplateData: {
          ImageId: network.resources.imageId,
          InstanceType: INSTANCE_TYPE,
          TagSpecifications: [{ ResourceType: 'instance', Tags: runTags(ctx.label) }],
        },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: runTags(ctx.label, spec.id) }],
      }),
    ),
  );
  const launchTemplateId = required(template.LaunchTemplate?.LaunchTemplateId, 'launch template id');
  ctx.created('ec2:launch-template', launchTemplateId);

  const members = spec.instances.filter((id) => instances[id]);
  const subnets = [...new Set(members.map((id) => instances[id]!.subnetId))];
  if (subnets.length === 0) subnets.push(await network.subnetIn(network.zoneFor(undefined)));
  const size = groupSize(spec);
  const name = resourceName(ctx.label.runId, spec.id, 255);
  const targetGroupArn = spec.targetGroup ? lb?.targetGroups[spec.targetGroup]?.arn : undefined;
  await ctx.call('autoscaling', 'CreateAutoScalingGroup', subject, () =>
    autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
        MinSize: 0,
        MaxSize: size.max,
        DesiredCapacity: 0,
        VPCZoneIdentifier: subnets.join(','),
        HealthCheckType: spec.healthCheckType,
        HealthCheckGracePeriod: toSeconds(spec.healthCheckGracePeriodMs),
        DefaultCooldown: toSeconds(spec.cooldownMs),
        ...(targetGroupArn ? { TargetGroupARNs: [targetGroupArn] } : {}),
        Tags: runTags(ctx.label, spec.id).map((t) => ({ ...t, PropagateAtLaunch: true })),
      }),
    ),
  );
  ctx.created('autoscaling:group', name);
  if (members.length > 0) {
    await ctx.call('autoscaling', 'AttachInstances', subject, () =>
      autoscaling.send(new AttachInstancesCommand({ AutoScalingGroupName: name, InstanceIds: members.map((id) => instances[id]!.instanceId) })),
    );
  }
  await ctx.call('autoscaling', 'UpdateAutoScalingGroup', subject, () =>
    autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: size.min, MaxSize: size.max, DesiredCapacity: size.desired })),
  );
  const policyName = `${name}-failover-scale-up`;
  const policy = await ctx.call('autoscaling', 'PutScalingPolicy', subject, () =>
    autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: name,
        PolicyName: policyName,
        PolicyType: 'StepScaling',
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: spec.scaleOnFailover || SEED_FAILOVER_SCALE_AMOUNT }],
        EstimatedInstanceWarmup: toSeconds(spec.launchTimeMs),
      }),
    ),
  );
  // moto answers PutScalingPolicy without the PolicyARN; DescribePolicies has it
  const policyArn =
    policy.PolicyARN ??
    (
      await ctx.call('autoscaling', 'DescribePolicies', subject, () =>
        autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: name, PolicyNames: [policyName] })),
      )
    ).ScalingPolicies?.[0]?.PolicyARN;
  const described = await ctx.call('autoscaling', 'DescribeAutoScalingGroups', subject, () =>
    autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  return {
    id: spec.id,
    name,
    arn: required(described.AutoScalingGroups?.[0]?.AutoScalingGroupARN, 'Auto Scaling group ARN'),
    launchTemplateId,
    launchTemplateName,
    policyName,
    policyArn: required(policyArn, 'policy ARN'),
    instances: members,
    ...(spec.targetGroup ? { targetGroup: spec.targetGroup } : {}),
  };
}
