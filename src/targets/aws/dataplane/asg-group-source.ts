import { DescribeAutoScalingGroupsCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';

/** One instance of the group as Auto Scaling lists it. */
export interface AsgMember {
  instanceId: string;
  /** `LifecycleState`: `Pending`, `InService`, `Terminating`, `Terminated`, `Pending:Wait`, … */
  lifecycle: string;
  /** `HealthStatus`: `Healthy` or `Unhealthy`. */
  health: string;
}

/** The group as one DescribeAutoScalingGroups call sees it. */
export interface AsgSnapshot {
  desired: number;
  members: AsgMember[];
}

/** Where the ASG plane reads its group (Auto Scaling, or a test's stand-in). Rejects when the group cannot be read. */
export interface AsgGroupSource {
  read(): Promise<AsgSnapshot>;
}

/** An {@link AsgGroupSource} over Auto Scaling: one DescribeAutoScalingGroups of the group by name per read. */
export function autoScalingGroupSource(autoscaling: AutoScalingClient, groupName: string): AsgGroupSource {
  return {
    async read() {
      const answer = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }));
      const group = answer.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName);
      if (!group) throw new Error(`Auto Scaling has no group named ${groupName}`);
      return {
        desired: group.DesiredCapacity ?? 0,
        members: (group.Instances ?? []).flatMap((i) =>
          i.InstanceId ? [{ instanceId: i.InstanceId, lifecycle: String(i.LifecycleState ?? 'InService'), health: i.HealthStatus ?? 'Healthy' }] : [],
        ),
      };
    },
  };
}
