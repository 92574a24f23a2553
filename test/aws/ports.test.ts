import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBClusterCommand, CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, CreateHealthCheckCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, ThrottlingException } from '@aws-sdk/client-route-53';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortError } from '../../src/controller/port-error.js';
import type { EventSink } from '../../src/controller/ports.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from '../../src/targets/aws/clients.js';
import { toPortError } from '../../src/targets/aws/errors.js';
import { RdsDatabasePort } from '../../src/targets/aws/ports/database.js';
import { Route53DnsPort } from '../../src/targets/aws/ports/dns.js';
import { ElbListenerPort } from '../../src/targets/aws/ports/load-balancer.js';
import type { PortResources } from '../../src/targets/aws/ports/resources.js';
import { AsgScalingGroupPort } from '../../src/targets/aws/ports/scaling-group.js';
import { SnsNotifier } from '../../src/targets/aws/ports/sns-notifier.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

/**
 * The controller's AWS ports against a real moto 5.2.5 server: each group creates the few resources
 * its port needs with the SDK, drives the port, and reads the state back with the SDK. Expected
 * values come from what the test configured (TTL, deregistration delay, capacities) or from
 * design.md §8 (what moto does).
 */
const region = 'us-east-1';
let moto: MotoHandle;
let aws: AwsClients;

interface Recorded {
  component: string;
  type: string;
  detail: Record<string, string | number | boolean>;
}
function recorder(): EventSink & { events: Recorded[] } {
  const events: Recorded[] = [];
  return { events, emit: (component, type, detail) => events.push({ component, type, detail }) };
}

/** Counts the commands named `name` a client sends; `inputs` holds each one's input. */
function watch(client: AwsClients[keyof Omit<AwsClients, 'endpointOf' | 'destroy'>], name: string): { count(): number; inputs: unknown[] } {
  const inputs: unknown[] = [];
  (client as AwsClients['sts']).middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === name) inputs.push(args.input);
      return next(args);
    },
    { step: 'initialize', name: `watch${name}${process.hrtime.bigint()}` },
  );
  return { count: () => inputs.length, inputs };
}

beforeAll(async () => {
  moto = await startMoto();
  aws = awsClients({ region, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
});

afterAll(async () => {
  aws?.destroy();
  await moto?.stop();
});

const noInstances: PortResources['instances'] = {};

async function network() {
  const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnets = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
    subnets.push((await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: zone }))).Subnet!.SubnetId!);
  }
  const imageId = (await aws.ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
  return { vpcId, subnets, imageId };
}

