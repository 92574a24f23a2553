import type { EventDetail } from '../../../measure/events.js';
import { isUnreachable, type NodeStatus, type PgState, type Unreachable } from './rest.js';

export type Emit = (component: string, type: string, detail: EventDetail) => void;

/** What the observer last saw: the leader key in etcd, each node's `GET /patroni` and its PostgreSQL's own role. */
export interface Observation {
  atMs: number;
  /** The leader key's holder; `null` when nobody holds it; `undefined` when etcd did not answer. */
  leader: string | null | undefined;
  nodes: ReadonlyMap<string, NodeStatus | Unreachable | undefined>;
  /** `pg_is_in_recovery()` of each node's PostgreSQL, asked directly; absent when not probed. */
  postgres?: ReadonlyMap<string, PgState | Unreachable | undefined>;
}

/** Patroni reports the node's PostgreSQL running as a primary. */
const patroniPrimary = (s: NodeStatus | Unreachable | undefined): boolean =>
  s !== undefined && !isUnreachable(s) && s.role === 'primary' && s.state === 'running';

/** Whether a node takes writes: PostgreSQL's own answer when it was asked, else Patroni's. */
function takesWrites(o: Observation, node: string): boolean {
  const pg = o.postgres?.get(node);
  return pg !== undefined ? !isUnreachable(pg) && pg.role === 'primary' : patroniPrimary(o.nodes.get(node));
}

/** A node's timeline: PostgreSQL's own (current at once after a promotion), else Patroni's. */
function timelineOf(o: Observation, node: string): number | undefined {
  const pg = o.postgres?.get(node);
  if (pg && !isUnreachable(pg) && pg.timeline !== undefined) return pg.timeline;
  const s = o.nodes.get(node);
  return s && !isUnreachable(s) ? s.timeline : undefined;
}

/** Whether anything is known of a node yet. */
const seen = (o: Observation, node: string) => o.nodes.get(node) !== undefined || o.postgres?.get(node) !== undefined;

function summary(s: NodeStatus | Unreachable | undefined, pg: PgState | Unreachable | undefined): string {
  const patroni = s === undefined ? '?' : isUnreachable(s) ? 'unreachable' : `${s.role}/${s.state}/${s.timeline ?? ''}`;
  const postgres = pg === undefined ? '?' : isUnreachable(pg) ? 'unreachable' : pg.role;
  return `${patroni} ${postgres}`;
}

/**
 * Turns what Patroni and etcd say into the database events the simulator emits (component `db`,
 * `src/simulator/database.ts`), so that detection, switch and the reports read a Patroni drill the
 * same way:
 *
 * - `writer.lost` when the writer stops taking writes (its PostgreSQL, asked directly, is down or in
 *   recovery; Patroni's account when PostgreSQL was not asked), `writer.back` when it takes them
 *   again without a failover (Patroni restarted it in place);
 * - `failover.started` when the leader key lapses or another node takes it — Patroni's verdict that
 *   the leader is gone: the detection of a platform failover — with `detectionMs` since `writer.lost`;
 * - `writer` when the new leader takes writes, with its timeline.
 *
 * Besides: `leader.changed` (the key's holder, as etcd has it), `member` (a node's Patroni role,
 * state, timeline or reachability, or its PostgreSQL's own role changed) and `primaries` (the nodes
 * that take writes: two of them is a split brain, e.g. when Patroni alone died or froze and its
 * PostgreSQL ran on as a primary after the other node was promoted).
 */
export class PatroniTracker {
  #writer: string;
  #lostAtMs?: number;
  #failover?: { from: string; to: string; atMs: number };
  #leader: string | null | undefined;
  #primaries = '';
  readonly #members = new Map<string, string>();
  /** Each node's last reported WAL position (write position of a primary, replay of a replica). */
  readonly #lsn = new Map<string, number>();

  constructor(
    readonly database: string,
    readonly members: readonly [string, string],
    writer: string,
    private readonly emit: Emit,
  ) {
    this.#writer = writer;
    this.#leader = writer;
  }

