import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DeleteExperimentTemplateCommand, GetExperimentCommand, GetExperimentTemplateCommand, ListExperimentsCommand, ListExperimentTemplatesCommand } from '@aws-sdk/client-fis';
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../../src/measure/events.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from '../../src/targets/aws/clients.js';
import type { AwsFault, AwsFaultContext, AwsFaultJournalEntry, FaultResources } from '../../src/targets/aws/faults/context.js';
import { EFFECT_BY_FAILDRILL } from '../../src/targets/aws/faults/effects.js';
import { isoDuration } from '../../src/targets/aws/faults/fis-template.js';
import { EFFECT_BY_FIS, injectAwsFault } from '../../src/targets/aws/faults/inject.js';
import { subnetDisrupted } from '../../src/targets/aws/faults/network-acl.js';
import { undoPendingFaults } from '../../src/targets/aws/faults/replay.js';
import type { TaggedResource } from '../../src/targets/aws/provision/resources.js';
import { RUN_ID_TAG } from '../../src/targets/aws/provision/tags.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

/**
 * AWS faults against a real moto 5.2.5 server. The test creates the instances, subnet and DB cluster
 * with the SDK, injects each FIS action through injectAwsFault and reads the result back with the
 * SDK. What moto does (FIS stores templates and advances experiments one step per GetExperiment but
 * runs no action; FailoverDBCluster swaps the writer; RebootDBInstance ignores ForceFailover) is
 * design.md §8; durations and ids come from the faults the test configures.
 */
const region = 'us-east-1';
const runId = 'faults-test-run';
let moto: MotoHandle;
let aws: AwsClients;
let resources: FaultResources;
let vpcId: string;
const instanceIds: Record<string, string> = {};

interface Recorded {
  component: string;
  type: string;
  detail: EventDetail;
}
function context(): AwsFaultContext & { recorded: Recorded[]; journaled: AwsFaultJournalEntry[]; tracked: TaggedResource[] } {
  const recorded: Recorded[] = [];
  const journaled: AwsFaultJournalEntry[] = [];
  const tracked: TaggedResource[] = [];
  return {
    clients: aws,
    resources,
    emulator: 'moto',
    events: { emit: (component, type, detail) => recorded.push({ component, type, detail }) },
    journal: (entry) => journaled.push(entry),
    track: (resource) => tracked.push(resource),
    recorded,
    journaled,
    tracked,
  };
}

async function instanceState(instanceId: string): Promise<string | undefined> {
  const described = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return described.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

async function clusterWriter(): Promise<string | undefined> {
  const described = await aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'fd-cluster' }));
  return described.DBClusters?.[0]?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
}

/** Injects `fault`, recording onEffect's detail and whether the effect was visible in EC2/RDS at that moment. */
async function inject(ctx: AwsFaultContext, fault: AwsFault) {
  const effects: EventDetail[] = [];
  const undo = await injectAwsFault(ctx, fault, (detail) => effects.push(detail));
  return { undo, effects };
}

beforeAll(async () => {
  moto = await startMoto();
  aws = awsClients({ region, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
  const accountId = (await aws.sts.send(new GetCallerIdentityCommand({}))).Account!;
  vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnets: string[] = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries())
    subnets.push((await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: zone }))).Subnet!.SubnetId!);
  const imageId = (await aws.ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
  const instances: FaultResources['instances'] = {};
  for (const [server, subnetId] of [['web-stop', subnets[0]!], ['web-cut', subnets[1]!], ['web-gone', subnets[0]!]] as const) {
    const instanceId = (await aws.ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, SubnetId: subnetId }))).Instances![0]!.InstanceId!;
    instanceIds[server] = instanceId;
    instances[server] = { instanceId, subnetId, arn: `arn:aws:ec2:${region}:${accountId}:instance/${instanceId}` };
  }
  const credentials = { MasterUsername: 'drill', MasterUserPassword: 'drill-password-1' };
  const cluster = await aws.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'fd-cluster', Engine: 'aurora-postgresql', ...credentials }));
  const arns: Record<string, string> = {};
  for (const id of ['fd-writer', 'fd-reader'])
    arns[id] = (await aws.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: id, DBClusterIdentifier: 'fd-cluster', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r5.large' }))).DBInstance!.DBInstanceArn!;
  resources = {
    runId,
    scenario: 'faults-test',
    region,
    accountId,
    network: { vpcId },
    instances,
    database: { id: 'db', clusterId: 'fd-cluster', clusterArn: cluster.DBCluster!.DBClusterArn!, writer: 'fd-writer', writerArn: arns['fd-writer']!, standby: 'fd-reader', standbyArn: arns['fd-reader']! },
  };
}, 60_000);

