import {
  DeleteNetworkAclCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type StartInstancesCommandInput,
  type StopInstancesCommandInput,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  RebootDBInstanceCommand,
  type FailoverDBClusterCommandInput,
  type RebootDBInstanceCommandInput,
} from '@aws-sdk/client-rds';
import type { EventDetail } from '../../../measure/events.js';
import { resourceName } from '../provision/tags.js';
import type { AwsFault, AwsFaultContext, AwsUndoStep } from './context.js';
import { databaseOf, FaultTargetError, instanceOf } from './fault-target.js';
import { createDenyAllAcl, disruptSubnet, restoreSubnet, subnetAssociations } from './network-acl.js';

/** What every effect's event says: faildrill made the call, not the emulator's FIS. */
export const EFFECT_BY_FAILDRILL = 'applied by faildrill';

/** An effect that took place: facts for the `fault`/`injected` event, and its reverse call when it has one. */
export interface AppliedEffect {
  detail: EventDetail;
  undo?: () => Promise<void>;
}

/** An effect ready to apply: the journal's undo steps are known before anything changes. */
export interface PlannedEffect {
  steps: AwsUndoStep[];
  /** Makes the effecting call; resolves once it returned (the fault's moment). */
  apply(): Promise<AppliedEffect>;
  /** Removes what planning created when the fault is not applied after all. */
  discard(): Promise<void>;
}

const nothing = async () => undefined;

/** The inputs of the effecting calls, shared by {@link planEffect} and the dry run (`describe.ts`). */
export const effectInputs = {
  stopInstances: (instanceId: string): StopInstancesCommandInput => ({ InstanceIds: [instanceId] }),
  startInstances: (instanceId: string): StartInstancesCommandInput => ({ InstanceIds: [instanceId] }),
  terminateInstances: (instanceId: string): TerminateInstancesCommandInput => ({ InstanceIds: [instanceId] }),
  failoverDbCluster: (clusterId: string, standby: string | undefined): FailoverDBClusterCommandInput => ({
    DBClusterIdentifier: clusterId,
    ...(standby ? { TargetDBInstanceIdentifier: standby } : {}),
  }),
  rebootDbInstance: (dbInstanceId: string, forceFailover: boolean): RebootDBInstanceCommandInput => ({ DBInstanceIdentifier: dbInstanceId, ForceFailover: forceFailover }),
};

/**
 * Plans a fault's effect through the regular APIs, as FIS's action would do it (FIS actions
 * reference): stop → StopInstances (undo StartInstances), terminate → TerminateInstances,
 * disrupt-connectivity → a deny-all network ACL on the instance's subnet (undo: the original
 * association back), failover-db-cluster → FailoverDBCluster to the standby, reboot-db-instances →
 * RebootDBInstance with ForceFailover.
 */