  get writer(): string {
    return this.#writer;
  }

  get failingOver(): boolean {
    return this.#failover !== undefined;
  }

  /** Reads one observation; emits what changed. */
  observe(o: Observation): void {
    const db = this.database;
    for (const name of this.members) {
      const s = o.nodes.get(name);
      const pg = o.postgres?.get(name);
      if (s && !isUnreachable(s) && s.lsn !== undefined) this.#lsn.set(name, s.lsn);
      const now = summary(s, pg);
      if ((s === undefined && pg === undefined) || this.#members.get(name) === now) continue;
      this.#members.set(name, now);
      const patroni: EventDetail =
        s === undefined
          ? {}
          : isUnreachable(s)
            ? { reachable: false, reason: s.unreachable }
            : { reachable: true, role: s.role, state: s.state, ...(s.timeline !== undefined ? { timeline: s.timeline } : {}) };
      const postgres: EventDetail = pg === undefined ? {} : { postgres: isUnreachable(pg) ? 'unreachable' : pg.role };
      this.emit('db', 'member', { database: db, node: name, ...patroni, ...postgres });
    }
    const primaries = this.members.filter((m) => takesWrites(o, m)).join(',');
    if (primaries !== this.#primaries) {
      this.emit('db', 'primaries', { database: db, nodes: primaries, previous: this.#primaries });
      this.#primaries = primaries;
    }
    if (o.leader !== undefined && o.leader !== this.#leader) {
      this.emit('db', 'leader.changed', { database: db, leader: o.leader ?? '', previous: this.#leader ?? '', source: 'etcd leader key' });
      this.#leader = o.leader;
    }
    this.#writerHealth(o);
    this.#failoverProgress(o);
  }

  #writerHealth(o: Observation): void {
    if (this.#failover) return;
    const healthy = takesWrites(o, this.#writer);
    if (!healthy && this.#lostAtMs === undefined && seen(o, this.#writer)) {
      this.#lostAtMs = o.atMs;
      this.emit('db', 'writer.lost', { database: this.database, target: this.#writer, ...this.#lagDetail() });
    } else if (healthy && this.#lostAtMs !== undefined) {
      this.#lostAtMs = undefined;
      this.emit('db', 'writer.back', { database: this.database, target: this.#writer });
    }
  }

  #failoverProgress(o: Observation): void {
    const from = this.#writer;
    const other = this.members.find((m) => m !== from)!;
    if (!this.#failover && o.leader !== undefined && o.leader !== from) {
      this.#failover = { from, to: o.leader ?? other, atMs: o.atMs };
      this.emit('db', 'failover.started', {
        database: this.database,
        target: from,
        from,
        to: this.#failover.to,
        reason: o.leader === null ? 'Patroni leader key lapsed' : `Patroni leader key taken by ${o.leader}`,
        ...(this.#lostAtMs !== undefined ? { detectionMs: o.atMs - this.#lostAtMs } : {}),
      });
    }
    const f = this.#failover;
    if (!f) return;
    if (o.leader !== undefined && o.leader !== null && o.leader !== f.to) f.to = o.leader;
    if (!takesWrites(o, f.to) || (o.leader !== undefined && o.leader !== f.to)) return;
    this.#failover = undefined;
    this.#lostAtMs = undefined;
    if (f.to === from) {
      this.emit('db', 'writer.back', { database: this.database, target: from, reason: 'the leader took its key back' });
      return;
    }
    this.#writer = f.to;
    const timeline = timelineOf(o, f.to);
    this.emit('db', 'writer', { database: this.database, writer: f.to, previous: from, ...(timeline !== undefined ? { timeline } : {}) });
  }

  /** The replica's lag behind the writer as last seen (bytes), when both positions are known. */
  #lagDetail(): EventDetail {
    const w = this.#lsn.get(this.#writer);
    const r = this.#lsn.get(this.members.find((m) => m !== this.#writer)!);
    return w === undefined || r === undefined ? {} : { lagBytes: Math.max(0, w - r) };
  }
}