afterAll(async () => {
  aws?.destroy();
  await moto?.stop();
});

describe('aws:ec2:stop-instances', () => {
  const fault: AwsFault = { id: 'stop-web', action: 'aws:ec2:stop-instances', target: 'web-stop', durationMs: 90_000 };
  let ctx: ReturnType<typeof context>;
  let injected: Awaited<ReturnType<typeof inject>>;

  beforeAll(async () => {
    ctx = context();
    injected = await inject(ctx, fault);
  });

  it('creates one template with the action, the instance ARN, the duration and the run tag', async () => {
    const templateEvent = ctx.recorded.find((e) => e.component === 'fis' && e.type === 'template')!;
    const template = (await aws.fis.send(new GetExperimentTemplateCommand({ id: String(templateEvent.detail.templateId) }))).experimentTemplate!;
    const actions = Object.values(template.actions!);
    expect(actions).toHaveLength(1);
    expect(actions[0]!.actionId).toBe(fault.action);
    expect(actions[0]!.parameters).toEqual({ startInstancesAfterDuration: isoDuration(fault.durationMs!) });
    const target = template.targets![actions[0]!.targets!.Instances!]!;
    expect(target.resourceArns).toEqual([resources.instances['web-stop']!.arn]);
    expect(target.resourceType).toBe('aws:ec2:instance');
    expect(template.tags?.[RUN_ID_TAG]).toBe(runId);
    expect(ctx.tracked).toContainEqual({ kind: 'fis:experiment-template', id: template.id, runId });
  });

  it('starts an experiment of that template, logs its state, and the state moves', async () => {
    const started = ctx.recorded.find((e) => e.component === 'fis' && e.type === 'experiment' && e.detail.phase === 'start')!;
    const experimentId = String(started.detail.experimentId);
    expect(started.detail.state).toBeTruthy();
    const experiment = (await aws.fis.send(new GetExperimentCommand({ id: experimentId }))).experiment!;
    expect(experiment.experimentTemplateId).toBe(ctx.tracked.find((t) => t.kind === 'fis:experiment-template')!.id);
    expect(experiment.tags?.[RUN_ID_TAG]).toBe(runId);
    const states = [experiment.state!.status];
    for (let i = 0; i < 3; i++) states.push((await aws.fis.send(new GetExperimentCommand({ id: experimentId }))).experiment!.state!.status);
    expect(new Set(states).size).toBeGreaterThan(1);
    expect(injected.effects[0]!.experimentId).toBe(experimentId);
  });

  it('stops the instance itself and says so, once', async () => {
    expect(injected.effects).toHaveLength(1);
    expect(injected.effects[0]).toMatchObject({ effect: EFFECT_BY_FAILDRILL, call: 'StopInstances', instanceId: instanceIds['web-stop'] });
    expect(['stopping', 'stopped']).toContain(await instanceState(instanceIds['web-stop']!));
    expect(ctx.journaled[0]).toMatchObject({ op: 'fault', id: fault.id, steps: expect.arrayContaining([{ kind: 'start-instances', instanceIds: [instanceIds['web-stop']] }]) });
  });

  it('undo starts the instance, stops the experiment and closes the journal entry', async () => {
    await injected.undo();
    expect(['pending', 'running']).toContain(await instanceState(instanceIds['web-stop']!));
    const stop = ctx.recorded.find((e) => e.component === 'fis' && e.type === 'experiment' && e.detail.phase === 'stop');
    expect(stop?.detail.state).toBeTruthy();
    expect(ctx.journaled.at(-1)).toEqual({ op: 'fault.undone', id: fault.id });
    await injected.undo();
    expect(ctx.journaled.filter((j) => j.op === 'fault.undone')).toHaveLength(1);
  });
});

