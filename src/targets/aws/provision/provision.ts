import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Scenario } from '../../../scenario/schema.js';
import type { AwsClients } from '../clients.js';
import { createAlarms } from './alarms.js';
import { createAutoscaling } from './autoscaling.js';
import { provisionContext, required, StepError, type ProvisionContext } from './context.js';
import { createDatabase } from './database.js';
import { createDns } from './dns.js';
import { createInstances } from './instances.js';
import { createLoadBalancing } from './load-balancer.js';
import { createNetwork, type Network } from './network.js';
import { createTopic } from './notifications.js';
import type { AwsResources, ProvisionProblem, ProvisionResult, TaggedResource } from './resources.js';

/** What a run passes to {@link provision}. */
export interface ProvisionOptions {
  /** The run id: the value of every resource's `faildrill:run-id` tag. */
  runId: string;
  /** Longest wait for one resource to become available (default 30 min: RDS on real AWS). */
  maxWaitSec?: number;
}

/** Provisioning stopped on a local error (no connection, a malformed answer); `inventory` is what it had created. */
export class ProvisionAbortedError extends Error {
  constructor(
    readonly inventory: TaggedResource[],
    readonly notes: string[],
    override readonly cause: unknown,
  ) {
    super(`provisioning stopped: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ProvisionAbortedError';
  }
}

const DEFAULT_MAX_WAIT_SEC = 1_800;

type Family = 'identity' | 'topic' | 'network' | 'instances' | 'loadBalancer' | 'dns' | 'database' | 'autoscaling' | 'alarms';

/**
 * Creates the failover setup of `scenario.setup` through the SDK (what seed 000 configures with boto3),
 * every resource tagged `faildrill:run-id` and `faildrill:scenario`. A family whose calls the service
 * refuses (an emulator without the API, a rejected parameter) becomes a {@link ProvisionProblem} with
 * the service's error name, and the families that need it are listed as skipped, never left out
 * silently; the others are still created, so one run names every gap. Whatever was created is in the
 * result's inventory, for {@link teardown}.
 */
export async function provision(clients: AwsClients, scenario: Scenario, options: ProvisionOptions): Promise<ProvisionResult> {
  const inventory: TaggedResource[] = [];
  const notes: string[] = [];
  const problems: ProvisionProblem[] = [];
  const problemOf = new Map<Family, ProvisionProblem>();
  const label = { runId: options.runId, scenario: scenario.name };
  const setup = scenario.setup;

  /** Runs one family unless a family it needs failed; a service error becomes a problem. */
  async function family<T>(name: Family, subject: string, needs: Family[], make: () => Promise<T>): Promise<T | undefined> {
    const missing = needs.find((n) => problemOf.has(n));
    if (missing) {
      const cause = problemOf.get(missing)!;
      cause.skipped.push(subject);
      problemOf.set(name, cause);
      return undefined;
    }
    try {
      return await make();
    } catch (err) {
      if (!(err instanceof StepError)) throw new ProvisionAbortedError(inventory, notes, err);
      const problem: ProvisionProblem = {
        subject: err.subject,
        service: err.service,
        operation: err.operation,
        errorName: err.cause.name,
        message: err.cause.message,
        ...(err.cause.$metadata?.httpStatusCode !== undefined ? { httpStatus: err.cause.$metadata.httpStatusCode } : {}),
        skipped: [],
      };
      problems.push(problem);
      problemOf.set(name, problem);
      return undefined;
    }
  }

  const region = await clients.ec2.config.region();
  let ctx: ProvisionContext | undefined;
  await family('identity', 'account (STS GetCallerIdentity)', [], async () => {
    const base = { clients, label, region, accountId: '', maxWaitSec: options.maxWaitSec ?? DEFAULT_MAX_WAIT_SEC };
    const probe = provisionContext(base, inventory, notes);
    const identity = await probe.call('sts', 'GetCallerIdentity', 'account', () => clients.sts.send(new GetCallerIdentityCommand({})));
    ctx = provisionContext({ ...base, accountId: required(identity.Account, 'account id') }, inventory, notes);
  });
  const c = () => ctx!;

  const topic = await family('topic', 'notifications (SNS topic)', ['identity'], () => createTopic(c()));
  const network = await family('network', 'setup.servers (VPC and subnets)', ['identity'], () => createNetwork(c(), scenario));
  const onInstances = instanceServers(scenario);
  const instances = await family('instances', 'setup.servers', ['network'], () =>
    createInstances(c(), network!, setup.servers.filter((s) => onInstances.has(s.id))),
  );
  const lb = setup.loadBalancer
    ? await family('loadBalancer', `setup.loadBalancer.${setup.loadBalancer.id}`, ['network', 'instances'], () =>
        createLoadBalancing(c(), network!, setup.loadBalancer!, instances!),
      )
    : undefined;
  const dnsNeeds: Family[] = setup.dns && setup.loadBalancer && [setup.dns.primary, setup.dns.secondary].includes(setup.loadBalancer.id) ? ['instances', 'loadBalancer'] : ['instances'];
  const dns = setup.dns ? await family('dns', `setup.dns.${setup.dns.record}`, dnsNeeds, () => createDns(c(), setup.dns!, instances!, lb)) : undefined;
  const database = setup.database
    ? await family('database', `setup.database.${setup.database.id}`, ['network'], () =>
        createDatabase(c(), network!, setup.database!, (id) => zoneOfServer(network!, scenario, id)),
      )
    : undefined;
  const asgNeeds: Family[] = setup.autoscaling?.targetGroup ? ['instances', 'loadBalancer'] : ['instances'];
  const autoscaling = setup.autoscaling
    ? await family('autoscaling', `setup.autoscaling.${setup.autoscaling.id}`, asgNeeds, () => createAutoscaling(c(), network!, setup.autoscaling!, instances!, lb))
    : undefined;
  const alarmNeeds: Family[] = ['topic', ...(setup.loadBalancer ? (['loadBalancer'] as const) : []), ...(setup.dns ? (['dns'] as const) : [])];
  const alarms = await family('alarms', 'alarms (CloudWatch)', alarmNeeds, () => createAlarms(c(), topic!.arn, lb, dns));

  if (problems.length > 0) return { complete: false, problems, inventory, notes };
  const resources: AwsResources = {
    runId: options.runId,
    scenario: scenario.name,
    region,
    accountId: c().accountId,
    network: network!.resources,
    instances: instances!,
    ...(lb ? { loadBalancer: lb } : {}),
    ...(dns ? { dns } : {}),
    ...(database ? { database } : {}),
    ...(autoscaling ? { autoscaling } : {}),
    alarms: alarms!,
    topic: topic!,
    inventory,
    notes,
  };
  return { complete: true, resources };
}

/**
 * The servers that get an EC2 instance: all but the hosts of an RDS database (RDS runs those),
 * unless the load balancer, DNS or the Auto Scaling group routes to them too.
 */
export function instanceServers(scenario: Scenario): Set<string> {
  const { database, loadBalancer, dns, autoscaling } = scenario.setup;
  const routed = new Set([
    ...(loadBalancer?.targetGroups.flatMap((tg) => tg.targets) ?? []),
    ...(dns ? [dns.primary, dns.secondary] : []),
    ...(autoscaling?.instances ?? []),
  ]);
  const rdsHosts = database && database.engine !== 'postgres-streaming' ? [database.primary, database.standby] : [];
  return new Set(scenario.setup.servers.map((s) => s.id).filter((id) => !rdsHosts.includes(id) || routed.has(id)));
}

function zoneOfServer(network: Network, scenario: Scenario, serverId: string): string {
  return network.zoneFor(scenario.setup.servers.find((s) => s.id === serverId)?.zone);
}
