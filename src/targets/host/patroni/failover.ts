import type { EventDetail } from '../../../measure/events.js';
import type { HostDatabase } from '../db-layer.js';
import type { DatabaseFailover } from '../db-port.js';
import { delay } from '../exec.js';
import type { PatroniMember, PatroniMembers } from './member.js';
import { PatroniObserver } from './observer.js';
import { PatroniTracker } from './tracker.js';

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** What the platform-mode driver needs from the run besides the database. */
export interface PatroniFailoverContext {
  /** Run time, ms. */
  nowMs(): number;
  emit: Emit;
}

/** How often {@link PatroniFailover.settle} looks whether the old leader follows the new one. */
const SETTLE_POLL_MS = 250;

/**
 * Platform mode on the host: Patroni fails the database over by itself; this driver only watches
 * (PatroniObserver every 200 ms: the leader key in etcd, each node's `GET /patroni`, each
 * PostgreSQL's own `pg_is_in_recovery()`) and tells the {@link HostDatabase} what Patroni did:
 *
 * - the tracker's `failover.started` (the leader key lapsed or was taken) → `announceFailover`;
 * - its `writer` (the new leader takes writes) → `writerChanged`: the apps follow the leader, as
 *   behind a Patroni-aware endpoint (HAProxy checking `GET /primary`), and the acknowledged-write
 *   check runs against the new leader. The old leader is recorded as fenced from that moment — Patroni
 *   demotes a leader without the key (no watchdog here), so any write it acknowledges afterwards is a
 *   split brain the fence invariant reports — and as rejoined once its PostgreSQL runs as a replica.
 *
 * The tracker's own `writer.lost`/`writer.back` are logged as `platform.writer.lost`/`.back`: the
 * database layer already emits those from the apps' writes. Faults need nothing of it: Patroni
 * restarts a stopped PostgreSQL in place and rejoins a demoted leader (pg_rewind) by itself.
 */
export class PatroniFailover implements DatabaseFailover {
  readonly #tracker: PatroniTracker;
  readonly #observer: PatroniObserver;
  #rejoinPending?: PatroniMember;

  constructor(
    private readonly db: HostDatabase<PatroniMember>,
    private readonly members: PatroniMembers,
    private readonly ctx: PatroniFailoverContext,
  ) {
    const { cluster } = members;
    const ids = [members.primary.id, members.peerOf(members.primary).id] as [string, string];
    this.#tracker = new PatroniTracker(db.spec.id, ids, members.primary.id, (component, type, detail) => this.#onEvent(component, type, detail));
    this.#observer = new PatroniObserver(cluster.api, cluster.dcsNode.ip, cluster.scope, cluster.targets, cluster.relay.sql, this.#tracker, () => ctx.nowMs());
  }

  /** Starts watching (at the run's time 0). */
  start(): void {
    this.#observer.start();
  }

  #onEvent(component: string, type: string, detail: EventDetail): void {
    if (type === 'writer.lost' || type === 'writer.back') return this.ctx.emit(component, `platform.${type}`, detail);
    this.ctx.emit(component, type === 'failover.started' || type === 'writer' ? `patroni.${type}` : type, detail);
    if (type === 'failover.started') this.db.announceFailover(String(detail.to), String(detail.reason));
    else if (type === 'writer') this.#writerChanged(String(detail.writer));
    else if (type === 'member' && detail.postgres === 'replica' && this.#rejoinPending?.id === detail.node) {
      const member = this.#rejoinPending!;
      this.#rejoinPending = undefined;
      this.db.rejoined(member, { how: 'Patroni: pg_rewind (use_pg_rewind), then follows the new leader' });
    }
  }

  #writerChanged(id: string): void {
    const to = this.members.node(id);
    if (!to) return;
    const from = this.db.writerNode;
    this.db.writerChanged(to, 'Patroni promoted the replica');
    this.db.fenced(from, this.ctx.nowMs(), 'Patroni: a leader without the leader key demotes itself (no watchdog)');
    this.#rejoinPending = from;
  }

  faultsChanged(): void {}

  /** Patroni starts a stopped PostgreSQL again by itself (on its next HA loop): nothing to do. */
  async restart(): Promise<void> {}

  /** Waits (bounded) until the old leader follows the new one, so that the closing report reads both. */
  async settle(timeoutMs: number): Promise<void> {
    const deadlineMs = this.ctx.nowMs() + timeoutMs;
    while (this.#rejoinPending && this.ctx.nowMs() < deadlineMs) await delay(SETTLE_POLL_MS);
  }

  /** Stops watching. */
  async close(): Promise<void> {
    await this.#observer.stop();
  }
}
