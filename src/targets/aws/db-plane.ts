import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { request } from 'node:http';
import type { Clock, DatabasePort, Rng } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import { replicationLagMs } from '../../scenario/replication-lag.js';
import type { DatabaseSpec, Scenario } from '../../scenario/schema.js';
import { boundedPoll } from './dataplane/bounded-poll.js';
import type { ObservationHold } from './dataplane/observation-hold.js';
import { idRanges } from '../../measure/write-ids.js';
import { writeLossEvents } from '../../measure/write-loss.js';
import { DbStore } from './dataplane/db-store.js';
import { AppWrites } from './dataplane/db-writes.js';
import type { DatabaseResources } from './provision/resources.js';

/** DBInstanceStatus values in which an instance serves (RDS user guide, "Viewing Amazon RDS DB instance status"). */
const SERVING = new Set(['available', 'backing-up', 'modifying', 'maintenance', 'storage-optimization', 'configuring-enhanced-monitoring', 'configuring-log-exports']);
/** How long an app's write may take before it counts as failed. */
const WRITE_TIMEOUT_MS = 2_000;
/** How long a shipped write waits at most for its source to come back before it is given up. */
const SHIP_RETRY_MS = 250;

export interface DbPlaneOptions {
  /** Held while a fault's effecting call is in flight: the poll reads nothing then. */
  hold?: ObservationHold;
  rds: RDSClient;
  scenario: Scenario;
  resources: DatabaseResources;
  clock: Clock;
  rng: Rng;
  /** Must not throw; the session drops what is emitted before the run starts. */
  emit: (component: string, type: string, detail: EventDetail) => void;
  pollIntervalMs: number;
  /** The polls, writes and stores end by themselves this long after the run's start. */
  lifetimeMs: number;
  /** An emulator answers (moto records promotions it does not report; it ignores ForceFailover). */
  emulated: boolean;
}

/**
 * The database layer's data plane on the aws target. Emulators hold no data, so faildrill keeps one
 * {@link DbStore} per member (an HTTP server on loopback) and follows the control plane every
 * `pollIntervalMs`: the writer is the cluster's `IsClusterWriter` member, a read replica once RDS
 * reports it standalone or faildrill recorded its accepted promotion, a Multi-AZ instance's standby once
 * the instance left its first zone; a member serves while its DBInstanceStatus says so and faildrill
 * did not stop it. Replication: synchronous for a Multi-AZ instance, Aurora and a Multi-AZ cluster
 * (one reader: its semi-synchronous quorum is both), acknowledged once both hold the write;
 * asynchronous for a read replica, each write shipped after the scenario's lag (with spikes) on the
 * run's clock. The app's writes ({@link AppWrites}) reach the member its endpoint names (`dns`: the
 * writer it resolved, cached for the TTL; `controller`: repointed at once after a promotion).
 *
 * Events, as the simulator's database emits them: `db`/`writer.lost` and `writer.back`,
 * `failover.started`, `writer`, `route.changed` (layer `database`), `lag`/`lag.alert`/`lag.ok`, and
 * at each writer change the checker's `db`/`writes.checked` and, when acknowledged ids are missing
 * from the new writer, `db`/`data.lost` {writes, rpoMs, ids}; at the end `db`/`writes` and one
 * `db`/`store` per member with the ids it holds.
 */
export class DbPlane {
  readonly spec: DatabaseSpec;
  readonly #stores = new Map<string, DbStore>();
  readonly #writes: AppWrites;
  #writer: string;
  #appWriter: string;
  #resolvedAtMs: number;
  /** Members faildrill took down (service-stop). */
  readonly #stoppedByFaildrill = new Set<string>();
  readonly #down = new Set<string>();
  #promotionRecorded = false;
  #failoverAnnounced = false;
  #lostAtMs?: number;
  #firstZone?: string;
  #lagAlert = false;
  #degraded = false;
  #closed = false;
  #applying: Promise<void> = Promise.resolve();

