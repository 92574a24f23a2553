import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  PromoteReadReplicaCommand,
  RebootDBInstanceCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { PortError } from '../../../controller/port-error.js';
import type { DatabasePort, EventSink } from '../../../controller/ports.js';
import { portCall } from '../errors.js';
import { lookup, type PortResources } from './resources.js';

/** Twice the slowest RDS failover of design.md §5 (Multi-AZ instance: 60–120 s). */
export const DEFAULT_PROMOTE_TIMEOUT_MS = 240_000;
const DEFAULT_POLL_MS = 2_000;
/** How far back `replicationLagMs` looks for the lag metric: CloudWatch publishes RDS metrics every 60 s. */
const LAG_WINDOW_MS = 5 * 60_000;
const LAG_PERIOD_SEC = 60;

export interface RdsDatabasePortOptions {
  /**
   * How a read replica's promotion is known: `reported` (real AWS) waits until RDS reports the replica
   * standalone; `recorded` (moto, which accepts PromoteReadReplica but keeps reporting the source,
   * design.md §8) takes the accepted call as the promotion, and says so in the event log.
   */
  replicaPromotion?: 'reported' | 'recorded';
  /** Longest wait for a promotion to show; default {@link DEFAULT_PROMOTE_TIMEOUT_MS}. */
  promoteTimeoutMs?: number;
  /** Delay between reads while waiting; default 2 s. */
  pollMs?: number;
}

const PORT = 'database';
type Database = NonNullable<PortResources['database']>;

/**
 * The controller's database port over RDS. A DB cluster (`rds-multi-az-cluster`, `aurora`) fails over
 * with FailoverDBCluster to the member that is not the writer and its writer is the member with
 * `IsClusterWriter`; a read replica (`rds-read-replica`) is promoted with PromoteReadReplica and is the
 * writer once RDS reports it without a source (or, with `replicaPromotion: 'recorded'`, once the call
 * was accepted: faildrill's record, never presented as the emulator's); a Multi-AZ instance fails over
 * with RebootDBInstance ForceFailover and its writer is the host whose zone the instance is in.
 * `promote` resolves when the new writer shows, within `promoteTimeoutMs`.
 */
export class RdsDatabasePort implements DatabasePort {
  readonly #promotion: 'reported' | 'recorded';
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  /** Replicas whose promotion faildrill recorded (replicaPromotion: 'recorded'). */
  readonly #recorded = new Set<string>();
  /** A Multi-AZ instance's zone when first read: the primary host's. */
  #primaryZone: string | undefined;