describe('Route53DnsPort', () => {
  /** The test's configuration: a failover pair with this TTL; the primary ("blue") carries the health check, as in seed 000. */
  const TTL_SEC = 30;
  const record = 'app.drill.example.com';
  let resources: PortResources;
  let healthCheckId: string;

  async function roles(): Promise<Record<string, string | undefined>> {
    const { ResourceRecordSets } = await aws.route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: resources.dns!.hostedZoneId, StartRecordName: record, StartRecordType: 'A' }),
    );
    return Object.fromEntries((ResourceRecordSets ?? []).filter((s) => s.SetIdentifier).map((s) => [s.SetIdentifier!, s.Failover]));
  }

  beforeAll(async () => {
    await moto.reset();
    const zone = await aws.route53.send(new CreateHostedZoneCommand({ Name: 'drill.example.com', CallerReference: `zone-${process.hrtime.bigint()}` }));
    const hostedZoneId = zone.HostedZone!.Id!;
    healthCheckId = (
      await aws.route53.send(
        new CreateHealthCheckCommand({
          CallerReference: `hc-${process.hrtime.bigint()}`,
          HealthCheckConfig: { Type: 'HTTP', IPAddress: '192.0.2.10', Port: 80, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 3 },
        }),
      )
    ).HealthCheck!.Id!;
    const set = (id: string, role: 'PRIMARY' | 'SECONDARY', ip: string, check?: string) => ({
      Name: record,
      Type: 'A' as const,
      SetIdentifier: id,
      Failover: role,
      TTL: TTL_SEC,
      ResourceRecords: [{ Value: ip }],
      ...(check ? { HealthCheckId: check } : {}),
    });
    await aws.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: {
          Changes: [
            { Action: 'CREATE', ResourceRecordSet: set('blue', 'PRIMARY', '192.0.2.10', healthCheckId) },
            { Action: 'CREATE', ResourceRecordSet: set('green', 'SECONDARY', '192.0.2.20') },
          ],
        },
      }),
    );
    resources = { instances: noInstances, dns: { hostedZoneId, recordName: `${record}.`, recordType: 'A', primary: { setIdentifier: 'blue' }, secondary: { setIdentifier: 'green' } } };
  });

  it('reads the primary as active while its check passes (moto: GetHealthCheckStatus is always Success)', async () => {
    await expect(new Route53DnsPort(aws.route53, resources).getActive(record)).resolves.toBe('primary');
  });

  it('drains for the TTL the records were created with', async () => {
    await expect(new Route53DnsPort(aws.route53, resources).drainMs(record)).resolves.toBe(TTL_SEC * 1000);
  });

  it('setActive swaps the failover roles in one change, keeps values, TTL and health check, and waits for INSYNC', async () => {
    const port = new Route53DnsPort(aws.route53, resources);
    const changes = watch(aws.route53, 'ChangeResourceRecordSetsCommand');
    const polls = watch(aws.route53, 'GetChangeCommand');
    await port.setActive(record, 'secondary');
    expect(await roles()).toEqual({ blue: 'SECONDARY', green: 'PRIMARY' });
    expect(changes.count()).toBe(1);
    expect(polls.count()).toBeGreaterThanOrEqual(1);
    const { ResourceRecordSets } = await aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: resources.dns!.hostedZoneId }));
    const blue = ResourceRecordSets!.find((s) => s.SetIdentifier === 'blue')!;
    expect(blue).toMatchObject({ TTL: TTL_SEC, HealthCheckId: healthCheckId, ResourceRecords: [{ Value: '192.0.2.10' }] });
    await expect(port.getActive(record)).resolves.toBe('secondary');

    await port.setActive(record, 'secondary');
    expect(changes.count()).toBe(1);

    await port.setActive(`${record}.`, 'primary');
    expect(await roles()).toEqual({ blue: 'PRIMARY', green: 'SECONDARY' });
    expect(changes.count()).toBe(2);
  });

  it("answers the secondary while the primary's check fails by faildrill's own evaluation (emulators never evaluate checks)", async () => {
    const port = new Route53DnsPort(aws.route53, resources, { health: (id) => id !== healthCheckId });
    await expect(port.getActive(record)).resolves.toBe('secondary');
    expect(await roles()).toEqual({ blue: 'PRIMARY', green: 'SECONDARY' });
  });

  it('rejects a record the run does not have with a non-retryable INVALID', async () => {
    const failure = await new Route53DnsPort(aws.route53, resources).setActive('other.drill.example.com', 'secondary').catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'PortError', code: 'INVALID', retryable: false, port: 'dns', operation: 'setActive' });
  });

  it('turns a Route 53 ThrottlingException into a retryable THROTTLED PortError that names it', async () => {
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    const mapped = toPortError(throttled, 'dns', 'setActive');
    expect(mapped).toMatchObject({ code: 'THROTTLED', retryable: true });
    expect(mapped.message).toContain('ThrottlingException');

    // the same exception raised inside a real client's pipeline reaches the port's caller the same way
    const throttledClients = awsClients({ region, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    try {
      throttledClients.route53.middlewareStack.add(
        () => () => Promise.reject(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } })),
        { step: 'initialize', name: 'throttle' },
      );
      const failure = await new Route53DnsPort(throttledClients.route53, resources).getActive(record).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PortError);
      expect(failure).toMatchObject({ code: 'THROTTLED', retryable: true, port: 'dns', operation: 'getActive' });
    } finally {
      throttledClients.destroy();
    }
  });
});