  private constructor(private readonly options: DbPlaneOptions) {
    const spec = options.scenario.setup.database!;
    this.spec = spec;
    this.#writer = spec.primary;
    this.#appWriter = spec.primary;
    const rng = options.rng.fork(`database.${spec.id}`);
    this.#resolvedAtMs = -rng.next() * spec.endpoint.ttlMs;
    this.#writes = new AppWrites({
      clock: options.clock,
      target: { member: () => this.#appMember(), urlOf: (m) => this.#stores.get(m)!.url },
      ratePerSec: spec.writeRate,
      untilMs: options.scenario.durationMs,
      phaseMs: rng.next() * (1000 / spec.writeRate),
      timeoutMs: WRITE_TIMEOUT_MS,
      onResumed: ({ id, member, sinceMs, unavailableMs }) =>
        options.emit('db', 'writes.resumed', { database: spec.id, writer: member, id, sinceMs: Math.round(sinceMs), unavailableMs: Math.round(unavailableMs) }),
    });
  }

  /** Starts a store per member and reads the control plane once; on failure closes what it started. */
  static async start(options: DbPlaneOptions): Promise<DbPlane> {
    const plane = new DbPlane(options);
    try {
      for (const member of plane.members) {
        plane.#stores.set(member, await DbStore.start(member, () => options.clock.nowMs(), (id) => plane.#replicate(member, id)));
      }
      plane.#stores.get(plane.#writer)!.writer = true;
      await plane.refresh();
    } catch (err) {
      await plane.close();
      throw err;
    }
    return plane;
  }

  get members(): [string, string] {
    return [this.spec.primary, this.spec.standby];
  }

  /** The member that accepts writes, as the control plane last said. */
  get writer(): string {
    return this.#writer;
  }

  /** A member's store URL (the controller's health checks), or undefined for a server that is no member. */
  urlOf(member: string): string | undefined {
    return this.#stores.get(member)?.url;
  }

  /** Whether app server `serverId` serves now: an app that writes to the database serves while its last write committed. */
  canServe(serverId: string): boolean {
    const clients = this.spec.clients;
    const writes = clients ? clients.includes(serverId) : !this.members.includes(serverId);
    return !writes || this.#writes.canWrite;
  }

  /** Time 0: the app starts writing, the lag spikes are scheduled, the control plane is polled. */
  run(): void {
    const { clock } = this.options;
    this.#writes.start();
    for (const spike of this.spec.lagSpikes) {
      // a timer may fire a hair before its time on the monotonic clock: the lag is read at the spike's edge
      void clock.sleep(spike.atMs - clock.nowMs()).then(() => this.#lagChanged(spike.atMs));
      void clock.sleep(spike.atMs + spike.durationMs - clock.nowMs()).then(() => this.#lagChanged(spike.atMs + spike.durationMs));
    }
    void boundedPoll({
      clock,
      intervalMs: this.options.pollIntervalMs,
      deadlineMs: this.options.lifetimeMs,
      closed: () => this.#closed,
      poll: () => (this.options.hold?.held ? Promise.resolve() : this.refresh()),
      onError: (err) => this.options.emit('aws', 'error', { message: `database plane: ${err.message}` }),
    });
  }

  /** Reads the control plane now and applies what changed. */
  refresh(): Promise<void> {
    this.#applying = this.#applying.catch(() => undefined).then(() => this.#apply());
    return this.#applying;
  }

  /** service-stop of a member, applied by faildrill to its own store (the emulator has no database process); resolves with the undo. */
  async stopMember(member: string): Promise<() => Promise<void>> {
    if (!this.#stores.has(member)) throw new Error(`'${member}' is no member of database '${this.spec.id}'`);
    this.#stoppedByFaildrill.add(member);
    await this.refresh();
    return async () => {
      this.#stoppedByFaildrill.delete(member);
      await this.refresh();
    };
  }

  /**
   * The controller's database port: `promote` announces the failover, calls RDS through `inner`, and on
   * an emulator takes a read replica's accepted promotion as faildrill's record (never the emulator's);
   * it resolves once this plane follows the new writer (and, in `controller` endpoint mode, the app).
   */
  port(inner: DatabasePort): DatabasePort {
    return {
      getWriter: (id) => inner.getWriter(id),
      replicationLagMs: (id) => inner.replicationLagMs(id),
      promote: async (id) => {
        const to = this.#writer === this.spec.primary ? this.spec.standby : this.spec.primary;
        // an emulator swaps a cluster's writer at once and faildrill records a replica's promotion once accepted
        this.#announceFailover(to, 'controller promoted the standby', this.options.emulated ? 0 : undefined);
        await inner.promote(id);
        if (this.spec.engine === 'rds-read-replica' && this.options.emulated) this.#promotionRecorded = true;
        await this.refresh();
      },
    };
  }

  /** Stops the app's writes and reports what each member holds; then {@link close}. */
  async stop(): Promise<void> {
    await this.#writes.stop();
    const w = this.#writes;
    this.options.emit('db', 'writes', { database: this.spec.id, sent: w.sent, acked: w.acked.length, failed: w.failed, ackedIds: idRanges(w.acked.map((a) => a.id)) });
    for (const [member, store] of this.#stores) {
      this.options.emit('db', 'store', { database: this.spec.id, member, writes: store.committed.size, ids: idRanges(store.committed.keys()) });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writes.stop();
    await this.#applying.catch(() => undefined);
    await Promise.all([...this.#stores.values()].map((s) => s.down()));
  }

  async #apply(): Promise<void> {
    if (this.#closed) return;
    const { writer, serving } = await this.#readControlPlane();
    if (this.#closed) return;
    for (const member of this.members) {
      const up = serving.has(member) && !this.#stoppedByFaildrill.has(member);
      const store = this.#stores.get(member)!;
      if (up && !store.serving) await store.up();
      if (!up && store.serving) await store.down();
      if (up) this.#down.delete(member);
      else this.#down.add(member);
    }
    const writerUp = !this.#down.has(this.#writer);
    if (!writerUp && this.#lostAtMs === undefined) {
      this.#lostAtMs = this.options.clock.nowMs();
      this.options.emit('db', 'writer.lost', { database: this.spec.id, target: this.#writer, lagMs: this.#lagMs() });
    } else if (writerUp && this.#lostAtMs !== undefined && writer === this.#writer) {
      this.#lostAtMs = undefined;
      this.options.emit('db', 'writer.back', { database: this.spec.id, target: this.#writer });
    }
    if (writer !== this.#writer) this.#writerChanged(writer);
  }

  /** The writer and the serving members by the control plane (plus faildrill's recorded promotion). */
  async #readControlPlane(): Promise<{ writer: string; serving: Set<string> }> {
    const { rds, resources: db } = this.options;
    const statusOf = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    const { primary, standby } = db.hosts;
    const writerInstance = await statusOf(db.writer);
    const standbyInstance = db.standby ? await statusOf(db.standby) : writerInstance;
    const serving = new Set<string>();
    if (SERVING.has(writerInstance?.DBInstanceStatus ?? '')) serving.add(primary);
    if (SERVING.has(standbyInstance?.DBInstanceStatus ?? '')) serving.add(standby);
    switch (db.engine) {
      case 'rds-multi-az-cluster':
      case 'aurora': {
        const described = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: db.clusterId }));
        const id = described.DBClusters?.[0]?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
        return { writer: id === db.standby ? standby : id === db.writer ? primary : this.#writer, serving };
      }
      case 'rds-read-replica': {
        const standalone = standbyInstance?.ReadReplicaSourceDBInstanceIdentifier === undefined && standbyInstance?.DBInstanceStatus === 'available';
        return { writer: standalone || this.#promotionRecorded ? standby : primary, serving };
      }
      default: {
        const zone = writerInstance?.AvailabilityZone;
        this.#firstZone ??= zone;
        return { writer: zone === this.#firstZone ? primary : standby, serving };
      }
    }
  }

  /** `expectedMs` when known: 0 when the control plane already reports the new writer. */
  #announceFailover(to: string, reason: string, expectedMs?: number): void {
    if (this.#failoverAnnounced) return;
    this.#failoverAnnounced = true;
    this.options.emit('db', 'failover.started', { database: this.spec.id, target: this.#writer, from: this.#writer, to, reason, ...(expectedMs !== undefined ? { expectedMs } : {}) });
  }

  /** The checker: every acknowledged id against the new writer's store; missing ids are lost. */
  #writerChanged(to: string): void {
    const from = this.#writer;
    const nowMs = this.options.clock.nowMs();
    this.#announceFailover(to, `RDS reports ${to} as the writer`, 0);
    const held = this.#stores.get(to)!.committed;
    const acked = this.#writes.acked.filter((a) => a.ackedAtMs <= nowMs);
    const check = writeLossEvents({ database: this.spec.id, from, to }, acked, (id) => held.has(id), this.#lostAtMs ?? nowMs);
    this.options.emit('db', 'writes.checked', check.checked);
    if (check.lost) this.options.emit('db', 'data.lost', check.lost);
    for (const [member, store] of this.#stores) store.writer = member === to;
    this.#writer = to;
    this.#lostAtMs = undefined;
    this.#failoverAnnounced = false;
    this.options.emit('db', 'writer', { database: this.spec.id, writer: to, previous: from });
    if (this.spec.endpoint.mode === 'controller') this.#repoint(to);
  }

  /** The member the app writes to: the controller's pointer, or (dns) the writer it resolved, re-resolved once the TTL ran out. */
  #appMember(): string {
    if (this.spec.endpoint.mode === 'dns') {
      const nowMs = this.options.clock.nowMs();
      const ttlMs = this.spec.endpoint.ttlMs;
      if (nowMs >= this.#resolvedAtMs + ttlMs) {
        this.#resolvedAtMs = ttlMs > 0 ? this.#resolvedAtMs + Math.floor((nowMs - this.#resolvedAtMs) / ttlMs) * ttlMs : nowMs;
        this.#repoint(this.#writer);
      }
    }
    return this.#appWriter;
  }

  #repoint(to: string): void {
    if (this.#appWriter === to) return;
    const from = this.#appWriter;
    this.#appWriter = to;
    this.options.emit('db', 'route.changed', { layer: 'database', resource: this.spec.id, from, to, fromServers: from, toServers: to });
  }

  /** Replication from the writer `from` to the other member: what decides when a write is acknowledged. */
  async #replicate(from: string, id: string): Promise<void> {
    const to = from === this.spec.primary ? this.spec.standby : this.spec.primary;
    const peer = this.#stores.get(to)!;
    if (this.spec.engine !== 'rds-read-replica') {
      if (await ship(peer.url, id)) return;
      if (!this.#degraded) {
        this.#degraded = true;
        this.options.emit('db', 'replication.degraded', { database: this.spec.id, writer: from, standby: to, detail: 'the standby refused a synchronous write: acknowledged by the writer alone' });
      }
      return;
    }
    void this.#shipLater(from, to, id, this.options.clock.nowMs() + this.#lagMs());
  }

  /** An asynchronous write reaches the replica at `dueMs`, once its source serves, unless the replica was promoted meanwhile. */
  async #shipLater(from: string, to: string, id: string, dueMs: number): Promise<void> {
    const { clock } = this.options;
    await clock.sleep(dueMs - clock.nowMs());
    while (!this.#closed && this.#down.has(from) && clock.nowMs() < this.options.lifetimeMs) await clock.sleep(SHIP_RETRY_MS);
    if (this.#closed || this.#writer === to) return;
    await ship(this.#stores.get(to)!.url, id);
  }

  /** Replication lag now: the spike's while one lasts, else the configured or the engine's default. */
  #lagMs(atMs = this.options.clock.nowMs()): number {
    return replicationLagMs(this.spec, atMs);
  }

  #lagChanged(atMs: number): void {
    if (this.#closed) return;
    const lagMs = this.#lagMs(atMs);
    this.options.emit('db', 'lag', { database: this.spec.id, lagMs });
    const alert = lagMs > this.spec.lagAlertMs;
    if (alert !== this.#lagAlert) {
      this.#lagAlert = alert;
      this.options.emit('db', alert ? 'lag.alert' : 'lag.ok', { database: this.spec.id, lagMs, thresholdMs: this.spec.lagAlertMs });
    }
  }
}

/** POSTs a shipped write to a member; true when it applied it. */
function ship(url: string, id: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/replicate/${id}`, { method: 'POST', timeout: WRITE_TIMEOUT_MS, headers: { 'content-length': '0' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(false));
    req.end();
  });
}
