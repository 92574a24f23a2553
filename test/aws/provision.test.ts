import { readFile } from 'node:fs/promises';
import { DescribeAutoScalingGroupsCommand, DescribePoliciesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, DescribeNetworkAclsCommand, DescribeSubnetsCommand, type Instance } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetHealthCheckCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { cleanupAws } from '../../src/targets/aws/cleanup.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from '../../src/targets/aws/clients.js';
import { injectAwsFault } from '../../src/targets/aws/faults/inject.js';
import { findTagged } from '../../src/targets/aws/provision/find.js';
import { provision } from '../../src/targets/aws/provision/provision.js';
import type { AwsResources } from '../../src/targets/aws/provision/resources.js';
import { RUN_ID_TAG, SCENARIO_TAG } from '../../src/targets/aws/provision/tags.js';
import { teardown } from '../../src/targets/aws/provision/teardown.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

// Provisioning of seed 000's failover setup against a real moto server (design.md §8): every resource
// is read back through the SDK and compared with the scenario file it came from.

let moto: MotoHandle;
const clientsByRegion = new Map<string, AwsClients>();

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);

afterAll(async () => {
  for (const clients of clientsByRegion.values()) clients.destroy();
  await moto?.stop();
});

/** The region of the scenario's first server's zone (`eu-west-1a` → `eu-west-1`). */
function regionOf(scenario: Scenario): string {
  const zone = scenario.setup.servers.find((s) => s.zone)?.zone ?? 'us-east-1a';
  return zone.replace(/[a-z]$/, '');
}

