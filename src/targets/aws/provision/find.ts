import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, ListTagsForResourceCommand as ListAlarmTagsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListExperimentsCommand, ListExperimentTemplatesCommand } from '@aws-sdk/client-fis';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, ListTagsForResourceCommand as ListRdsTagsCommand } from '@aws-sdk/client-rds';
import { ListHealthChecksCommand, ListHostedZonesCommand, ListTagsForResourcesCommand, type TagResourceType } from '@aws-sdk/client-route-53';
import { ListTagsForResourceCommand as ListTopicTagsCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import type { AwsClients, AwsService } from '../clients.js';
import type { TaggedResource } from './resources.js';
import { RUN_ID_TAG, runIdOf, taggedFor } from './tags.js';

/** A service whose tagged resources could not be listed, with the service's error name. */
export interface FindFailure {
  service: AwsService;
  errorName: string;
  message: string;
}

/** Everything found with the run-id tag, in creation-like order (sources before replicas), and the services that could not be searched. */
export interface FindResult {
  resources: TaggedResource[];
  failures: FindFailure[];
}

type Tags = Array<{ Key?: string; Value?: string }> | undefined;
type Finder = (clients: AwsClients, runId: string | undefined) => Promise<TaggedResource[]>;

const ELBV2_TAGS_PER_CALL = 20;
const ROUTE53_TAGS_PER_CALL = 10;
/** EC2 states of instances still to terminate. */
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Pages through a paginated list call: `page(token)` returns the items and the next token. */
async function all<T>(page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const result = await page(token);
    out.push(...(result.items ?? []));
    token = result.next;
  } while (token);
  return out;
}

const ec2TagFilter = (runId: string | undefined): Filter =>
  runId === undefined ? { Name: 'tag-key', Values: [RUN_ID_TAG] } : { Name: `tag:${RUN_ID_TAG}`, Values: [runId] };

const found = (kind: TaggedResource['kind'], id: string | undefined, tags: Tags): TaggedResource[] => {
  const runId = runIdOf(tags);
  return id ? [{ kind, id, ...(runId !== undefined ? { runId } : {}) }] : [];
};