describe('aws:network:disrupt-connectivity', () => {
  it('associates a deny-all NACL tagged with the run with the subnet, and undo restores the original', async () => {
    const ctx = context();
    const instanceId = instanceIds['web-cut']!;
    const subnetId = resources.instances['web-cut']!.subnetId;
    const before = (await aws.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls![0]!;
    expect(await subnetDisrupted(aws.ec2, instanceId)).toBe(false);

    const { undo, effects } = await inject(ctx, { id: 'cut-web', action: 'aws:network:disrupt-connectivity', target: 'web-cut', durationMs: 60_000 });
    expect(effects[0]).toMatchObject({ effect: EFFECT_BY_FAILDRILL, subnetId, originalNetworkAclId: before.NetworkAclId });
    expect(await subnetDisrupted(aws.ec2, instanceId)).toBe(true);
    expect(await subnetDisrupted(aws.ec2, instanceIds['web-stop']!)).toBe(false);
    const faultAcl = (await aws.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [String(effects[0]!.networkAclId)] }))).NetworkAcls![0]!;
    expect(faultAcl.Tags).toContainEqual({ Key: RUN_ID_TAG, Value: runId });
    expect(faultAcl.Associations?.map((a) => a.SubnetId)).toEqual([subnetId]);
    const template = (await aws.fis.send(new GetExperimentTemplateCommand({ id: ctx.tracked.find((t) => t.kind === 'fis:experiment-template')!.id }))).experimentTemplate!;
    const [action] = Object.values(template.actions!);
    expect(action!.parameters).toEqual({ duration: isoDuration(60_000), scope: 'all' });
    expect(template.targets![action!.targets!.Subnets!]!.resourceArns).toEqual([`arn:aws:ec2:${region}:${resources.accountId}:subnet/${subnetId}`]);

    await undo();
    expect(await subnetDisrupted(aws.ec2, instanceId)).toBe(false);
    const after = (await aws.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls![0]!;
    expect(after.NetworkAclId).toBe(before.NetworkAclId);
    const left = await aws.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: `tag:${RUN_ID_TAG}`, Values: [runId] }] }));
    expect(left.NetworkAcls ?? []).toEqual([]);
  });
});

describe('a run killed with faults applied', () => {
  it('the journal alone puts the instance and the subnet back and stops the experiments', async () => {
    const ctx = context();
    await inject(ctx, { id: 'killed-stop', action: 'aws:ec2:stop-instances', target: 'web-stop' });
    await inject(ctx, { id: 'killed-cut', action: 'aws:network:disrupt-connectivity', target: 'web-cut' });
    expect(await subnetDisrupted(aws.ec2, instanceIds['web-cut']!)).toBe(true);
    // no undo is called: the run "died"; cleanup has the journal lines only
    const lines = ctx.journaled.map((entry) => JSON.parse(JSON.stringify(entry)) as AwsFaultJournalEntry);
    expect(await undoPendingFaults(aws, lines)).toEqual(['killed-cut', 'killed-stop']);
    expect(await subnetDisrupted(aws.ec2, instanceIds['web-cut']!)).toBe(false);
    expect(['pending', 'running']).toContain(await instanceState(instanceIds['web-stop']!));
    const left = await aws.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: `tag:${RUN_ID_TAG}`, Values: [runId] }] }));
    expect(left.NetworkAcls ?? []).toEqual([]);
    for (const t of ctx.tracked.filter((r) => r.kind === 'fis:experiment')) {
      const state = (await aws.fis.send(new GetExperimentCommand({ id: t.id }))).experiment!.state!.status;
      expect(['stopped', 'completed']).toContain(state);
    }
    expect(await undoPendingFaults(aws, lines)).toEqual(['killed-cut', 'killed-stop']);
  });
});

describe('aws:ec2:terminate-instances', () => {
  it('terminates the instance; undo only stops the experiment', async () => {
    const ctx = context();
    const { undo, effects } = await inject(ctx, { id: 'kill-web', action: 'aws:ec2:terminate-instances', target: 'web-gone' });
    expect(effects[0]).toMatchObject({ effect: EFFECT_BY_FAILDRILL, call: 'TerminateInstances' });
    expect(['shutting-down', 'terminated']).toContain(await instanceState(instanceIds['web-gone']!));
    await undo();
    expect(['shutting-down', 'terminated']).toContain(await instanceState(instanceIds['web-gone']!));
    expect(ctx.recorded.some((e) => e.type === 'experiment' && e.detail.phase === 'stop')).toBe(true);
  });
});

