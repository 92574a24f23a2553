import { DescribeListenersCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { forwardedGroupArn } from '../ports/load-balancer.js';
import type { ListenerSource } from './load-balancer-proxy.js';

/**
 * A {@link ListenerSource} over ELBv2: the listener's default forward (DescribeListeners, the same
 * reading as the controller's port) as the scenario's target group id, found in `groupIdsByArn`.
 * Rejects when the listener forwards nowhere or to a group the scenario does not have.
 */
export function elbv2ListenerSource(elbv2: ElasticLoadBalancingV2Client, listenerArn: string, groupIdsByArn: ReadonlyMap<string, string>): ListenerSource {
  return {
    async forwardedGroup() {
      const answer = await elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
      const arn = forwardedGroupArn(answer.Listeners?.[0]?.DefaultActions ?? []);
      if (arn === undefined) throw new Error(`listener ${listenerArn} has no forward action`);
      const group = groupIdsByArn.get(arn);
      if (group === undefined) throw new Error(`listener ${listenerArn} forwards to ${arn}, none of the scenario's target groups`);
      return group;
    },
  };
}