function clientsFor(region: string): AwsClients {
  let clients = clientsByRegion.get(region);
  if (!clients) {
    clients = awsClients({ region, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
    clientsByRegion.set(region, clients);
  }
  return clients;
}

let runs = 0;
const newRunId = (name: string) => `test-${process.pid}-${++runs}-${name}`;

async function provisioned(name: string): Promise<{ scenario: Scenario; clients: AwsClients; resources: AwsResources }> {
  const { scenario } = await loadScenarioFile(`scenarios/${name}.yaml`);
  const clients = clientsFor(regionOf(scenario));
  const result = await provision(clients, scenario, { runId: newRunId(name), maxWaitSec: 60 });
  if (!result.complete) throw new Error(`provisioning ${name} left problems: ${JSON.stringify(result.problems)}`);
  return { scenario, clients, resources: result.resources };
}

/** The run's live instances by their Name tag, read from EC2. */
async function instancesByName(clients: AwsClients, runId: string): Promise<Map<string, Instance>> {
  const described = await clients.ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${RUN_ID_TAG}`, Values: [runId] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    }),
  );
  const byName = new Map<string, Instance>();
  for (const instance of (described.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
    if (name) byName.set(name, instance);
  }
  return byName;
}

/** Tears the run down and checks that nothing tagged with its run id is left. */
async function tornDown(clients: AwsClients, resources: AwsResources): Promise<void> {
  const report = await teardown(clients, resources, { maxWaitSec: 60 });
  expect(report.failed).toEqual([]);
  expect(report.removed).toHaveLength(resources.inventory.length);
  const left = await findTagged(clients, resources.runId);
  expect(left.failures).toEqual([]);
  expect(left.resources).toEqual([]);
}

describe('provisioning on moto', () => {
  it('dns-failover: a hosted zone, health checks from setup.dns.healthCheck, PRIMARY/SECONDARY records with the TTL, an alarm per check to the topic', async () => {
    const { scenario, clients, resources } = await provisioned('dns-failover');
    const dns = scenario.setup.dns!;
    const byName = await instancesByName(clients, resources.runId);
    expect([...byName.keys()].sort()).toEqual(scenario.setup.servers.map((s) => s.id).sort());

    // us-west-2a is not in the run's region (the first server's): its server runs in another zone there, and a note says so
    const region = regionOf(scenario);
    const foreign = scenario.setup.servers.filter((s) => s.zone && !s.zone.startsWith(region));
    for (const server of foreign) {
      const zone = byName.get(server.id)!.Placement?.AvailabilityZone;
      expect(zone?.startsWith(region)).toBe(true);
      expect(resources.notes.some((n) => n.includes(server.zone!))).toBe(true);
    }

    const listed = await clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: resources.dns!.hostedZoneId }));
    const failover = (listed.ResourceRecordSets ?? []).filter((rr) => rr.Failover);
    expect(failover).toHaveLength(2);
    for (const [role, serverId] of [
      ['PRIMARY', dns.primary],
      ['SECONDARY', dns.secondary],
    ] as const) {
      const record = failover.find((rr) => rr.Failover === role)!;
      expect(record.Name).toBe(`${dns.record}.`);
      expect(record.Type).toBe('A');
      expect(record.TTL).toBe(dns.ttlMs / 1000);
      expect(record.ResourceRecords?.map((r) => r.Value)).toEqual([byName.get(serverId)!.PrivateIpAddress]);
    }
    // seed 000 attaches the primary's health check to the primary record only
    const primaryRecord = failover.find((rr) => rr.Failover === 'PRIMARY')!;
    expect(failover.find((rr) => rr.Failover === 'SECONDARY')!.HealthCheckId).toBeUndefined();
    const check = await clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: primaryRecord.HealthCheckId! }));
    const config = check.HealthCheck!.HealthCheckConfig!;
    expect(config.Type).toBe('HTTP');
    expect(config.IPAddress).toBe(byName.get(dns.primary)!.PrivateIpAddress);
    expect(config.RequestInterval).toBe(dns.healthCheck.intervalMs / 1000);
    expect(config.FailureThreshold).toBe(dns.healthCheck.failureThreshold);
    expect(config.ResourcePath).toBe(dns.healthCheck.path);
    expect(config.Regions).toHaveLength(dns.healthCheck.regions);

    const topic = await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: resources.topic.arn }));
    expect(topic.Attributes?.TopicArn).toBe(resources.topic.arn);
    const alarms = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: resources.alarms.map((a) => a.name) }));
    const checkAlarm = alarms.MetricAlarms!.find((a) => a.Dimensions?.some((d) => d.Name === 'HealthCheckId' && d.Value === primaryRecord.HealthCheckId))!;
    expect(checkAlarm.MetricName).toBe('HealthCheckStatus');
    expect(checkAlarm.AlarmActions).toEqual([resources.topic.arn]);

    await tornDown(clients, resources);
  }, 60_000);

  it('lb-failover: target groups with their health checks and deregistration delay, targets registered, the listener forwarding to the lowest priority', async () => {
    const { scenario, clients, resources } = await provisioned('lb-failover');
    const lbSpec = scenario.setup.loadBalancer!;
    const byName = await instancesByName(clients, resources.runId);
    const lb = await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [resources.loadBalancer!.name] }));
    const lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
    const groups = await clients.elbv2.send(new DescribeTargetGroupsCommand({}));
    const tagsOf = async (arn: string) => {
      const d = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
      return d.TagDescriptions![0]!.Tags ?? [];
    };
    const arnOfSpec = new Map<string, string>();
    for (const spec of lbSpec.targetGroups) {
      const arn = (await Promise.all((groups.TargetGroups ?? []).map(async (g) => ({ g, tags: await tagsOf(g.TargetGroupArn!) })))).find(({ tags }) =>
        tags.some((t) => t.Key === 'Name' && t.Value === spec.id) && tags.some((t) => t.Key === RUN_ID_TAG && t.Value === resources.runId),
      )!.g;
      arnOfSpec.set(spec.id, arn.TargetGroupArn!);
      expect(arn.HealthCheckProtocol).toBe('HTTP');
      expect(arn.HealthCheckPath).toBe(spec.healthCheck.path);
      expect(arn.HealthCheckIntervalSeconds).toBe(spec.healthCheck.intervalMs / 1000);
      expect(arn.HealthCheckTimeoutSeconds).toBe(spec.healthCheck.timeoutMs / 1000);
      expect(arn.HealthyThresholdCount).toBe(spec.healthCheck.healthyThreshold);
      expect(arn.UnhealthyThresholdCount).toBe(spec.healthCheck.unhealthyThreshold);
      const attrs = await clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn.TargetGroupArn! }));
      expect(attrs.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value).toBe(String(spec.deregistrationDelayMs / 1000));
      const health = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn.TargetGroupArn! }));
      expect(health.TargetHealthDescriptions!.map((t) => t.Target!.Id).sort()).toEqual(spec.targets.map((id) => byName.get(id)!.InstanceId).sort());
    }
    const lowest = [...lbSpec.targetGroups].sort((a, b) => a.priority - b.priority)[0]!;
    const listeners = await clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(listeners.Listeners).toHaveLength(1);
    expect(listeners.Listeners![0]!.DefaultActions).toEqual([expect.objectContaining({ Type: 'forward', TargetGroupArn: arnOfSpec.get(lowest.id) })]);
    expect((await tagsOf(lbArn)).find((t) => t.Key === RUN_ID_TAG)?.Value).toBe(resources.runId);

    // one UnHealthyHostCount alarm per target group, its action the topic
    const alarms = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: resources.alarms.map((a) => a.name) }));
    for (const spec of lbSpec.targetGroups) {
      const arn = arnOfSpec.get(spec.id)!;
      const alarm = alarms.MetricAlarms!.find((a) => a.Dimensions?.some((d) => d.Name === 'TargetGroup' && arn.endsWith(d.Value!)))!;
      expect(alarm.MetricName).toBe('UnHealthyHostCount');
      expect(alarm.Namespace).toBe('AWS/ApplicationELB');
      expect(alarm.AlarmActions).toEqual([resources.topic.arn]);
    }
    await tornDown(clients, resources);
  }, 60_000);

  it('db-multi-az: a Multi-AZ DB instance on postgres, tagged, and no EC2 instance for the DB hosts', async () => {
    const { scenario, clients, resources } = await provisioned('db-multi-az');
    const db = scenario.setup.database!;
    const described = await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: resources.database!.writer }));
    const writer = described.DBInstances![0]!;
    expect(writer.MultiAZ).toBe(true);
    expect(writer.Engine).toBe('postgres');
    expect(writer.TagList).toEqual(expect.arrayContaining([{ Key: RUN_ID_TAG, Value: resources.runId }, { Key: SCENARIO_TAG, Value: scenario.name }]));
    // the subnet group spans the primary's and the standby's zones
    const zoneOf = (id: string) => scenario.setup.servers.find((s) => s.id === id)!.zone!;
    expect(writer.DBSubnetGroup!.Subnets!.map((s) => s.SubnetAvailabilityZone!.Name).sort()).toEqual([zoneOf(db.primary), zoneOf(db.standby)].sort());
    const byName = await instancesByName(clients, resources.runId);
    expect(byName.has(db.primary)).toBe(false);
    expect(byName.has(db.standby)).toBe(false);
    expect([...byName.keys()].sort()).toEqual(scenario.setup.loadBalancer!.targetGroups.flatMap((tg) => tg.targets).sort());
    await tornDown(clients, resources);
  }, 60_000);

  it('asg-replacement: the servers are the group, across their zones, with its sizes, ELB health checks, the target group and a step-scaling policy', async () => {
    const { scenario, clients, resources } = await provisioned('asg-replacement');
    const spec = scenario.setup.autoscaling!;
    const byName = await instancesByName(clients, resources.runId);
    const described = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [resources.autoscaling!.name] }));
    const group = described.AutoScalingGroups![0]!;
    expect(group.MinSize).toBe(spec.min);
    expect(group.MaxSize).toBe(spec.max);
    expect(group.DesiredCapacity).toBe(spec.desired);
    expect(group.HealthCheckType).toBe('ELB');
    expect(group.HealthCheckGracePeriod).toBe(spec.healthCheckGracePeriodMs / 1000);
    expect(group.DefaultCooldown).toBe(spec.cooldownMs / 1000);
    expect(group.Instances!.map((i) => i.InstanceId).sort()).toEqual(spec.instances.map((id) => byName.get(id)!.InstanceId).sort());
    expect(group.AvailabilityZones!.sort()).toEqual([...new Set(spec.instances.map((id) => scenario.setup.servers.find((s) => s.id === id)!.zone!))].sort());
    const subnets = await clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: group.VPCZoneIdentifier!.split(',') }));
    expect(subnets.Subnets!.map((s) => s.AvailabilityZone).sort()).toEqual(group.AvailabilityZones!.sort());
    expect(group.TargetGroupARNs).toEqual([resources.loadBalancer!.targetGroups[spec.targetGroup!]!.arn]);
    const policies = await clients.autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: group.AutoScalingGroupName }));
    expect(policies.ScalingPolicies).toHaveLength(1);
    expect(policies.ScalingPolicies![0]!.PolicyType).toBe('StepScaling');
    expect(policies.ScalingPolicies![0]!.AdjustmentType).toBe('ChangeInCapacity');
    const alarms = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: resources.alarms.map((a) => a.name) }));
    expect(alarms.MetricAlarms!.map((a) => a.AlarmActions)).toEqual([[resources.topic.arn]]);
    await tornDown(clients, resources);
  }, 60_000);
});

describe('what moto refuses', () => {
  it('comes back as a problem with the service error name and what it kept from being made, and what was made can be torn down', async () => {
    // lb-failover with tg-blue's health check timeout equal to its interval: ELBv2 requires timeout < interval.
    // faildrill's own validation refuses that scenario (exit 2), so the parsed scenario is changed after it.
    const parsed = parseScenario(await readFile('scenarios/lb-failover.yaml', 'utf8'), 'lb-failover.yaml').scenario;
    const lb = parsed.setup.loadBalancer!;
    const [first, ...rest] = lb.targetGroups;
    const scenario = {
      ...parsed,
      setup: { ...parsed.setup, loadBalancer: { ...lb, targetGroups: [{ ...first!, healthCheck: { ...first!.healthCheck, timeoutMs: first!.healthCheck.intervalMs } }, ...rest] } },
    };
    const clients = clientsFor(regionOf(scenario));
    const runId = newRunId('refused');
    const result = await provision(clients, scenario, { runId, maxWaitSec: 60 });
    expect(result.complete).toBe(false);
    if (result.complete) return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        subject: `setup.loadBalancer.targetGroups.${scenario.setup.loadBalancer!.targetGroups[0]!.id}`,
        service: 'elbv2',
        operation: 'CreateTargetGroup',
        errorName: 'ValidationError',
        skipped: ['alarms (CloudWatch)'],
      }),
    ]);
    const report = await teardown(clients, result, { maxWaitSec: 60 });
    expect(report.failed).toEqual([]);
    expect((await findTagged(clients, runId)).resources).toEqual([]);
  }, 60_000);
});

describe('cleanup by tag', () => {
  it("removes a killed run's deny-all network ACL, giving its subnet back to the VPC's default ACL first", async () => {
    const killed = await provisioned('lb-failover');
    const { clients, resources } = killed;
    const server = Object.keys(resources.instances)[0]!;
    const subnetId = resources.instances[server]!.subnetId;
    // the run dies mid-fault: the undo is never called
    await injectAwsFault(
      { clients, resources, emulator: 'moto', events: { emit: () => undefined }, track: (r) => resources.inventory.push(r) },
      { id: 'cut', action: 'aws:network:disrupt-connectivity', target: server, durationMs: 60_000 },
      () => undefined,
    );
    const aclOf = async () =>
      (await clients.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls?.[0];
    const faultAcl = await aclOf();
    expect(faultAcl?.Tags?.find((t) => t.Key === RUN_ID_TAG)?.Value).toBe(resources.runId);
    expect((await findTagged(clients, resources.runId)).resources).toContainEqual({ kind: 'ec2:network-acl', id: faultAcl!.NetworkAclId, runId: resources.runId });

    const report = await cleanupAws(clients, { runId: resources.runId, maxWaitSec: 60 });
    expect(report.failed).toEqual([]);
    expect(report.removed.map((r) => r.kind)).toContain('ec2:network-acl');
    expect((await findTagged(clients, resources.runId)).resources).toEqual([]);
  }, 120_000);

  it("removes a killed run's resources, found by its run id, and leaves another run's alone", async () => {
    const killed = await provisioned('asg-replacement');
    const other = await provisioned('lb-failover');
    expect(other.clients).toBe(killed.clients);
    const clients = killed.clients;

    const found = await findTagged(clients, killed.resources.runId);
    expect(found.failures).toEqual([]);
    const key = (r: { kind: string; id: string }) => `${r.kind} ${r.id}`;
    expect(found.resources.map(key).sort()).toEqual(killed.resources.inventory.map(key).sort());

    const report = await cleanupAws(clients, { runId: killed.resources.runId, maxWaitSec: 60 });
    expect(report.unsearched).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.removed.map(key).sort()).toEqual(killed.resources.inventory.map(key).sort());
    expect((await findTagged(clients, killed.resources.runId)).resources).toEqual([]);
    expect((await findTagged(clients, other.resources.runId)).resources.map(key).sort()).toEqual(other.resources.inventory.map(key).sort());

    // without a run id, cleanup takes every run's resources
    const everything = await cleanupAws(clients, { maxWaitSec: 60 });
    expect(everything.failed).toEqual([]);
    expect(everything.removed.map(key)).toEqual(expect.arrayContaining(other.resources.inventory.map(key)));
    expect((await findTagged(clients)).resources).toEqual([]);
  }, 120_000);
});