describe('ElbListenerPort', () => {
  /** The test's configuration: tg-green's deregistration delay. */
  const DELAY_SEC = 45;
  let resources: PortResources;
  let arns: Record<'blue' | 'green', string>;
  let net: Awaited<ReturnType<typeof network>>;

  beforeAll(async () => {
    await moto.reset();
    net = await network();
    const [web1, web2] = (await aws.ec2.send(new RunInstancesCommand({ ImageId: net.imageId, MinCount: 2, MaxCount: 2, SubnetId: net.subnets[0] }))).Instances!.map((i) => i.InstanceId!);
    const lbArn = (await aws.elbv2.send(new CreateLoadBalancerCommand({ Name: 'drill-lb', Subnets: net.subnets }))).LoadBalancers![0]!.LoadBalancerArn!;
    const group = async (name: string) =>
      (await aws.elbv2.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: net.vpcId, TargetType: 'instance' }))).TargetGroups![0]!.TargetGroupArn!;
    arns = { blue: await group('tg-blue'), green: await group('tg-green') };
    await aws.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arns.blue, Targets: [{ Id: web1 }] }));
    await aws.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arns.green, Targets: [{ Id: web2 }] }));
    await aws.elbv2.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arns.green, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(DELAY_SEC) }] }),
    );
    const listenerArn = (
      await aws.elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: arns.blue }] }))
    ).Listeners![0]!.ListenerArn!;
    resources = {
      instances: { 'web-1': { instanceId: web1! }, 'web-2': { instanceId: web2! } },
      loadBalancer: { id: 'lb', listenerArn, targetGroups: { 'tg-blue': { arn: arns.blue }, 'tg-green': { arn: arns.green } } },
    };
  });

  it('reads the group the listener forwards to, moves it with ModifyListener, and reads it back', async () => {
    const port = new ElbListenerPort(aws.elbv2, resources);
    await expect(port.getForwardTarget('lb')).resolves.toBe('tg-blue');
    await port.forwardTo('lb', 'tg-green');
    const { Listeners } = await aws.elbv2.send(new DescribeListenersCommand({ ListenerArns: [resources.loadBalancer!.listenerArn] }));
    expect(Listeners![0]!.DefaultActions).toEqual([expect.objectContaining({ Type: 'forward', TargetGroupArn: arns.green })]);
    await expect(port.getForwardTarget('lb')).resolves.toBe('tg-green');
    await port.forwardTo('lb', 'tg-blue');
    await expect(port.getForwardTarget('lb')).resolves.toBe('tg-blue');
  });

  it("drains for the group's deregistration delay: the one set, and the ELBv2 default of 300 s otherwise", async () => {
    const port = new ElbListenerPort(aws.elbv2, resources);
    await expect(port.drainMs('tg-green')).resolves.toBe(DELAY_SEC * 1000);
    // 300 s: ELBv2's default deregistration delay (design.md §5)
    await expect(port.drainMs('tg-blue')).resolves.toBe(300_000);
  });

  it("lists a group's targets as scenario servers, and an instance no server stands for by its id", async () => {
    const port = new ElbListenerPort(aws.elbv2, resources);
    await expect(port.targets('tg-blue')).resolves.toEqual(['web-1']);
    const [extra] = (await aws.ec2.send(new RunInstancesCommand({ ImageId: net.imageId, MinCount: 1, MaxCount: 1, SubnetId: net.subnets[0] }))).Instances!.map((i) => i.InstanceId!);
    await aws.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arns.green, Targets: [{ Id: extra! }] }));
    expect((await port.targets('tg-green')).sort()).toEqual(['web-2', extra].sort());
  });

  it('rejects a load balancer or target group the run does not have with INVALID', async () => {
    const port = new ElbListenerPort(aws.elbv2, resources);
    await expect(port.forwardTo('lb', 'tg-missing')).rejects.toMatchObject({ code: 'INVALID', operation: 'forwardTo' });
    await expect(port.getForwardTarget('other-lb')).rejects.toMatchObject({ code: 'INVALID', operation: 'getForwardTarget' });
  });

  it("maps moto's ListenerNotFound for a listener that does not exist to INVALID, naming the SDK error", async () => {
    const gone = { ...resources, loadBalancer: { ...resources.loadBalancer!, listenerArn: `${resources.loadBalancer!.listenerArn}0` } };
    const failure = await new ElbListenerPort(aws.elbv2, gone).getForwardTarget('lb').catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'INVALID', retryable: false });
    expect((failure as Error).message).toContain('ListenerNotFound');
  });
});

