import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBClustersCommand,
  waitUntilDBInstanceAvailable,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { DatabaseSpec } from '../../../scenario/schema.js';
import { localError, required, StepError, type ProvisionContext } from './context.js';
import type { Network } from './network.js';
import type { DatabaseResources } from './resources.js';
import { resourceName, runTags } from './tags.js';

/** RDS identifiers: up to 63 letters, digits and hyphens. */
const RDS_NAME_LENGTH = 63;
const MASTER_USERNAME = 'faildrill';
/** The smallest classes each engine family accepts (a drill needs no capacity; emulators ignore the class). */
const INSTANCE_CLASS = 'db.t3.micro';
const AURORA_CLASS = 'db.r6g.large';
/** A Multi-AZ DB cluster needs provisioned-IOPS storage and one of the classes it supports (RDS user guide, "Multi-AZ DB cluster deployments"). */
const MULTI_AZ_CLUSTER = { instanceClass: 'db.m6gd.large', storageType: 'io1', iops: 1000, allocatedStorageGb: 100 } as const;
const ALLOCATED_STORAGE_GB = 20;

/** The RDS engine each database engine of the scenario runs. */
const RDS_ENGINE: Record<Exclude<DatabaseSpec['engine'], 'postgres-streaming'>, string> = {
  'rds-multi-az-instance': 'postgres',
  'rds-read-replica': 'postgres',
  'rds-multi-az-cluster': 'postgres',
  aurora: 'aurora-postgresql',
};

/**
 * The database of `setup.database` on RDS, in a DB subnet group across the primary's and standby's zones:
 * - `rds-multi-az-instance`: a Multi-AZ DB instance (seed 000's `MultiAZ=True`);
 * - `rds-read-replica`: a DB instance in the primary's zone and a read replica in the standby's;
 * - `rds-multi-az-cluster`: a Multi-AZ DB cluster (when the service creates no members, as moto does,
 *   a writer and a reader are added in the two zones, and a note says so);
 * - `aurora`: an Aurora PostgreSQL cluster with a writer and a reader in the two zones.
 * The master password is managed by RDS in Secrets Manager: faildrill never holds one.
 */
