import { PortError } from '../../controller/port-error.js';
import type { DatabasePort } from '../../controller/ports.js';
import { writeId } from '../../measure/write-ids.js';
import type { HostDatabase } from './db-layer.js';
import type { PgNode } from './postgres/node.js';
import { PG_PORT } from './postgres/config.js';
import { WRITES_TABLE } from './postgres/writes.js';

/**
 * Who fails the host's database over. Controller mode: our controller, through {@link port}
 * ({@link ControllerFailover}). Platform mode (Patroni with etcd) fails over by itself and the
 * driver only reports what it did to the {@link HostDatabase} (`announceFailover`, `writerChanged`);
 * it has no port.
 */
export interface DatabaseFailover {
  /** The controller's database port, when the controller fails the database over. */
  readonly port?: DatabasePort;
  /** Faults on the database servers changed: a member waiting for its fault to end may come back now. */
  faultsChanged(): void;
  /** Service `postgres` on `server` is started again after a fault stopped it. */
  restart(server: string): Promise<void>;
  /** Waits for the work in flight (a rejoin), bounded by `timeoutMs`. */
  settle(timeoutMs: number): Promise<void>;
  /** The run's time 0: a driver that watches the platform starts watching. */
  start?(): void;
  /** Stops what the driver runs (before the database is torn down). */
  close?(): Promise<void>;
}

/** What the controller-mode driver needs from the run besides the database. */
export interface ControllerFailoverContext {
  /** Whether a fault is active on `server` now (a fenced member rejoins only once none is). */
  faulted(server: string): boolean;
  /** Run time, ms. */
  nowMs(): number;
  /** A step that failed outside any port call (a rejoin), for the run's log. */
  onError(message: string): void;
}

/**
 * Controller mode on the host: the controller's {@link DatabasePort}. `promote` fences the writer
 * (PgNode.fence: REJECT on 5432 both ways, then immediate shutdown: it never acknowledges a write
 * again), promotes the other member (`pg_promote`) and repoints the apps; it resolves once the new
 * writer accepts writes. The fenced member comes back as a standby of the new writer (its table read
 * for the fence invariant, then pg_rewind: PgNode.rejoinAsStandby) as soon as no fault holds it — the
 * controller never fails a database back by itself. One step at a time.
 */
export class ControllerFailover implements DatabaseFailover {
  #ops: Promise<unknown> = Promise.resolve();
  readonly #waitingRejoin = new Set<PgNode>();

  constructor(
    private readonly db: HostDatabase<PgNode>,
    private readonly ctx: ControllerFailoverContext,
  ) {}

  readonly port: DatabasePort = {
    promote: () => this.#serial(() => this.#failover('controller promoted the standby')),
    getWriter: async () => this.db.writer,
    replicationLagMs: async () => this.db.lag.lagMs,
  };

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#ops.catch(() => undefined).then(step);
    this.#ops = next.catch(() => undefined);
    return next;
  }

  async #failover(reason: string): Promise<void> {
    const { pair } = this.db;
    const from = this.db.writerNode;
    const to = pair.peerOf(from);
    if (to.fenced) throw new PortError('CONFLICT', 'database', 'promote', `${to.id} is fenced and has not rejoined as a standby yet`);
    if (!to.running) throw new PortError('UNAVAILABLE', 'database', 'promote', `${to.id} is not running`);
    this.db.announceFailover(to.id, reason);
    let fencedAtMs = 0;
    try {
      await from.fence(() => (fencedAtMs = this.ctx.nowMs()));
    } catch (err) {
      throw new PortError('UNAVAILABLE', 'database', 'promote', `fencing ${from.id}: ${(err as Error).message}`, { cause: err });
    }
    this.db.fenced(from, fencedAtMs, `iptables REJECT on ${PG_PORT} both ways (2 rules), immediate shutdown`);
    try {
      await to.promote();
    } catch (err) {
      throw new PortError('UNAVAILABLE', 'database', 'promote', `pg_promote on ${to.id}: ${(err as Error).message}`, { cause: err });
    }
    this.db.writerChanged(to, reason);
    this.#waitingRejoin.add(from);
    this.faultsChanged();
  }

  faultsChanged(): void {
    for (const node of this.#waitingRejoin) {
      if (this.ctx.faulted(node.id)) continue;
      this.#waitingRejoin.delete(node);
      void this.#serial(() => this.#rejoin(node)).catch((err: Error) => this.ctx.onError(`rejoining ${node.id}: ${err.message}`));
    }
  }

  async restart(server: string): Promise<void> {
    const node = this.db.pair.node(server);
    if (!node || node.fenced) return; // a fenced member comes back through its rejoin
    await node.start();
  }

  async settle(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#ops, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Reads what the fenced node took after its fence, then makes it a standby of the writer with pg_rewind. */
  async #rejoin(node: PgNode): Promise<void> {
    const writer = this.db.writerNode;
    if (!node.fenced || writer === node) return;
    const record = [...this.db.fences].reverse().find((f) => f.member === node.id);
    if (record) {
      try {
        const rows = await node.readWhileFenced(() => node.query<{ id: string }>(`SELECT id::text AS id FROM ${WRITES_TABLE} WHERE sent_ms > $1 ORDER BY id`, [Math.ceil(record.fencedAtMs)]));
        record.rowsAfterFence = rows.map((r) => writeId(Number(r.id)));
      } catch (err) {
        record.readError = (err as Error).message;
      }
    }
    const result = await node.rejoinAsStandby(writer);
    this.db.rejoined(node, result);
  }
}