describe('RdsDatabasePort', () => {
  const credentials = { MasterUsername: 'drill', MasterUserPassword: 'drill-password-1' };

  describe('a DB cluster (FailoverDBCluster)', () => {
    let resources: PortResources;
    async function writer(): Promise<string | undefined> {
      const { DBClusters } = await aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'drill-cluster' }));
      return DBClusters![0]!.DBClusterMembers!.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    }

    beforeAll(async () => {
      await moto.reset();
      await aws.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'drill-cluster', Engine: 'aurora-postgresql', ...credentials }));
      for (const id of ['drill-writer', 'drill-reader'])
        await aws.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: id, DBClusterIdentifier: 'drill-cluster', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r5.large' }));
      resources = {
        instances: noInstances,
        database: { id: 'db', engine: 'aurora', clusterId: 'drill-cluster', writer: 'drill-writer', standby: 'drill-reader', hosts: { primary: 'db-a', standby: 'db-b' } },
      };
    });

    it('fails over to the reader and back, the writer read back from RDS each time', async () => {
      const port = new RdsDatabasePort(aws.rds, aws.cloudwatch, resources, recorder(), { pollMs: 50 });
      await expect(port.getWriter('db')).resolves.toBe('db-a');
      await port.promote('db');
      expect(await writer()).toBe('drill-reader');
      await expect(port.getWriter('db')).resolves.toBe('db-b');
      await port.promote('db');
      expect(await writer()).toBe('drill-writer');
      await expect(port.getWriter('db')).resolves.toBe('db-a');
    });

    it('rejects a database the run does not have with INVALID', async () => {
      const port = new RdsDatabasePort(aws.rds, aws.cloudwatch, resources, recorder());
      await expect(port.promote('other')).rejects.toMatchObject({ code: 'INVALID', port: 'database', operation: 'promote' });
    });
  });

  describe('a read replica (PromoteReadReplica)', () => {
    let resources: PortResources;

    beforeAll(async () => {
      await moto.reset();
      await aws.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'drill-source', Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, ...credentials }));
      await aws.rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'drill-replica', SourceDBInstanceIdentifier: 'drill-source' }));
      resources = {
        instances: noInstances,
        database: { id: 'db', engine: 'rds-read-replica', writer: 'drill-source', standby: 'drill-replica', hosts: { primary: 'db-a', standby: 'db-b' } },
      };
    });

    it("waiting for RDS to report the promotion times out on moto, which keeps reporting the source (design.md §8): the port does not pretend", async () => {
      const promoteTimeoutMs = 600;
      const port = new RdsDatabasePort(aws.rds, aws.cloudwatch, resources, recorder(), { promoteTimeoutMs, pollMs: 100 });
      await expect(port.getWriter('db')).resolves.toBe('db-a');
      const failure = await port.promote('db').catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'TIMEOUT', operation: 'promote' });
      expect((failure as Error).message).toContain(`waited ${promoteTimeoutMs} ms`);
      await expect(port.getWriter('db')).resolves.toBe('db-a');
    });

    it("reads the replica's lag from CloudWatch's AWS/RDS ReplicaLag (seconds), and says when there is no datapoint", async () => {
      const port = new RdsDatabasePort(aws.rds, aws.cloudwatch, resources, recorder());
      await expect(port.replicationLagMs('db')).rejects.toMatchObject({ code: 'UNAVAILABLE', operation: 'replicationLagMs' });
      const LAG_SEC = 3;
      await aws.cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/RDS',
          MetricData: [{ MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'drill-replica' }], Value: LAG_SEC, Unit: 'Seconds', Timestamp: new Date() }],
        }),
      );
      await expect(port.replicationLagMs('db')).resolves.toBe(LAG_SEC * 1000);
    });

    it("with replicaPromotion 'recorded', the accepted promotion makes the replica the writer and the event log says faildrill recorded it", async () => {
      const events = recorder();
      const port = new RdsDatabasePort(aws.rds, aws.cloudwatch, resources, events, { replicaPromotion: 'recorded' });
      await port.promote('db');
      await expect(port.getWriter('db')).resolves.toBe('db-b');
      const { DBInstances } = await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'drill-replica' }));
      expect(DBInstances![0]!.ReadReplicaSourceDBInstanceIdentifier).toBe('drill-source');
      expect(events.events).toEqual([
        expect.objectContaining({ component: 'database', type: 'promotion.recorded', detail: expect.objectContaining({ database: 'db', instance: 'drill-replica', source: 'faildrill' }) }),
      ]);
      await expect(port.promote('db')).rejects.toMatchObject({ code: 'INVALID', operation: 'promote' });
    });
  });
  describe('a Multi-AZ instance (RebootDBInstance ForceFailover)', () => {
    let resources: PortResources;

    beforeAll(async () => {
      await moto.reset();
      await aws.rds.send(
        new CreateDBInstanceCommand({ DBInstanceIdentifier: 'drill-multi-az', Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MultiAZ: true, ...credentials }),
      );
      resources = { instances: noInstances, database: { id: 'db', engine: 'rds-multi-az-instance', writer: 'drill-multi-az', hosts: { primary: 'db-a', standby: 'db-b' } } };
    });

    it("reads the primary host as the writer, and a failover that moto ignores (design.md §8) times out instead of being assumed", async () => {
      const promoteTimeoutMs = 600;
      const port = new RdsDatabasePort(aws.rds, aws.cloudwatch, resources, recorder(), { promoteTimeoutMs, pollMs: 100 });
      await expect(port.getWriter('db')).resolves.toBe('db-a');
      await expect(port.promote('db')).rejects.toMatchObject({ code: 'TIMEOUT', operation: 'promote' });
      await expect(port.getWriter('db')).resolves.toBe('db-a');
      // a synchronous standby has no lag (design.md §5)
      await expect(port.replicationLagMs('db')).resolves.toBe(0);
    });
  });
});

