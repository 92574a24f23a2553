import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DeleteAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteLaunchTemplateCommand,
  DeleteNetworkAclCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclAssociationCommand,
  TerminateInstancesCommand,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { DeleteLoadBalancerCommand, DeleteTargetGroupCommand, waitUntilLoadBalancersDeleted } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteExperimentTemplateCommand, StopExperimentCommand } from '@aws-sdk/client-fis';
import {
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  waitUntilDBClusterDeleted,
  waitUntilDBInstanceDeleted,
} from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  DeleteHealthCheckCommand,
  DeleteHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { DeleteTopicCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../clients.js';
import { DELETE_ORDER, type ResourceKind, type TaggedResource } from './resources.js';

/** What a deletion did: what is gone (deleted now or already) and what is left, with the service's error name. */
export interface DeleteReport {
  removed: TaggedResource[];
  failed: Array<{ resource: TaggedResource; errorName: string; message: string }>;
}

/** How long deletion waits for a resource to go and retries one still in use (ENIs of a deleted load balancer, DB instances). */
export interface DeleteOptions {
  maxWaitSec?: number;
}

const DEFAULT_MAX_WAIT_SEC = 1_800;
/** First retry delay for a resource still in use; doubles up to {@link MAX_RETRY_DELAY_MS}. */
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 15_000;

interface DeleteEnv {
  clients: AwsClients;
  maxWaitSec: number;
}

type Deleter = (env: DeleteEnv, id: string) => Promise<void>;

/** True for an error that says the resource does not exist (any more): deleting it is done. */
export function isGone(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (/NotFound|NoSuch/.test(err.name)) return true;
  return err.name === 'ValidationError' && /not found|does not exist/i.test(err.message);
}

/** Errors of a resource that something else still uses for a moment: retried until the deadline. */
const IN_USE = /DependencyViolation|ResourceInUse|InvalidDBSubnetGroupState|InvalidDBClusterStateFault|InvalidDBInstanceState|HostedZoneNotEmpty|ScalingActivityInProgress/;

async function retryingInUse(env: DeleteEnv, attempt: () => Promise<unknown>): Promise<void> {
  const deadline = performance.now() + env.maxWaitSec * 1000;
  for (let delay = FIRST_RETRY_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
    try {
      await attempt();
      return;
    } catch (err) {
      if (!(err instanceof Error) || !IN_USE.test(err.name) || performance.now() + delay > deadline) throw err;
      await sleep(delay);
    }
  }
}

const waiter = (env: DeleteEnv) => ({ maxWaitTime: env.maxWaitSec, minDelay: 1, maxDelay: 30 });

/** Deletes every record set of a hosted zone but its apex NS and SOA, then the zone. */
async function deleteHostedZone(env: DeleteEnv, id: string): Promise<void> {
  const { route53 } = env.clients;
  const doomed: ResourceRecordSet[] = [];
  let apex: string | undefined;
  let next: { name?: string; type?: string; identifier?: string } = {};
  for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: id,
        ...(next.name ? { StartRecordName: next.name } : {}),
        ...(next.type ? { StartRecordType: next.type as ResourceRecordSet['Type'] } : {}),
        ...(next.identifier ? { StartRecordIdentifier: next.identifier } : {}),
      }),
    );
    for (const rr of page.ResourceRecordSets ?? []) {
      if (rr.Type === 'SOA') apex = rr.Name;
      doomed.push(rr);
    }
    if (!page.IsTruncated) break;
    next = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
  }
  const changes = doomed.filter((rr) => !(rr.Name === apex && (rr.Type === 'NS' || rr.Type === 'SOA')));
  if (changes.length > 0) {
    await route53.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: id, ChangeBatch: { Changes: changes.map((rr) => ({ Action: 'DELETE', ResourceRecordSet: rr })) } }),
    );
  }
  await retryingInUse(env, () => route53.send(new DeleteHostedZoneCommand({ Id: id })));
}

async function deleteAutoScalingGroup(env: DeleteEnv, name: string): Promise<void> {
  const { autoscaling } = env.clients;
  await retryingInUse(env, () => autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })));
  const deadline = performance.now() + env.maxWaitSec * 1000;
  for (let delay = FIRST_RETRY_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
    const left = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    if ((left.AutoScalingGroups ?? []).length === 0) return;
    if (performance.now() + delay > deadline) throw Object.assign(new Error(`group ${name} still exists after ${env.maxWaitSec} s`), { name: 'WaiterTimedOut' });
    await sleep(delay);
  }
}

/**
 * A fault's deny-all network ACL: subnets still associated with it (a run killed mid-fault, no journal
 * at hand) go back to their VPC's default ACL first, since an associated ACL cannot be deleted.
 */
