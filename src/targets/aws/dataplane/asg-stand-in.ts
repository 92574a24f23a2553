import { SetInstanceHealthCommand, TerminateInstanceInAutoScalingGroupCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * What faildrill does on an emulator where AWS's Auto Scaling would act by itself (design.md §8,
 * checked on moto 5.2.5): an instance the group launches after an EC2 terminate is not registered
 * with the group's target group; `SetInstanceHealth Unhealthy` replaces nothing; an instance
 * terminated through the group stays registered. Each method says whether it made a call.
 */
export interface AsgStandIn {
  /** Registers `instanceId` with the group's target group unless it is registered already; true when faildrill registered it. */
  register(instanceId: string): Promise<boolean>;
  /**
   * The group's health replacement: SetInstanceHealth Unhealthy, then TerminateInstanceInAutoScalingGroup
   * keeping the desired capacity (the group launches a replacement), then the target deregistered when
   * the emulator left it registered. The calls made, in order.
   */
  replace(instanceId: string): Promise<string[]>;
}

export interface AsgStandInOptions {
  autoscaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  /** The group's target group (`setup.autoscaling.targetGroup`); none: nothing to register. */
  targetGroupArn?: string;
}

/** The {@link AsgStandIn} over Auto Scaling and ELBv2. SDK errors reject. */
export function asgStandIn({ autoscaling, elbv2, targetGroupArn }: AsgStandInOptions): AsgStandIn {
  const registered = async (instanceId: string) => {
    if (!targetGroupArn) return false;
    const answer = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (answer.TargetHealthDescriptions ?? []).some((d) => d.Target?.Id === instanceId && d.TargetHealth?.State !== 'draining');
  };
  return {
    async register(instanceId) {
      if (!targetGroupArn || (await registered(instanceId))) return false;
      await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: instanceId }] }));
      return true;
    },
    async replace(instanceId) {
      const calls = ['SetInstanceHealth', 'TerminateInstanceInAutoScalingGroup'];
      await autoscaling.send(new SetInstanceHealthCommand({ InstanceId: instanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }));
      await autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
      if (targetGroupArn && (await registered(instanceId))) {
        await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: instanceId }] }));
        calls.push('DeregisterTargets');
      }
      return calls;
    },
  };
}