describe('real AWS, where FIS runs the action', () => {
  // the same code path as an account endpoint: no emulator in the context. moto's FIS advances the experiment one
  // state per GetExperiment (design.md §8) and runs no action, so whatever changes in EC2 would be faildrill's doing.
  it('applies nothing itself: the fault takes effect when the experiment runs, undo is StopExperiment alone', async () => {
    const { emulator: _, ...base } = context();
    const ctx = { ...base, experimentPollMs: 10 };
    const before = await instanceState(instanceIds['web-cut']!);
    const { undo, effects } = await inject(ctx, { id: 'fis-stops-web', action: 'aws:ec2:stop-instances', target: 'web-cut', durationMs: 60_000 });
    expect(effects).toEqual([expect.objectContaining({ effect: EFFECT_BY_FIS, action: 'aws:ec2:stop-instances', experimentState: 'running' })]);
    expect(await instanceState(instanceIds['web-cut']!)).toBe(before);
    const experimentId = String(effects[0]!.experimentId);
    expect(ctx.journaled[0]).toEqual({ op: 'fault', id: 'fis-stops-web', action: 'aws:ec2:stop-instances', target: 'web-cut', steps: [{ kind: 'stop-experiment', experimentId }] });
    // no deny-all NACL or other planning resource was created: only the template and the experiment
    expect(ctx.tracked.map((t) => t.kind).sort()).toEqual(['fis:experiment', 'fis:experiment-template']);
    await undo();
    expect(ctx.recorded.some((e) => e.type === 'experiment' && e.detail.phase === 'stop' && e.detail.experimentId === experimentId)).toBe(true);
    expect(ctx.journaled.at(-1)).toEqual({ op: 'fault.undone', id: 'fis-stops-web' });
    expect(await instanceState(instanceIds['web-cut']!)).toBe(before);
  });
});

describe('database faults', () => {
  it('aws:rds:failover-db-cluster: FailoverDBCluster makes the standby the writer', async () => {
    const ctx = context();
    expect(await clusterWriter()).toBe(resources.database!.writer);
    const { effects } = await inject(ctx, { id: 'db-failover', action: 'aws:rds:failover-db-cluster', target: 'db' });
    expect(await clusterWriter()).toBe(resources.database!.standby);
    expect(effects[0]).toMatchObject({ effect: EFFECT_BY_FAILDRILL, call: 'FailoverDBCluster', previousWriter: resources.database!.writer, writer: resources.database!.standby });
  });

  it("aws:rds:reboot-db-instances with forceFailover: the event says moto ignores it rather than faking a failover", async () => {
    const ctx = context();
    const writerBefore = await clusterWriter();
    const { effects } = await inject(ctx, { id: 'db-reboot', action: 'aws:rds:reboot-db-instances', target: 'db', forceFailover: true });
    expect(effects[0]).toMatchObject({ effect: EFFECT_BY_FAILDRILL, call: 'RebootDBInstance', forceFailover: true });
    expect(String(effects[0]!.note)).toMatch(/moto ignores ForceFailover/);
    expect(await clusterWriter()).toBe(writerBefore);
  });
});

describe('an endpoint without FIS', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // answers every FIS call as LocalStack community does (design.md §8): HTTP 501
    server = createServer((_req, res) => {
      res.writeHead(501, { 'content-type': 'application/json', 'x-amzn-errortype': 'NotImplemented' });
      res.end(JSON.stringify({ __type: 'NotImplemented', message: 'fis is not available in this edition' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('still applies the effect and logs that FIS is unavailable instead of an experiment', async () => {
    const split = awsClients({ region, endpoint: moto.endpoint, endpoints: { fis: endpoint }, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
    try {
      const ctx = { ...context(), clients: split, emulator: 'localstack' as const };
      const { undo, effects } = await inject(ctx, { id: 'stop-no-fis', action: 'aws:ec2:stop-instances', target: 'web-stop' });
      expect(effects[0]).toMatchObject({ effect: EFFECT_BY_FAILDRILL, fis: 'unavailable' });
      expect(['stopping', 'stopped']).toContain(await instanceState(instanceIds['web-stop']!));
      const experiment = ctx.recorded.find((e) => e.type === 'experiment')!;
      expect(experiment.detail).toMatchObject({ state: 'unavailable' });
      expect(String(experiment.detail.reason)).toMatch(/localstack has no FIS/);
      await undo();
      expect(['pending', 'running']).toContain(await instanceState(instanceIds['web-stop']!));
    } finally {
      split.destroy();
    }
  });
});

describe('what the faults created', () => {
  it('is tagged with the run id and deletable', async () => {
    const templates = (await aws.fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates ?? [];
    const ours = templates.filter((t) => t.tags?.[RUN_ID_TAG] === runId);
    // one template per fault injected against moto's FIS above: stop, disrupt, killed stop, killed disrupt, terminate, FIS-run stop, failover, reboot
    expect(ours).toHaveLength(8);
    const experiments = (await aws.fis.send(new ListExperimentsCommand({}))).experiments ?? [];
    expect(experiments.filter((e) => e.tags?.[RUN_ID_TAG] === runId)).toHaveLength(8);
    for (const t of ours) await aws.fis.send(new DeleteExperimentTemplateCommand({ id: t.id }));
    const left = (await aws.fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates ?? [];
    expect(left.filter((t) => t.tags?.[RUN_ID_TAG] === runId)).toEqual([]);
  });
});