export async function planEffect(ctx: AwsFaultContext, fault: AwsFault): Promise<PlannedEffect> {
  const { ec2, rds } = ctx.clients;
  const base = { effect: EFFECT_BY_FAILDRILL };
  switch (fault.action) {
    case 'aws:ec2:stop-instances': {
      const { instanceId } = instanceOf(fault, ctx.resources);
      return {
        steps: [{ kind: 'start-instances', instanceIds: [instanceId] }],
        discard: nothing,
        apply: async () => {
          const stopped = await ec2.send(new StopInstancesCommand(effectInputs.stopInstances(instanceId)));
          return {
            detail: { ...base, call: 'StopInstances', instanceId, instanceState: stopped.StoppingInstances?.[0]?.CurrentState?.Name ?? 'unknown' },
            undo: async () => {
              await ec2.send(new StartInstancesCommand(effectInputs.startInstances(instanceId)));
            },
          };
        },
      };
    }
    case 'aws:ec2:terminate-instances': {
      const { instanceId } = instanceOf(fault, ctx.resources);
      return {
        steps: [],
        discard: nothing,
        apply: async () => {
          const terminated = await ec2.send(new TerminateInstancesCommand(effectInputs.terminateInstances(instanceId)));
          return { detail: { ...base, call: 'TerminateInstances', instanceId, instanceState: terminated.TerminatingInstances?.[0]?.CurrentState?.Name ?? 'unknown' } };
        },
      };
    }
    case 'aws:network:disrupt-connectivity': {
      const { instanceId, subnetId } = instanceOf(fault, ctx.resources);
      const originalAclId = (await subnetAssociations(ec2, [subnetId])).get(subnetId)?.networkAclId;
      if (!originalAclId) throw new FaultTargetError(fault, `subnet ${subnetId} has no network ACL association`);
      const faultAclId = await createDenyAllAcl(ec2, ctx.resources.network.vpcId, ctx.resources, resourceName(ctx.resources.runId, `${fault.id}-deny-all`, 64));
      ctx.track?.({ kind: 'ec2:network-acl', id: faultAclId, runId: ctx.resources.runId });
      return {
        steps: [{ kind: 'restore-network-acl', subnetId, networkAclId: originalAclId, faultNetworkAclId: faultAclId }],
        discard: async () => {
          await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: faultAclId }));
        },
        apply: async () => {
          const disruption = await disruptSubnet(ec2, subnetId, faultAclId);
          return {
            detail: { ...base, call: 'ReplaceNetworkAclAssociation', instanceId, subnetId, networkAclId: faultAclId, originalNetworkAclId: disruption.originalAclId },
            undo: () => restoreSubnet(ec2, disruption),
          };
        },
      };
    }
    case 'aws:rds:failover-db-cluster': {
      const db = databaseOf(fault, ctx.resources);
      const clusterId = db.clusterId;
      if (!clusterId) throw new FaultTargetError(fault, `database '${db.id}' is not a DB cluster`);
      return {
        steps: [],
        discard: nothing,
        apply: async () => {
          await rds.send(new FailoverDBClusterCommand(effectInputs.failoverDbCluster(clusterId, db.standby)));
          const writer = await clusterWriter(ctx, clusterId);
          // the fault hits the writer's host: measurement follows traffic away from it (as the simulator's faultAffects)
          return {
            detail: { ...base, call: 'FailoverDBCluster', clusterId, previousWriter: db.writer, writer: writer ?? 'unknown', ...(db.hosts ? { affects: db.hosts.primary } : {}) },
          };
        },
      };
    }
    case 'aws:rds:reboot-db-instances': {
      const db = databaseOf(fault, ctx.resources);
      const forceFailover = fault.forceFailover ?? false;
      return {
        steps: [],
        discard: nothing,
        apply: async () => {
          const zoneBefore = await instanceZone(ctx, db.writer);
          await rds.send(new RebootDBInstanceCommand(effectInputs.rebootDbInstance(db.writer, forceFailover)));
          const zoneAfter = await instanceZone(ctx, db.writer);
          const ignored = forceFailover && ctx.emulator === 'moto';
          return {
            detail: {
              ...base,
              call: 'RebootDBInstance',
              dbInstance: db.writer,
              forceFailover,
              zoneBefore: zoneBefore ?? 'unknown',
              zoneAfter: zoneAfter ?? 'unknown',
              ...(ignored ? { note: 'moto ignores ForceFailover: the instance rebooted in place, no failover happened' } : {}),
              ...(db.hosts ? { affects: db.hosts.primary } : {}),
            },
          };
        },
      };
    }
    default:
      throw new FaultTargetError(fault, 'not an AWS FIS action faildrill applies');
  }
}

/** The cluster's writer now, read back from DescribeDBClusters. */
export async function clusterWriter(ctx: Pick<AwsFaultContext, 'clients'>, clusterId: string): Promise<string | undefined> {
  const described = await ctx.clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
  return described.DBClusters?.[0]?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
}

async function instanceZone(ctx: Pick<AwsFaultContext, 'clients'>, dbInstanceId: string): Promise<string | undefined> {
  const described = await ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: dbInstanceId }));
  return described.DBInstances?.[0]?.AvailabilityZone;
}
