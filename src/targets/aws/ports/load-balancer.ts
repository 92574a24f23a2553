import {
  DescribeListenersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { PortError } from '../../../controller/port-error.js';
import type { LoadBalancerPort } from '../../../controller/ports.js';
import { portCall } from '../errors.js';
import { lookup, serverOfInstance, type PortResources } from './resources.js';

const PORT = 'loadBalancer';
const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';

/** The target group a listener's default `forward` action sends to: its `TargetGroupArn`, or the heaviest of its `ForwardConfig` groups. */
export function forwardedGroupArn(actions: readonly Action[]): string | undefined {
  const forward = actions.find((a) => a.Type === 'forward');
  if (!forward) return undefined;
  if (forward.TargetGroupArn) return forward.TargetGroupArn;
  const groups = [...(forward.ForwardConfig?.TargetGroups ?? [])].sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1));
  return groups[0]?.TargetGroupArn;
}

/**
 * The controller's load balancer port over ELBv2: `forwardTo` replaces the listener's default action
 * with a `forward` to the group (ModifyListener), `getForwardTarget` reads it back (DescribeListeners),
 * `drainMs` is the group's `deregistration_delay.timeout_seconds` (DescribeTargetGroupAttributes), and
 * `targets` the group's registered targets that are not draining (DescribeTargetHealth), as scenario
 * server ids where a server stands for the instance.
 */
export class ElbListenerPort implements LoadBalancerPort {
  constructor(
    private readonly elbv2: ElasticLoadBalancingV2Client,
    private readonly resources: PortResources,
  ) {}

  async forwardTo(loadBalancerId: string, targetGroupId: string): Promise<void> {
    const operation = 'forwardTo';
    const lb = this.#loadBalancer(loadBalancerId, operation);
    const arn = this.#groupArn(targetGroupId, operation);
    const answer = await portCall(PORT, operation, () =>
      this.elbv2.send(new ModifyListenerCommand({ ListenerArn: lb.listenerArn, DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] })),
    );
    const now = forwardedGroupArn(answer.Listeners?.[0]?.DefaultActions ?? []);
    if (now !== arn) throw new PortError('CONFLICT', PORT, operation, `ModifyListener answered that ${lb.listenerArn} forwards to ${now ?? 'nothing'}, not ${arn}`);
  }

  async getForwardTarget(loadBalancerId: string): Promise<string> {
    const operation = 'getForwardTarget';
    const lb = this.#loadBalancer(loadBalancerId, operation);
    const answer = await portCall(PORT, operation, () => this.elbv2.send(new DescribeListenersCommand({ ListenerArns: [lb.listenerArn] })));
    const arn = forwardedGroupArn(answer.Listeners?.[0]?.DefaultActions ?? []);
    if (arn === undefined) throw new PortError('INVALID', PORT, operation, `listener ${lb.listenerArn} has no forward action`);
    const group = Object.entries(lb.targetGroups).find(([, tg]) => tg.arn === arn)?.[0];
    if (group === undefined) throw new PortError('INVALID', PORT, operation, `listener ${lb.listenerArn} forwards to ${arn}, none of the scenario's target groups`);
    return group;
  }

  async drainMs(targetGroupId: string): Promise<number> {
    const operation = 'drainMs';
    const arn = this.#groupArn(targetGroupId, operation);
    const answer = await portCall(PORT, operation, () => this.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn })));
    const value = answer.Attributes?.find((a) => a.Key === DEREGISTRATION_DELAY)?.Value;
    const seconds = value === undefined ? NaN : Number(value);
    if (!Number.isFinite(seconds) || seconds < 0) throw new PortError('INVALID', PORT, operation, `target group ${arn} has no usable ${DEREGISTRATION_DELAY} (${value ?? 'absent'})`);
    return seconds * 1000;
  }

  async targets(targetGroupId: string): Promise<string[]> {
    const operation = 'targets';
    const arn = this.#groupArn(targetGroupId, operation);
    const answer = await portCall(PORT, operation, () => this.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
    return (answer.TargetHealthDescriptions ?? [])
      .filter((d) => d.Target?.Id !== undefined && d.TargetHealth?.State !== 'draining')
      .map((d) => serverOfInstance(this.resources, d.Target!.Id!));
  }

  #loadBalancer(loadBalancerId: string, operation: string) {
    const lb = this.resources.loadBalancer;
    return lookup(lb?.id === loadBalancerId ? lb : undefined, PORT, operation, `load balancer '${loadBalancerId}'`);
  }

  #groupArn(targetGroupId: string, operation: string): string {
    return lookup(this.resources.loadBalancer?.targetGroups[targetGroupId], PORT, operation, `target group '${targetGroupId}'`).arn;
  }
}