const FINDERS: Record<AwsService, Finder | undefined> = {
  ec2: async ({ ec2 }, runId) => {
    const filter = ec2TagFilter(runId);
    const vpcs = await all((NextToken) => ec2.send(new DescribeVpcsCommand({ Filters: [filter], NextToken })).then((r) => ({ items: r.Vpcs, next: r.NextToken })));
    const subnets = await all((NextToken) =>
      ec2.send(new DescribeSubnetsCommand({ Filters: [filter], NextToken })).then((r) => ({ items: r.Subnets, next: r.NextToken })),
    );
    const reservations = await all((NextToken) =>
      ec2
        .send(new DescribeInstancesCommand({ Filters: [filter, { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }], NextToken }))
        .then((r) => ({ items: r.Reservations, next: r.NextToken })),
    );
    const acls = await all((NextToken) =>
      ec2.send(new DescribeNetworkAclsCommand({ Filters: [filter], NextToken })).then((r) => ({ items: r.NetworkAcls, next: r.NextToken })),
    );
    const templates = await all((NextToken) =>
      ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [filter], NextToken })).then((r) => ({ items: r.LaunchTemplates, next: r.NextToken })),
    );
    return [
      ...vpcs.flatMap((v) => found('ec2:vpc', v.VpcId, v.Tags)),
      ...subnets.flatMap((s) => found('ec2:subnet', s.SubnetId, s.Tags)),
      ...reservations.flatMap((r) => r.Instances ?? []).flatMap((i) => found('ec2:instance', i.InstanceId, i.Tags)),
      ...templates.flatMap((t) => found('ec2:launch-template', t.LaunchTemplateId, t.Tags)),
      ...acls.flatMap((a) => found('ec2:network-acl', a.NetworkAclId, a.Tags)),
    ];
  },
  elbv2: async ({ elbv2 }, runId) => {
    const lbs = await all((Marker) => elbv2.send(new DescribeLoadBalancersCommand({ Marker })).then((r) => ({ items: r.LoadBalancers, next: r.NextMarker })));
    const tgs = await all((Marker) => elbv2.send(new DescribeTargetGroupsCommand({ Marker })).then((r) => ({ items: r.TargetGroups, next: r.NextMarker })));
    const arns = [...tgs.flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : [])), ...lbs.flatMap((l) => (l.LoadBalancerArn ? [l.LoadBalancerArn] : []))];
    const out: TaggedResource[] = [];
    for (const batch of chunks(arns, ELBV2_TAGS_PER_CALL)) {
      const described = await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch }));
      for (const d of described.TagDescriptions ?? []) {
        if (!taggedFor(d.Tags, runId) || !d.ResourceArn) continue;
        out.push(...found(d.ResourceArn.includes(':targetgroup/') ? 'elbv2:target-group' : 'elbv2:load-balancer', d.ResourceArn, d.Tags));
      }
    }
    return out;
  },
  route53: async ({ route53 }, runId) => {
    const zones = await all((Marker) => route53.send(new ListHostedZonesCommand({ Marker })).then((r) => ({ items: r.HostedZones, next: r.NextMarker })));
    const checks = await all((Marker) => route53.send(new ListHealthChecksCommand({ Marker })).then((r) => ({ items: r.HealthChecks, next: r.NextMarker })));
    const tagged = async (type: TagResourceType, ids: string[], kind: TaggedResource['kind']) => {
      const out: TaggedResource[] = [];
      for (const batch of chunks(ids, ROUTE53_TAGS_PER_CALL)) {
        const sets = await route53.send(new ListTagsForResourcesCommand({ ResourceType: type, ResourceIds: batch }));
        for (const set of sets.ResourceTagSets ?? []) if (taggedFor(set.Tags, runId)) out.push(...found(kind, set.ResourceId, set.Tags));
      }
      return out;
    };
    return [
      ...(await tagged('hostedzone', zones.flatMap((z) => (z.Id ? [z.Id.replace(/^\/hostedzone\//, '')] : [])), 'route53:hosted-zone')),
      ...(await tagged('healthcheck', checks.flatMap((c) => (c.Id ? [c.Id] : [])), 'route53:health-check')),
    ];
  },
  rds: async ({ rds }, runId) => {
    const instances = await all((Marker) => rds.send(new DescribeDBInstancesCommand({ Marker })).then((r) => ({ items: r.DBInstances, next: r.Marker })));
    const clusters = await all((Marker) => rds.send(new DescribeDBClustersCommand({ Marker })).then((r) => ({ items: r.DBClusters, next: r.Marker })));
    const groups = await all((Marker) => rds.send(new DescribeDBSubnetGroupsCommand({ Marker })).then((r) => ({ items: r.DBSubnetGroups, next: r.Marker })));
    const out: TaggedResource[] = [];
    // sources first: deletion goes through a kind in reverse, so replicas are deleted before their source
    const ordered = [...instances].sort((a, b) => Number(!!a.ReadReplicaSourceDBInstanceIdentifier) - Number(!!b.ReadReplicaSourceDBInstanceIdentifier));
    for (const i of ordered) if (taggedFor(i.TagList, runId)) out.push(...found('rds:db-instance', i.DBInstanceIdentifier, i.TagList));
    for (const c of clusters) if (taggedFor(c.TagList, runId)) out.push(...found('rds:db-cluster', c.DBClusterIdentifier, c.TagList));
    for (const g of groups) {
      if (!g.DBSubnetGroupArn) continue;
      const tags = await rds.send(new ListRdsTagsCommand({ ResourceName: g.DBSubnetGroupArn }));
      if (taggedFor(tags.TagList, runId)) out.push(...found('rds:db-subnet-group', g.DBSubnetGroupName, tags.TagList));
    }
    return out;
  },
  autoscaling: async ({ autoscaling }, runId) => {
    const groups: AutoScalingGroup[] = await all((NextToken) =>
      autoscaling.send(new DescribeAutoScalingGroupsCommand({ NextToken })).then((r) => ({ items: r.AutoScalingGroups, next: r.NextToken })),
    );
    return groups.filter((g) => taggedFor(g.Tags, runId)).flatMap((g) => found('autoscaling:group', g.AutoScalingGroupName, g.Tags));
  },
  cloudwatch: async ({ cloudwatch }, runId) => {
    const alarms = await all((NextToken) => cloudwatch.send(new DescribeAlarmsCommand({ NextToken })).then((r) => ({ items: r.MetricAlarms, next: r.NextToken })));
    const out: TaggedResource[] = [];
    for (const alarm of alarms) {
      if (!alarm.AlarmArn) continue;
      const tags = await cloudwatch.send(new ListAlarmTagsCommand({ ResourceARN: alarm.AlarmArn }));
      if (taggedFor(tags.Tags, runId)) out.push(...found('cloudwatch:alarm', alarm.AlarmName, tags.Tags));
    }
    return out;
  },
  sns: async ({ sns }, runId) => {
    const topics = await all((NextToken) => sns.send(new ListTopicsCommand({ NextToken })).then((r) => ({ items: r.Topics, next: r.NextToken })));
    const out: TaggedResource[] = [];
    for (const topic of topics) {
      if (!topic.TopicArn) continue;
      const tags = await sns.send(new ListTopicTagsCommand({ ResourceArn: topic.TopicArn }));
      if (taggedFor(tags.Tags, runId)) out.push(...found('sns:topic', topic.TopicArn, tags.Tags));
    }
    return out;
  },
  fis: async ({ fis }, runId) => {
    const asTags = (map: Record<string, string> | undefined): Tags => Object.entries(map ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const templates = await all((nextToken) => fis.send(new ListExperimentTemplatesCommand({ nextToken })).then((r) => ({ items: r.experimentTemplates, next: r.nextToken })));
    const experiments = await all((nextToken) => fis.send(new ListExperimentsCommand({ nextToken })).then((r) => ({ items: r.experiments, next: r.nextToken })));
    const running = experiments.filter((e) => ['pending', 'initiating', 'running'].includes(e.state?.status ?? ''));
    return [
      ...running.filter((e) => taggedFor(asTags(e.tags), runId)).flatMap((e) => found('fis:experiment', e.id, asTags(e.tags))),
      ...templates.filter((t) => taggedFor(asTags(t.tags), runId)).flatMap((t) => found('fis:experiment-template', t.id, asTags(t.tags))),
    ];
  },
  sts: undefined,
};

/**
 * Finds everything tagged `faildrill:run-id` (= `runId`, or any value when it is undefined) across the
 * services faildrill uses, per service (Describe/List and their tags; the Resource Groups Tagging API
 * is not among faildrill's clients). A service that cannot be searched is reported, not skipped.
 */
export async function findTagged(clients: AwsClients, runId?: string): Promise<FindResult> {
  const result: FindResult = { resources: [], failures: [] };
  for (const [service, finder] of Object.entries(FINDERS) as Array<[AwsService, Finder | undefined]>) {
    if (!finder) continue;
    try {
      result.resources.push(...(await finder(clients, runId)));
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      result.failures.push({ service, errorName: err.name, message: err.message });
    }
  }
  return result;
}
