import type { CreateExperimentTemplateCommandInput } from '@aws-sdk/client-fis';
import { callerReference, runTagMap } from '../provision/tags.js';
import type { AwsFault, AwsFaultAction, FaultResources } from './context.js';
import { databaseOf, FaultTargetError, instanceOf } from './fault-target.js';

/** The longest `duration` FIS takes for aws:network:disrupt-connectivity (FIS actions reference: PT1M–PT12H); used when the fault has none. */
export const DISRUPT_CONNECTIVITY_MAX = 'PT12H';

/** An ISO 8601 duration of whole seconds, rounded up (`PT90S`), as FIS action parameters take it. */
export function isoDuration(durationMs: number): string {
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new RangeError(`isoDuration: expected a positive duration, got ${durationMs} ms`);
  return `PT${Math.ceil(durationMs / 1000)}S`;
}

/** One FIS target: its name in the action, resource type and the ARNs it selects. */
export interface FisTarget {
  /** The action's target key (`Instances`, `Subnets`, `Clusters`, `DBInstances`). */
  key: string;
  resourceType: string;
  arns: string[];
}

/** The FIS target of a fault's action, by resource ARN (the FIS actions reference names key and resource type). */
export function fisTarget(fault: Pick<AwsFault, 'action' | 'target'>, resources: FaultResources): FisTarget {
  const action = fault.action as AwsFaultAction;
  switch (action) {
    case 'aws:ec2:stop-instances':
    case 'aws:ec2:terminate-instances':
      return { key: 'Instances', resourceType: 'aws:ec2:instance', arns: [instanceOf(fault, resources).arn] };
    case 'aws:network:disrupt-connectivity': {
      const { subnetId } = instanceOf(fault, resources);
      return { key: 'Subnets', resourceType: 'aws:ec2:subnet', arns: [`arn:aws:ec2:${resources.region}:${resources.accountId}:subnet/${subnetId}`] };
    }
    case 'aws:rds:failover-db-cluster': {
      const db = databaseOf(fault, resources);
      if (!db.clusterArn) throw new FaultTargetError(fault, `database '${db.id}' is not a DB cluster`);
      return { key: 'Clusters', resourceType: 'aws:rds:cluster', arns: [db.clusterArn] };
    }
    case 'aws:rds:reboot-db-instances':
      return { key: 'DBInstances', resourceType: 'aws:rds:db', arns: [databaseOf(fault, resources).writerArn] };
    default:
      throw new FaultTargetError(fault, 'not an AWS FIS action faildrill applies');
  }
}

/** The action's parameters: the fault's duration where the action takes one, forceFailover for a reboot. */
export function fisParameters(fault: AwsFault): Record<string, string> {
  switch (fault.action) {
    case 'aws:ec2:stop-instances':
      return fault.durationMs !== undefined ? { startInstancesAfterDuration: isoDuration(fault.durationMs) } : {};
    case 'aws:network:disrupt-connectivity':
      return { duration: fault.durationMs !== undefined ? isoDuration(fault.durationMs) : DISRUPT_CONNECTIVITY_MAX, scope: 'all' };
    case 'aws:rds:reboot-db-instances':
      return fault.forceFailover !== undefined ? { forceFailover: String(fault.forceFailover) } : {};
    default:
      return {};
  }
}

/** The default FIS role of a run's account; moto accepts any role, real AWS needs one that exists. */
export function defaultRoleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/faildrill-fis`;
}

/** CreateExperimentTemplate's input for one fault: one action, one target by ARN, tagged with the run. */
export function experimentTemplateInput(fault: AwsFault, resources: FaultResources, roleArn = defaultRoleArn(resources.accountId)): CreateExperimentTemplateCommandInput {
  const target = fisTarget(fault, resources);
  const parameters = fisParameters(fault);
  const targetName = `${fault.id}-target`.slice(0, 64);
  return {
    clientToken: callerReference(resources.runId, `fis-template-${fault.id}`),
    description: `faildrill ${resources.scenario}: fault ${fault.id} (${fault.action} on ${fault.target})`.slice(0, 512),
    roleArn,
    stopConditions: [{ source: 'none' }],
    actions: {
      [fault.id.slice(0, 64)]: {
        actionId: fault.action,
        targets: { [target.key]: targetName },
        ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      },
    },
    targets: { [targetName]: { resourceType: target.resourceType, resourceArns: target.arns, selectionMode: 'ALL' } },
    tags: runTagMap(resources),
  };
}
