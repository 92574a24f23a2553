import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { InstanceState, InstanceStateSource } from './instance-servers.js';

const STATES: readonly InstanceState[] = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'];

/**
 * The instance servers' {@link InstanceStateSource} over EC2: one DescribeInstances for the given
 * instances per poll (every page). An instance EC2 no longer lists is gone; a state this code does
 * not know counts as not running. SDK errors reject (the instance servers report them and poll again).
 */
export function ec2InstanceStates(ec2: EC2Client, instanceIds: readonly string[]): InstanceStateSource {
  return {
    async states() {
      const states = new Map<string, InstanceState>();
      if (instanceIds.length === 0) return states;
      let nextToken: string | undefined;
      do {
        const page = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...instanceIds], ...(nextToken ? { NextToken: nextToken } : {}) }));
        for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
          const name = instance.State?.Name as InstanceState | undefined;
          if (instance.InstanceId && name) states.set(instance.InstanceId, STATES.includes(name) ? name : 'stopped');
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return states;
    },
  };
}
