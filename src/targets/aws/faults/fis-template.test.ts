import { describe, expect, it } from 'vitest';
import { RUN_ID_TAG } from '../provision/tags.js';
import type { FaultResources } from './context.js';
import { FaultTargetError } from './fault-target.js';
import { DISRUPT_CONNECTIVITY_MAX, defaultRoleArn, experimentTemplateInput, fisParameters, fisTarget, isoDuration } from './fis-template.js';

/**
 * Expected keys, resource types and parameters are those of the AWS FIS actions reference
 * (aws:ec2:stop-instances → Instances/aws:ec2:instance, startInstancesAfterDuration; aws:network:
 * disrupt-connectivity → Subnets/aws:ec2:subnet, duration PT1M–PT12H, scope; aws:rds:failover-db-cluster
 * → Clusters/aws:rds:cluster; aws:rds:reboot-db-instances → DBInstances/aws:rds:db, forceFailover).
 */
const resources: FaultResources = {
  runId: 'run-1',
  scenario: 'drill',
  region: 'eu-west-1',
  accountId: '210987654321',
  network: { vpcId: 'vpc-1' },
  instances: { web: { instanceId: 'i-0abc', arn: 'arn:aws:ec2:eu-west-1:210987654321:instance/i-0abc', subnetId: 'subnet-9' } },
  database: {
    id: 'db',
    clusterId: 'fd-cluster',
    clusterArn: 'arn:aws:rds:eu-west-1:210987654321:cluster:fd-cluster',
    writer: 'fd-writer',
    writerArn: 'arn:aws:rds:eu-west-1:210987654321:db:fd-writer',
    standby: 'fd-reader',
  },
};

describe('isoDuration', () => {
  it('writes whole seconds, rounding a fraction up', () => {
    expect(isoDuration(90_000)).toBe('PT90S');
    expect(isoDuration(1_500)).toBe('PT2S');
  });
  it('refuses a duration that is not positive', () => {
    expect(() => isoDuration(0)).toThrow(RangeError);
  });
});

describe('fisTarget', () => {
  it('targets an instance fault by the instance ARN', () => {
    expect(fisTarget({ action: 'aws:ec2:stop-instances', target: 'web' }, resources)).toEqual({
      key: 'Instances',
      resourceType: 'aws:ec2:instance',
      arns: [resources.instances.web!.arn],
    });
  });
  it("targets disrupt-connectivity by the subnet's ARN in the run's region and account", () => {
    expect(fisTarget({ action: 'aws:network:disrupt-connectivity', target: 'web' }, resources)).toEqual({
      key: 'Subnets',
      resourceType: 'aws:ec2:subnet',
      arns: ['arn:aws:ec2:eu-west-1:210987654321:subnet/subnet-9'],
    });
  });
  it('targets the cluster for a failover and the writer for a reboot', () => {
    expect(fisTarget({ action: 'aws:rds:failover-db-cluster', target: 'db' }, resources).arns).toEqual([resources.database!.clusterArn]);
    expect(fisTarget({ action: 'aws:rds:reboot-db-instances', target: 'db' }, resources)).toMatchObject({ key: 'DBInstances', resourceType: 'aws:rds:db', arns: [resources.database!.writerArn] });
  });
  it('names the missing resource instead of building a template without a target', () => {
    expect(() => fisTarget({ action: 'aws:ec2:stop-instances', target: 'ghost' }, resources)).toThrow(FaultTargetError);
    expect(() => fisTarget({ action: 'aws:rds:failover-db-cluster', target: 'db' }, { ...resources, database: { ...resources.database!, clusterArn: undefined } })).toThrow(/not a DB cluster/);
    expect(() => fisTarget({ action: 'latency', target: 'web' }, resources)).toThrow(/not an AWS FIS action/);
  });
});

describe('fisParameters', () => {
  it("starts stopped instances after the fault's duration, and not at all without one", () => {
    expect(fisParameters({ id: 'f', action: 'aws:ec2:stop-instances', target: 'web', durationMs: 120_000 })).toEqual({ startInstancesAfterDuration: 'PT120S' });
    expect(fisParameters({ id: 'f', action: 'aws:ec2:stop-instances', target: 'web' })).toEqual({});
  });
  it('gives disrupt-connectivity its required duration: the fault\'s, else FIS\'s maximum', () => {
    expect(fisParameters({ id: 'f', action: 'aws:network:disrupt-connectivity', target: 'web', durationMs: 60_000 })).toEqual({ duration: 'PT60S', scope: 'all' });
    expect(fisParameters({ id: 'f', action: 'aws:network:disrupt-connectivity', target: 'web' }).duration).toBe(DISRUPT_CONNECTIVITY_MAX);
  });
  it('passes forceFailover as FIS takes it, a string', () => {
    expect(fisParameters({ id: 'f', action: 'aws:rds:reboot-db-instances', target: 'db', forceFailover: true })).toEqual({ forceFailover: 'true' });
    expect(fisParameters({ id: 'f', action: 'aws:ec2:terminate-instances', target: 'web', durationMs: 5_000 })).toEqual({});
  });
});

describe('experimentTemplateInput', () => {
  it('holds one action on one target, the role and the run tag', () => {
    const input = experimentTemplateInput({ id: 'stop-web', action: 'aws:ec2:stop-instances', target: 'web', durationMs: 30_000 }, resources);
    expect(Object.keys(input.actions!)).toEqual(['stop-web']);
    const action = input.actions!['stop-web']!;
    expect(action.actionId).toBe('aws:ec2:stop-instances');
    const targetName = action.targets!.Instances!;
    expect(input.targets![targetName]).toEqual({ resourceType: 'aws:ec2:instance', resourceArns: [resources.instances.web!.arn], selectionMode: 'ALL' });
    expect(input.roleArn).toBe(defaultRoleArn(resources.accountId));
    expect(input.roleArn).toContain(resources.accountId);
    expect(input.tags![RUN_ID_TAG]).toBe(resources.runId);
    expect(input.stopConditions).toEqual([{ source: 'none' }]);
  });
  it('uses a given role, and a client token that differs per fault', () => {
    const a = experimentTemplateInput({ id: 'a', action: 'aws:ec2:terminate-instances', target: 'web' }, resources, 'arn:aws:iam::210987654321:role/chaos');
    const b = experimentTemplateInput({ id: 'b', action: 'aws:ec2:terminate-instances', target: 'web' }, resources);
    expect(a.roleArn).toBe('arn:aws:iam::210987654321:role/chaos');
    expect(a.clientToken).not.toBe(b.clientToken);
  });
});
