import { PATRONI_DEFAULTS, type DatabaseSpec, type Scenario } from './schema.js';

/** Patroni's three HA timings, in milliseconds (whole seconds: Patroni takes seconds). */
export interface PatroniTimings {
  ttlMs: number;
  loopWaitMs: number;
  retryTimeoutMs: number;
}

/** A range of durations. */
export interface RangeMs {
  min: number;
  max: number;
}

/**
 * The replica's `GET /patroni` of the old leader before it promotes: `fetch_node_status` asks every
 * member of the cluster it saw last (the old leader included) with `timeout=2, retries=0` (Patroni
 * 3.0.2 and the pinned 4.1.5 alike, patroni/ha.py). A leader whose node is down, cut off or whose PostgreSQL is frozen answers
 * nothing, so the race waits the whole timeout (src/targets/host/patroni/README.md: "+2 s for its
 * REST check of the frozen leader to time out").
 */
export const PATRONI_REST_TIMEOUT_MS = 2_000;

/** `pg_ctl promote` on the replica once it holds the key: 0.1–0.2 s as measured on the host target (pg_promote of a tiny cluster). */
export const PG_PROMOTE_MS: RangeMs = { min: 100, max: 200 };

/**
 * Patroni starting a PostgreSQL that stopped under it (crash recovery in single-user mode, then a
 * start as primary on a new timeline): assumed. src/targets/host/patroni/README.md saw writes
 * unavailable ~7 s with loop_wait 2 s, of which up to loop_wait is the wait for the next HA loop.
 */
export const PATRONI_RESTART_MS: RangeMs = { min: 5_000, max: 7_000 };

/**
 * What Patroni on the leader's node can still do after a fault (src/targets/host/patroni/README.md,
 * "What Patroni does with each fault"):
 * - `lost`: it no longer refreshes the leader key — the node is down (Patroni went with it), cut off
 *   from etcd, or its PostgreSQL is frozen (the HA loop blocks on its query);
 * - `postgres-stopped`: Patroni lives and its PostgreSQL is stopped: it starts it again in place;
 * - `leading`: it refreshes the key. Patroni reaches its PostgreSQL over the Unix socket, so a drop
 *   of PostgreSQL's port cuts clients off but not Patroni.
 *
 * etcd runs on a third site that no server of the scenario stands for: only an isolation or an inbound
 * drop that names neither a port nor a peer stops its answers (an INPUT rule with a port matches no
 * answer to Patroni's ephemeral port; a partition with another server leaves etcd reachable).
 */
export type LeaderHealth = 'leading' | 'postgres-stopped' | 'lost';

/** Whether Patroni runs the scenario's database: postgres-streaming with `controller.layers.database: platform`. */
export function usesPatroni(scenario: Scenario): boolean {
  return scenario.setup.database?.engine === 'postgres-streaming' && scenario.controller.layers.database === 'platform';
}

/** The database's Patroni timings: `setup.database.patroni`, else Patroni's defaults (`PATRONI_DEFAULTS`). */
export function patroniTimingsOf(db: DatabaseSpec): PatroniTimings {
  const t = db.patroni ?? PATRONI_DEFAULTS;
  return { ttlMs: t.ttlMs, loopWaitMs: t.loopWaitMs, retryTimeoutMs: t.retryTimeoutMs };
}

/**
 * The longest a crashed leader (Patroni and PostgreSQL gone together) can stay leader. The leader
 * key is an etcd lease of `ttl` seconds that the leader refreshes once per HA loop, so it lapses at
 * most `ttl` after the crash; the replica watches the key and runs its HA loop when it goes, but a
 * loop that is busy (a DCS or REST call that hangs until `retry_timeout`) or asleep (`loop_wait`)
 * delays the race: ttl + loop_wait + retry_timeout bounds it (Patroni dynamic configuration docs:
 * "ttl … the length of time before initiation of the automatic failover process").
 */
export function failoverBoundMs(t: PatroniTimings): number {
  return t.ttlMs + t.loopWaitMs + t.retryTimeoutMs;
}

/**
 * Fault → the leader key lapses (Patroni's detection), when the leader stopped refreshing it at the
 * fault: it last refreshed at most one `loop_wait` before (its HA loop runs every loop_wait, patroni
 * `schedule_next_run`), and the key lapses `ttl` after that refresh: ttl − loop_wait … ttl.
 */
export function keyLapseMs(t: PatroniTimings): RangeMs {
  return { min: t.ttlMs - t.loopWaitMs, max: t.ttlMs };
}

/** Key lapse → the replica takes writes: the REST check of the silent old leader, then pg_ctl promote. */
export function patroniPromotionMs(): RangeMs {
  return { min: PATRONI_REST_TIMEOUT_MS + PG_PROMOTE_MS.min, max: PATRONI_REST_TIMEOUT_MS + PG_PROMOTE_MS.max };
}

/**
 * PostgreSQL stopped under a live Patroni → writes back in place: the next HA loop (within
 * loop_wait) finds it down and starts it again; no failover (`primary_start_timeout`, 300 s by
 * default, would have to run out first).
 */
export function restartInPlaceMs(t: PatroniTimings): RangeMs {
  return { min: PATRONI_RESTART_MS.min, max: t.loopWaitMs + PATRONI_RESTART_MS.max };
}
