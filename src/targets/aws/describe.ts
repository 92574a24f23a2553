import type { TargetPlan } from '../../run/plan.js';
import type { TargetSettings } from '../../run/target.js';
import type { Scenario } from '../../scenario/schema.js';
import { describeAwsFault, placeholderResources } from './faults/describe.js';
import { isLoopbackEndpoint } from './guard.js';
import { instanceServers } from './provision/provision.js';

/** Where a run with these settings would send its calls, and whether an emulator answers them. */
function endpointOf(settings: TargetSettings): { text: string; emulated: boolean } {
  if (settings.endpoint !== undefined)
    return isLoopbackEndpoint(settings.endpoint)
      ? { text: `the emulator at ${settings.endpoint}`, emulated: true }
      : { text: `AWS at ${settings.endpoint} (only with --allow-account matching STS GetCallerIdentity)`, emulated: false };
  if (settings.aws === 'account') return { text: "the real account of the SDK's credential chain (only with --allow-account matching STS GetCallerIdentity)", emulated: false };
  if (settings.aws === 'localstack') return { text: 'LocalStack started by faildrill on 127.0.0.1 (moto for ELBv2, RDS, Auto Scaling, FIS)', emulated: true };
  return { text: 'a moto server started by faildrill on a free 127.0.0.1 port', emulated: true };
}

/**
 * An aws run's plan without a single call (`run --dry-run`): the endpoint, what provisioning creates,
 * and for each fault the SDK calls {@link injectAwsFault} makes, from the same input builders, with
 * placeholders for ids the API hands out.
 */
export function describeAws(scenario: Scenario, settings: TargetSettings = {}): TargetPlan {
  const endpoint = endpointOf(settings);
  const region = settings.region ?? 'us-east-1';
  const s = scenario.setup;
  const servers = [...instanceServers(scenario)];
  const setup = [
    `endpoint: ${endpoint.text}, region ${region}; every resource tagged faildrill:run-id and deleted at the end`,
    'sts GetCallerIdentity; sns CreateTopic (the run topic)',
    `ec2 CreateVpc, CreateSubnet per zone, RunInstances for ${servers.join(', ') || 'no server'}`,
    ...(s.loadBalancer ? [`elbv2 CreateLoadBalancer ${s.loadBalancer.id}, CreateTargetGroup ${s.loadBalancer.targetGroups.map((g) => g.id).join(', ')}, RegisterTargets, CreateListener`] : []),
    ...(s.dns ? [`route53 CreateHostedZone, CreateHealthCheck, ChangeResourceRecordSets (PRIMARY/SECONDARY failover records of ${s.dns.record})`] : []),
    ...(s.database ? [`rds ${s.database.engine}: ${s.database.id} with ${s.database.primary} and ${s.database.standby}`] : []),
    ...(s.autoscaling ? [`autoscaling CreateLaunchConfiguration/CreateAutoScalingGroup ${s.autoscaling.id}`] : []),
    'cloudwatch PutMetricAlarm per target group and Route 53 health check, actions to the run topic',
    'data plane on loopback: a server per instance, health checks, the DNS server and listener faildrill evaluates where the emulator does not',
    ...(scenario.abort?.alarms.length ? [`cloudwatch DescribeAlarms ${JSON.stringify({ AlarmNames: scenario.abort.alarms })} every 2 s (stop conditions)`] : []),
  ];
  const resources = placeholderResources(scenario.name, servers, s.database ? { id: s.database.id, standby: s.database.standby } : undefined, region);
  return {
    setup,
    fault: (fault) =>
      fault.action === 'service-stop'
        ? { apply: [`faildrill stops the store of database member ${fault.target} (a loopback server)`], undo: [`faildrill starts it again`] }
        : describeAwsFault(fault, resources, endpoint.emulated),
    notes: [
      "<…> stands for an id the API hands out during the run",
      endpoint.emulated ? 'on an emulator FIS runs no action: faildrill makes the effecting calls itself (listed after StartExperiment)' : 'on a real account FIS runs each action; faildrill starts and stops the experiment',
    ],
  };
}
