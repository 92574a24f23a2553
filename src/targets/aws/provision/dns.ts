import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  type HealthCheckRegion,
} from '@aws-sdk/client-route-53';
import type { DnsSpec } from '../../../scenario/schema.js';
import { required, type ProvisionContext } from './context.js';
import { HTTP_PORT } from './load-balancer.js';
import type { DnsResources, FailoverRecordResource, InstanceResource, LoadBalancerResources } from './resources.js';
import { callerReference, runTags } from './tags.js';
import { toSeconds } from './units.js';

/** Route 53's checker regions in the order the API documents them (HealthCheckConfig.Regions: at least 3). */
const CHECKER_REGIONS: HealthCheckRegion[] = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

/** Where a DNS endpoint answers: a server's instance or the load balancer. */
type Endpoint = { kind: 'server'; instance: InstanceResource } | { kind: 'lb'; lb: LoadBalancerResources };

/** The zone that holds the record: the record name without its first label (`app.example.com` → `example.com`). */
export function zoneNameOf(record: string): string {
  const labels = record.replace(/\.$/, '').split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : labels.join('.');
}

/**
 * A hosted zone, one HTTP health check per endpoint (seed 000 makes both; Route 53 request interval 10
 * or 30 s, failure threshold and path from `setup.dns.healthCheck`) and PRIMARY/SECONDARY failover
 * record sets with the scenario's TTL; the primary's record carries its health check id, as in the seed.
 * Two servers give A records of their private IPs; the load balancer gives CNAMEs (its DNS name, a
 * server's private DNS name), so both records keep the TTL and one type.
 */
export async function createDns(
  ctx: ProvisionContext,
  spec: DnsSpec,
  instances: Record<string, InstanceResource>,
  lb: LoadBalancerResources | undefined,
): Promise<DnsResources> {
  const { route53 } = ctx.clients;
  const endpoint = (id: string): Endpoint => {
    if (lb && lb.id === id) return { kind: 'lb', lb };
    const instance = instances[id];
    if (!instance) throw new Error(`setup.dns: endpoint '${id}' has no instance`);
    return { kind: 'server', instance };
  };
  const primary = endpoint(spec.primary);
  const secondary = endpoint(spec.secondary);
  const recordType = primary.kind === 'lb' || secondary.kind === 'lb' ? 'CNAME' : 'A';
  const valueOf = (e: Endpoint) => (e.kind === 'lb' ? e.lb.dnsName : recordType === 'A' ? e.instance.privateIp : e.instance.privateDnsName);

  const zoneName = zoneNameOf(spec.record);
  const subject = `setup.dns.${spec.record}`;
  const zone = await ctx.call('route53', 'CreateHostedZone', subject, () =>
    route53.send(
      new CreateHostedZoneCommand({
        Name: zoneName,
        CallerReference: callerReference(ctx.label.runId, `zone-${spec.record}`),
        HostedZoneConfig: { Comment: `faildrill run ${ctx.label.runId} (${ctx.label.scenario})` },
      }),
    ),
  );
  const hostedZoneId = required(zone.HostedZone?.Id, 'hosted zone id').replace(/^\/hostedzone\//, '');
  ctx.created('route53:hosted-zone', hostedZoneId);
  await ctx.call('route53', 'ChangeTagsForResource', subject, () =>
    route53.send(new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: hostedZoneId, AddTags: runTags(ctx.label, zoneName) })),
  );

  const healthChecks: Record<string, string> = {};
  for (const [id, e] of [
    [spec.primary, primary],
    [spec.secondary, secondary],
  ] as const) {
    const hcSubject = `setup.dns.healthCheck (${id})`;
    const check = await ctx.call('route53', 'CreateHealthCheck', hcSubject, () =>
      route53.send(
        new CreateHealthCheckCommand({
          CallerReference: callerReference(ctx.label.runId, `hc-${spec.record}-${id}`),
          HealthCheckConfig: {
            Type: 'HTTP',
            ...(e.kind === 'lb' ? { FullyQualifiedDomainName: e.lb.dnsName } : { IPAddress: e.instance.privateIp }),
            Port: HTTP_PORT,
            ResourcePath: spec.healthCheck.path,
            RequestInterval: toSeconds(spec.healthCheck.intervalMs),
            FailureThreshold: spec.healthCheck.failureThreshold,
            Regions: CHECKER_REGIONS.slice(0, spec.healthCheck.regions),
          },
        }),
      ),
    );
    const healthCheckId = required(check.HealthCheck?.Id, 'health check id');
    ctx.created('route53:health-check', healthCheckId);
    await ctx.call('route53', 'ChangeTagsForResource', hcSubject, () =>
      route53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: healthCheckId, AddTags: runTags(ctx.label, `${spec.record} ${id}`) })),
    );
    healthChecks[id] = healthCheckId;
  }

  const ttlSec = toSeconds(spec.ttlMs);
  const records: [FailoverRecordResource, FailoverRecordResource] = [
    { endpoint: spec.primary, setIdentifier: 'primary', failover: 'PRIMARY', value: valueOf(primary), healthCheckId: healthChecks[spec.primary] },
    { endpoint: spec.secondary, setIdentifier: 'secondary', failover: 'SECONDARY', value: valueOf(secondary) },
  ];
  const recordName = `${spec.record.replace(/\.$/, '')}.`;
  await ctx.call('route53', 'ChangeResourceRecordSets', subject, () =>
    route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: {
          Comment: `faildrill run ${ctx.label.runId}: failover records`,
          Changes: records.map((r) => ({
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: recordName,
              Type: recordType,
              SetIdentifier: r.setIdentifier,
              Failover: r.failover,
              TTL: ttlSec,
              ResourceRecords: [{ Value: r.value }],
              ...(r.healthCheckId ? { HealthCheckId: r.healthCheckId } : {}),
            },
          })),
        },
      }),
    ),
  );
  return { hostedZoneId, zoneName, recordName, recordType, ttlSec, primary: records[0], secondary: records[1], healthChecks };
}
