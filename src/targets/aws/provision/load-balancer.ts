import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerSpec, TargetGroupSpec } from '../../../scenario/schema.js';
import { required, type ProvisionContext } from './context.js';
import type { Network } from './network.js';
import type { InstanceResource, LoadBalancerResources, TargetGroupResource } from './resources.js';
import { resourceName, runTags } from './tags.js';
import { toSeconds } from './units.js';

/** The port the servers answer on and the listener listens on. */
export const HTTP_PORT = 80;
/** A healthy answer (seed 000's `expected_status`). */
const HEALTHY_HTTP_CODE = '200';
/** CloudWatch's LoadBalancer dimension is the load balancer ARN after this (`app/<name>/<id>`); TargetGroup's starts at `targetgroup/`. */
const LB_MARKER = 'loadbalancer/';

/** The group the listener forwards to at the start: the lowest priority number (then the first written). */
export function primaryGroup(spec: LoadBalancerSpec): TargetGroupSpec {
  return spec.targetGroups.reduce((best, tg) => (tg.priority < best.priority ? tg : best));
}

/**
 * Target groups with the scenario's health check settings (seed 000's `modify_target_group`: HTTP,
 * path, interval, timeout, healthy and unhealthy thresholds) and deregistration delay, their targets
 * registered; an application load balancer across the targets' zones and an HTTP listener forwarding
 * to the primary group.
 */
export async function createLoadBalancing(
  ctx: ProvisionContext,
  network: Network,
  spec: LoadBalancerSpec,
  instances: Record<string, InstanceResource>,
): Promise<LoadBalancerResources> {
  const { elbv2 } = ctx.clients;
  const targetGroups: Record<string, TargetGroupResource> = {};
  for (const tg of spec.targetGroups) {
    const subject = `setup.loadBalancer.targetGroups.${tg.id}`;
    const name = resourceName(ctx.label.runId, tg.id);
    const created = await ctx.call('elbv2', 'CreateTargetGroup', subject, () =>
      elbv2.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'HTTP',
          Port: HTTP_PORT,
          VpcId: network.resources.vpcId,
          TargetType: 'instance',
          HealthCheckEnabled: true,
          HealthCheckProtocol: 'HTTP',
          HealthCheckPort: 'traffic-port',
          HealthCheckPath: tg.healthCheck.path,
          HealthCheckIntervalSeconds: toSeconds(tg.healthCheck.intervalMs),
          HealthCheckTimeoutSeconds: toSeconds(tg.healthCheck.timeoutMs),
          HealthyThresholdCount: tg.healthCheck.healthyThreshold,
          UnhealthyThresholdCount: tg.healthCheck.unhealthyThreshold,
          Matcher: { HttpCode: HEALTHY_HTTP_CODE },
          Tags: runTags(ctx.label, tg.id),
        }),
      ),
    );
    const arn = required(created.TargetGroups?.[0]?.TargetGroupArn, 'target group ARN');
    ctx.created('elbv2:target-group', arn);
    await ctx.call('elbv2', 'ModifyTargetGroupAttributes', subject, () =>
      elbv2.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(toSeconds(tg.deregistrationDelayMs)) }],
        }),
      ),
    );
    const targets = tg.targets.filter((id) => instances[id]);
    if (targets.length > 0) {
      await ctx.call('elbv2', 'RegisterTargets', subject, () =>
        elbv2.send(
          new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets.map((id) => ({ Id: instances[id]!.instanceId, Port: HTTP_PORT })) }),
        ),
      );
    }
    targetGroups[tg.id] = { arn, name, priority: tg.priority, targets, dimension: arn.slice(arn.indexOf('targetgroup/')) };
  }

  const subject = `setup.loadBalancer.${spec.id}`;
  const zones = spec.targetGroups.flatMap((tg) => tg.targets.flatMap((id) => (instances[id] ? [instances[id].zone] : [])));
  const subnets = await network.subnetsAcross(zones, 2);
  const name = resourceName(ctx.label.runId, spec.id);
  const lbCreated = await ctx.call('elbv2', 'CreateLoadBalancer', subject, () =>
    elbv2.send(
      new CreateLoadBalancerCommand({ Name: name, Type: 'application', Scheme: 'internal', Subnets: subnets, Tags: runTags(ctx.label, spec.id) }),
    ),
  );
  const lb = required(lbCreated.LoadBalancers?.[0], 'load balancer');
  const arn = required(lb.LoadBalancerArn, 'load balancer ARN');
  ctx.created('elbv2:load-balancer', arn);
  const primary = primaryGroup(spec);
  const listener = await ctx.call('elbv2', 'CreateListener', subject, () =>
    elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: arn,
        Protocol: 'HTTP',
        Port: HTTP_PORT,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroups[primary.id]!.arn }],
        Tags: runTags(ctx.label, `${spec.id} listener`),
      }),
    ),
  );
  return {
    id: spec.id,
    arn,
    name,
    dnsName: required(lb.DNSName, 'load balancer DNS name'),
    canonicalHostedZoneId: required(lb.CanonicalHostedZoneId, 'load balancer hosted zone id'),
    dimension: arn.slice(arn.indexOf(LB_MARKER) + LB_MARKER.length),
    listenerArn: required(listener.Listeners?.[0]?.ListenerArn, 'listener ARN'),
    primaryTargetGroup: primary.id,
    targetGroups,
  };
}