export async function createDatabase(
  ctx: ProvisionContext,
  network: Network,
  spec: DatabaseSpec,
  zoneOfServer: (serverId: string) => string,
): Promise<DatabaseResources> {
  const subject = `setup.database.${spec.id}`;
  if (spec.engine === 'postgres-streaming') {
    throw new StepError(subject, 'rds', 'CreateDBInstance', localError('UnsupportedEngine', 'postgres-streaming is PostgreSQL on hosts, not an RDS engine'));
  }
  const { rds } = ctx.clients;
  const rdsEngine = RDS_ENGINE[spec.engine];
  const primaryZone = zoneOfServer(spec.primary);
  const standbyZone = zoneOfServer(spec.standby);
  const name = (suffix: string) => resourceName(ctx.label.runId, suffix ? `${spec.id}-${suffix}` : spec.id, RDS_NAME_LENGTH);
  const tags = (role: string) => runTags(ctx.label, `${spec.id} ${role}`);

  const subnetIds = await network.subnetsAcross([primaryZone, standbyZone], 2);
  const subnetGroupName = name('subnets');
  await ctx.call('rds', 'CreateDBSubnetGroup', subject, () =>
    rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: subnetGroupName,
        DBSubnetGroupDescription: `faildrill run ${ctx.label.runId}: ${spec.id}`,
        SubnetIds: subnetIds,
        Tags: tags('subnets'),
      }),
    ),
  );
  ctx.created('rds:db-subnet-group', subnetGroupName);

  const base = { id: spec.id, engine: spec.engine, rdsEngine, subnetGroupName, hosts: { primary: spec.primary, standby: spec.standby } };
  const createInstance = async (identifier: string, role: string, input: Partial<ConstructorParameters<typeof CreateDBInstanceCommand>[0]>) => {
    const made = await ctx.call('rds', 'CreateDBInstance', `${subject} (${role})`, () =>
      rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: identifier, Engine: rdsEngine, DBInstanceClass: INSTANCE_CLASS, Tags: tags(role), ...input })),
    );
    ctx.created('rds:db-instance', identifier);
    return required(made.DBInstance?.DBInstanceArn, 'DB instance ARN');
  };
  const standalone = {
    AllocatedStorage: ALLOCATED_STORAGE_GB,
    MasterUsername: MASTER_USERNAME,
    ManageMasterUserPassword: true,
    DBSubnetGroupName: subnetGroupName,
  };

  if (spec.engine === 'rds-multi-az-instance' || spec.engine === 'rds-read-replica') {
    const writer = name('');
    const multiAz = spec.engine === 'rds-multi-az-instance';
    // RDS rejects AvailabilityZone for a Multi-AZ instance: it places the standby itself.
    const writerArn = await createInstance(writer, 'writer', { ...standalone, MultiAZ: multiAz, ...(multiAz ? {} : { AvailabilityZone: primaryZone }) });
    await waitAvailable(rds, ctx, writer, subject);
    if (multiAz) return { ...base, writer, writerArn, replicas: [] };
    const replica = name('replica');
    const made = await ctx.call('rds', 'CreateDBInstanceReadReplica', `${subject} (replica)`, () =>
      rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: replica,
          SourceDBInstanceIdentifier: writer,
          DBInstanceClass: INSTANCE_CLASS,
          AvailabilityZone: standbyZone,
          Tags: tags('replica'),
        }),
      ),
    );
    ctx.created('rds:db-instance', replica);
    await waitAvailable(rds, ctx, replica, subject);
    const standbyArn = required(made.DBInstance?.DBInstanceArn, 'DB instance ARN');
    return { ...base, writer, writerArn, standby: replica, standbyArn, replicas: [replica] };
  }

  const clusterId = name('cluster');
  const isAurora = spec.engine === 'aurora';
  const cluster = await ctx.call('rds', 'CreateDBCluster', subject, () =>
    rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: clusterId,
        Engine: rdsEngine,
        MasterUsername: MASTER_USERNAME,
        ManageMasterUserPassword: true,
        DBSubnetGroupName: subnetGroupName,
        Tags: tags('cluster'),
        ...(isAurora
          ? {}
          : {
              DBClusterInstanceClass: MULTI_AZ_CLUSTER.instanceClass,
              StorageType: MULTI_AZ_CLUSTER.storageType,
              Iops: MULTI_AZ_CLUSTER.iops,
              AllocatedStorage: MULTI_AZ_CLUSTER.allocatedStorageGb,
            }),
      }),
    ),
  );
  ctx.created('rds:db-cluster', clusterId);
  const clusterArn = required(cluster.DBCluster?.DBClusterArn, 'DB cluster ARN');
  let members = cluster.DBCluster?.DBClusterMembers ?? [];
  if (!isAurora && members.length === 0) {
    ctx.note(`the Multi-AZ DB cluster ${clusterId} came without member instances (the emulator creates none): faildrill added a writer and a reader`);
  }
  if (isAurora || members.length === 0) {
    const instanceClass = isAurora ? AURORA_CLASS : MULTI_AZ_CLUSTER.instanceClass;
    await createInstance(name('writer'), 'writer', { DBClusterIdentifier: clusterId, DBInstanceClass: instanceClass, AvailabilityZone: primaryZone });
    await createInstance(name('reader'), 'reader', { DBClusterIdentifier: clusterId, DBInstanceClass: instanceClass, AvailabilityZone: standbyZone });
    await waitAvailable(rds, ctx, name('writer'), subject);
    await waitAvailable(rds, ctx, name('reader'), subject);
    const described = await ctx.call('rds', 'DescribeDBClusters', subject, () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })));
    members = described.DBClusters?.[0]?.DBClusterMembers ?? [];
  }
  const writer = required(members.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier, 'cluster writer');
  const standby = members.find((m) => !m.IsClusterWriter)?.DBInstanceIdentifier;
  const arnOf = (identifier: string) => `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${identifier}`;
  return {
    ...base,
    clusterId,
    clusterArn,
    writer,
    writerArn: arnOf(writer),
    ...(standby ? { standby, standbyArn: arnOf(standby) } : {}),
    replicas: [],
  };
}

async function waitAvailable(rds: RDSClient, ctx: ProvisionContext, identifier: string, subject: string): Promise<void> {
  const what = `${subject} (${identifier})`;
  try {
    await ctx.call('rds', 'DescribeDBInstances', what, () =>
      waitUntilDBInstanceAvailable({ client: rds, maxWaitTime: ctx.maxWaitSec, minDelay: 1, maxDelay: 30 }, { DBInstanceIdentifier: identifier }),
    );
  } catch (err) {
    if (err instanceof StepError) throw err;
    throw new StepError(what, 'rds', 'DescribeDBInstances', localError('WaiterTimedOut', `not available within ${ctx.maxWaitSec} s: ${(err as Error).message}`));
  }
}