describe('AsgScalingGroupPort', () => {
  /** The test's configuration: a group of INITIAL instances, room for MAX. */
  const INITIAL = 2;
  const MAX = 5;
  let resources: PortResources;

  async function group() {
    const { AutoScalingGroups } = await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['drill-asg'] }));
    return AutoScalingGroups![0]!;
  }

  beforeAll(async () => {
    await moto.reset();
    const { imageId, subnets } = await network();
    await aws.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'drill-template', LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' } }));
    await aws.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'drill-asg',
        MinSize: 0,
        MaxSize: MAX,
        DesiredCapacity: INITIAL,
        LaunchTemplate: { LaunchTemplateName: 'drill-template' },
        VPCZoneIdentifier: subnets.join(','),
        DefaultCooldown: 300,
      }),
    );
    resources = { instances: noInstances, autoscaling: { id: 'asg', name: 'drill-asg' } };
  });

  it('sets the desired capacity with HonorCooldown, moto launches the instances, and the same value twice is one change', async () => {
    const port = new AsgScalingGroupPort(aws.autoscaling, resources);
    const sets = watch(aws.autoscaling, 'SetDesiredCapacityCommand');
    await expect(port.getDesiredCapacity('asg')).resolves.toBe(INITIAL);
    await port.setDesiredCapacity('asg', INITIAL + 1);
    const after = await group();
    expect(after.DesiredCapacity).toBe(INITIAL + 1);
    expect(after.Instances).toHaveLength(INITIAL + 1);
    expect(sets.inputs).toEqual([expect.objectContaining({ AutoScalingGroupName: 'drill-asg', DesiredCapacity: INITIAL + 1, HonorCooldown: true })]);
    await port.setDesiredCapacity('asg', INITIAL + 1);
    expect(sets.count()).toBe(1);
    await expect(port.getDesiredCapacity('asg')).resolves.toBe(INITIAL + 1);
  });

  it('rejects a group the run does not have, and one Auto Scaling does not have, with INVALID', async () => {
    await expect(new AsgScalingGroupPort(aws.autoscaling, resources).setDesiredCapacity('other', 1)).rejects.toMatchObject({ code: 'INVALID' });
    const gone = { ...resources, autoscaling: { id: 'asg', name: 'drill-asg-deleted' } };
    await expect(new AsgScalingGroupPort(aws.autoscaling, gone).getDesiredCapacity('asg')).rejects.toMatchObject({ code: 'INVALID', port: 'scalingGroup' });
  });
});

describe('SnsNotifier', () => {
  let server: Server;
  let topicArn: string;
  const received: Array<Record<string, unknown>> = [];
  let onReceived: () => void = () => {};

  beforeAll(async () => {
    await moto.reset();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.end('ok');
        onReceived();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'drill-failover' }))).TopicArn!;
    await aws.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `http://127.0.0.1:${port}/sns` }));
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('publishes a notification that reaches an HTTP subscriber (moto delivers on Publish, design.md §8)', async () => {
    const events = recorder();
    const notifier = new SnsNotifier(aws.sns, topicArn, events);
    const delivered = new Promise<void>((resolve) => (onReceived = () => received.some((m) => m.Type === 'Notification') && resolve()));
    notifier.notify({ atMs: 1234, severity: 'critical', summary: 'dns:app.example.com: failover primary → secondary', failoverId: 'f-1' });
    expect(notifier.pending).toBe(1);
    await notifier.flush();
    await delivered;
    const notification = received.find((m) => m.Type === 'Notification')!;
    expect(notification.TopicArn).toBe(topicArn);
    expect(notification.Subject).toBe('faildrill critical: dns:app.example.com: failover primary ? secondary');
    expect(JSON.parse(notification.Message as string)).toEqual({ source: 'faildrill', atMs: 1234, severity: 'critical', summary: 'dns:app.example.com: failover primary → secondary', failoverId: 'f-1' });
    expect(events.events).toEqual([expect.objectContaining({ component: 'notifier', type: 'notify.sent', detail: expect.objectContaining({ topic: topicArn, failoverId: 'f-1' }) })]);
  });

  it('a publish that fails is an event, never a throw', async () => {
    const events = recorder();
    const missing = `${topicArn}-missing`;
    const notifier = new SnsNotifier(aws.sns, missing, events);
    expect(() => notifier.notify({ atMs: 1, severity: 'warning', summary: 'lost' })).not.toThrow();
    await notifier.flush();
    expect(notifier.pending).toBe(0);
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({ component: 'notifier', type: 'notify.failed', detail: { topic: missing, code: 'INVALID', retryable: false } });
    expect(events.events[0]!.detail.message).toContain('NotFound');
  });
});