async function deleteNetworkAcl(env: DeleteEnv, id: string): Promise<void> {
  const { ec2 } = env.clients;
  const acl = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [id] }))).NetworkAcls?.[0];
  const associations = acl?.Associations ?? [];
  if (acl?.VpcId && associations.length > 0) {
    const defaults = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [acl.VpcId] }, { Name: 'default', Values: ['true'] }] }));
    const defaultId = defaults.NetworkAcls?.[0]?.NetworkAclId;
    if (!defaultId) throw Object.assign(new Error(`VPC ${acl.VpcId} has no default network ACL to give back subnets ${associations.map((a) => a.SubnetId).join(', ')}`), { name: 'DependencyViolation' });
    for (const association of associations)
      if (association.NetworkAclAssociationId) await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: association.NetworkAclAssociationId, NetworkAclId: defaultId }));
  }
  await retryingInUse(env, () => ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: id })));
}

const DELETERS: Record<ResourceKind, Deleter> = {
  'fis:experiment': async ({ clients }, id) => {
    try {
      await clients.fis.send(new StopExperimentCommand({ id }));
    } catch (err) {
      // an experiment that already ended cannot be stopped, and needs nothing more
      if (!(err instanceof Error) || !/Validation|Conflict/.test(err.name)) throw err;
    }
  },
  'fis:experiment-template': ({ clients }, id) => clients.fis.send(new DeleteExperimentTemplateCommand({ id })).then(() => undefined),
  'cloudwatch:alarm': ({ clients }, name) => clients.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [name] })).then(() => undefined),
  'autoscaling:group': deleteAutoScalingGroup,
  'ec2:launch-template': ({ clients }, id) => clients.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id })).then(() => undefined),
  'route53:hosted-zone': deleteHostedZone,
  'route53:health-check': (env, id) => retryingInUse(env, () => env.clients.route53.send(new DeleteHealthCheckCommand({ HealthCheckId: id }))),
  'elbv2:load-balancer': async (env, arn) => {
    await env.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await waitUntilLoadBalancersDeleted({ client: env.clients.elbv2, ...waiter(env) }, { LoadBalancerArns: [arn] });
  },
  'elbv2:target-group': (env, arn) => retryingInUse(env, () => env.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }))),
  'rds:db-instance': async (env, id) => {
    await retryingInUse(env, () =>
      env.clients.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })),
    );
    await waitUntilDBInstanceDeleted({ client: env.clients.rds, ...waiter(env) }, { DBInstanceIdentifier: id });
  },
  'rds:db-cluster': async (env, id) => {
    await retryingInUse(env, () => env.clients.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true })));
    await waitUntilDBClusterDeleted({ client: env.clients.rds, ...waiter(env) }, { DBClusterIdentifier: id });
  },
  'rds:db-subnet-group': (env, name) => retryingInUse(env, () => env.clients.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name }))),
  'ec2:instance': async (env, id) => {
    await env.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceTerminated({ client: env.clients.ec2, ...waiter(env) }, { InstanceIds: [id] });
  },
  'ec2:network-acl': deleteNetworkAcl,
  'ec2:subnet': (env, id) => retryingInUse(env, () => env.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: id }))),
  'ec2:vpc': (env, id) => retryingInUse(env, () => env.clients.ec2.send(new DeleteVpcCommand({ VpcId: id }))),
  'sns:topic': ({ clients }, arn) => clients.sns.send(new DeleteTopicCommand({ TopicArn: arn })).then(() => undefined),
};

/**
 * Deletes `resources` kind by kind in {@link DELETE_ORDER}, and within a kind in reverse of the given
 * order (a read replica, created after its source, goes first). A resource that is already gone counts
 * as removed; one that cannot be deleted is reported with the service's error name, and deletion goes
 * on with the rest (what depends on it may then fail too, and says so).
 */
export async function deleteResources(clients: AwsClients, resources: readonly TaggedResource[], options: DeleteOptions = {}): Promise<DeleteReport> {
  const env: DeleteEnv = { clients, maxWaitSec: options.maxWaitSec ?? DEFAULT_MAX_WAIT_SEC };
  const report: DeleteReport = { removed: [], failed: [] };
  const seen = new Set<string>();
  for (const kind of DELETE_ORDER) {
    const ofKind = resources.filter((r) => r.kind === kind).reverse();
    for (const resource of ofKind) {
      const key = `${kind}\0${resource.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        await DELETERS[kind](env, resource.id);
        report.removed.push(resource);
      } catch (err) {
        if (isGone(err)) report.removed.push(resource);
        else report.failed.push({ resource, errorName: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return report;
}