  constructor(
    private readonly rds: RDSClient,
    private readonly cloudwatch: CloudWatchClient,
    private readonly resources: PortResources,
    private readonly events: EventSink,
    options: RdsDatabasePortOptions = {},
  ) {
    this.#promotion = options.replicaPromotion ?? 'reported';
    this.#timeoutMs = options.promoteTimeoutMs ?? DEFAULT_PROMOTE_TIMEOUT_MS;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  async getWriter(databaseId: string): Promise<string> {
    const db = this.#database(databaseId, 'getWriter');
    switch (db.engine) {
      case 'rds-multi-az-cluster':
      case 'aurora':
        return this.#hostOf(db, await this.#clusterWriter(db, 'getWriter'));
      case 'rds-read-replica':
        return (await this.#replicaPromoted(db, 'getWriter')) ? db.hosts.standby : db.hosts.primary;
      case 'rds-multi-az-instance':
        return (await this.#instanceZone(db, 'getWriter')) === this.#primaryZone ? db.hosts.primary : db.hosts.standby;
      default:
        throw new PortError('INVALID', PORT, 'getWriter', `database '${db.id}' (${db.engine}) is not an RDS database`);
    }
  }

  async promote(databaseId: string): Promise<void> {
    const operation = 'promote';
    const db = this.#database(databaseId, operation);
    switch (db.engine) {
      case 'rds-multi-az-cluster':
      case 'aurora':
        return this.#failoverCluster(db, operation);
      case 'rds-read-replica':
        return this.#promoteReplica(db, operation);
      case 'rds-multi-az-instance':
        return this.#failoverInstance(db, operation);
      default:
        throw new PortError('INVALID', PORT, operation, `database '${db.id}' (${db.engine}) is not an RDS database`);
    }
  }

  /** The standby's lag from CloudWatch: `AuroraReplicaLag` (ms) on Aurora, `ReplicaLag` (s) otherwise; 0 for a Multi-AZ instance, whose standby is synchronous. */
  async replicationLagMs(databaseId: string): Promise<number> {
    const operation = 'replicationLagMs';
    const db = this.#database(databaseId, operation);
    if (db.engine === 'rds-multi-az-instance') return 0;
    const instance = lookup(db.standby, PORT, operation, `standby instance of database '${db.id}'`);
    const [metric, toMs] = db.engine === 'aurora' ? (['AuroraReplicaLag', 1] as const) : (['ReplicaLag', 1000] as const);
    // end one period ahead, so the current, partial period counts (moto returns whole periods only)
    const endTime = new Date(Date.now() + LAG_PERIOD_SEC * 1000);
    const answer = await portCall(PORT, operation, () =>
      this.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/RDS',
          MetricName: metric,
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instance }],
          StartTime: new Date(endTime.getTime() - LAG_WINDOW_MS - LAG_PERIOD_SEC * 1000),
          EndTime: endTime,
          Period: LAG_PERIOD_SEC,
          Statistics: ['Maximum'],
        }),
      ),
    );
    const latest = [...(answer.Datapoints ?? [])].sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
    if (latest?.Maximum === undefined)
      throw new PortError('UNAVAILABLE', PORT, operation, `CloudWatch has no AWS/RDS ${metric} datapoint for ${instance} in the last ${LAG_WINDOW_MS / 60_000} minutes`);
    return latest.Maximum * toMs;
  }

  async #failoverCluster(db: Database, operation: string): Promise<void> {
    const clusterId = lookup(db.clusterId, PORT, operation, `DB cluster for database '${db.id}'`);
    const standby = lookup(db.standby, PORT, operation, `standby instance of database '${db.id}'`);
    const writer = await this.#clusterWriter(db, operation);
    const target = writer === standby ? db.writer : standby;
    await portCall(PORT, operation, () => this.rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: clusterId, TargetDBInstanceIdentifier: target })));
    await this.#until(operation, `${target} to be the writer of DB cluster ${clusterId}`, async () => (await this.#clusterWriter(db, operation)) === target);
  }

  async #promoteReplica(db: Database, operation: string): Promise<void> {
    const replica = lookup(db.standby, PORT, operation, `read replica of database '${db.id}'`);
    if (await this.#replicaPromoted(db, operation))
      throw new PortError('INVALID', PORT, operation, `${replica} is already promoted: a promoted read replica cannot become a replica of ${db.writer} again`);
    await portCall(PORT, operation, () => this.rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: replica })));
    if (this.#promotion === 'recorded') {
      this.#recorded.add(replica);
      this.events.emit(PORT, 'promotion.recorded', {
        database: db.id,
        instance: replica,
        source: 'faildrill',
        detail: `PromoteReadReplica accepted; the emulator may still report ${db.writer} as the source (design.md §8): faildrill takes ${replica} as the writer from here`,
      });
      return;
    }
    await this.#until(operation, `RDS to report ${replica} without a source`, () => this.#replicaPromoted(db, operation));
  }

  async #failoverInstance(db: Database, operation: string): Promise<void> {
    const before = await this.#instanceZone(db, operation);
    await portCall(PORT, operation, () => this.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: db.writer, ForceFailover: true })));
    await this.#until(operation, `${db.writer} to leave zone ${before} (RebootDBInstance ForceFailover)`, async () => (await this.#instanceZone(db, operation)) !== before);
  }

  /** Whether the replica is the writer: RDS reports it standalone and available, or faildrill recorded its accepted promotion. */
  async #replicaPromoted(db: Database, operation: string): Promise<boolean> {
    const replica = lookup(db.standby, PORT, operation, `read replica of database '${db.id}'`);
    const instance = await this.#instance(replica, operation);
    if (instance.ReadReplicaSourceDBInstanceIdentifier === undefined && instance.DBInstanceStatus === 'available') return true;
    return this.#recorded.has(replica);
  }

  async #clusterWriter(db: Database, operation: string): Promise<string> {
    const clusterId = lookup(db.clusterId, PORT, operation, `DB cluster for database '${db.id}'`);
    const answer = await portCall(PORT, operation, () => this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })));
    const writer = answer.DBClusters?.[0]?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    if (writer === undefined) throw new PortError('UNAVAILABLE', PORT, operation, `DB cluster ${clusterId} has no writer now`);
    return writer;
  }

  async #instanceZone(db: Database, operation: string): Promise<string> {
    const zone = (await this.#instance(db.writer, operation)).AvailabilityZone;
    if (zone === undefined) throw new PortError('UNAVAILABLE', PORT, operation, `${db.writer} reports no availability zone`);
    this.#primaryZone ??= zone;
    return zone;
  }

  async #instance(id: string, operation: string) {
    const answer = await portCall(PORT, operation, () => this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })));
    const instance = answer.DBInstances?.[0];
    if (!instance) throw new PortError('INVALID', PORT, operation, `RDS has no DB instance ${id}`);
    return instance;
  }

  /** The scenario host of a DB instance, or the instance id when neither host stands for it. */
  #hostOf(db: Database, instanceId: string): string {
    if (instanceId === db.writer) return db.hosts.primary;
    if (instanceId === db.standby) return db.hosts.standby;
    return instanceId;
  }

  async #until(operation: string, what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      if (await done()) return;
      if (Date.now() >= deadline) throw new PortError('TIMEOUT', PORT, operation, `waited ${this.#timeoutMs} ms for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#pollMs, Math.max(0, deadline - Date.now()))));
    }
  }

  #database(databaseId: string, operation: string): Database {
    const db = this.resources.database;
    return lookup(db?.id === databaseId ? db : undefined, PORT, operation, `database '${databaseId}'`);
  }
}
