import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RegisteredTarget, TargetSource } from './target-group-checker.js';

/**
 * A {@link TargetSource} over ELBv2: the group's registered targets from one DescribeTargetHealth per
 * poll; a target whose state is `draining` is reported draining, `unused` ones (moto: a stopped
 * instance) are still registered (faildrill's checks decide their health). `serverOf` names the
 * scenario's server for an instance id. SDK errors reject (the checker reports them and polls again).
 */
export function elbv2TargetSource(elbv2: ElasticLoadBalancingV2Client, targetGroupArn: string, serverOf: (instanceId: string) => string): TargetSource {
  return {
    async registered() {
      const answer = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      const targets: RegisteredTarget[] = [];
      for (const d of answer.TargetHealthDescriptions ?? []) {
        const instanceId = d.Target?.Id;
        if (!instanceId) continue;
        targets.push({ instanceId, serverId: serverOf(instanceId), ...(d.TargetHealth?.State === 'draining' ? { draining: true } : {}) });
      }
      return targets;
    },
  };
}
