import type { SqlOptions } from './sql.js';

/** One standby as its primary's `pg_stat_replication` shows it. */
export interface ReplicationInfo {
  /** The standby's application_name: its server id. */
  application: string;
  /** `startup`, `catchup`, `streaming`, `backup`, `stopping`. */
  state: string;
  /** `async`, `potential`, `sync`, `quorum`. */
  syncState: string;
  sentLsn: string | null;
  writeLsn: string | null;
  flushLsn: string | null;
  replayLsn: string | null;
  /** Time from a WAL flush here to the standby reporting it written, flushed, replayed (null once it caught up and was idle). */
  writeLagMs: number | null;
  flushLagMs: number | null;
  replayLagMs: number | null;
  /** WAL written here that the standby has not replayed. */
  replayLagBytes: number | null;
}

/** Something that runs one SQL statement on a PostgreSQL node. */
interface SqlNode {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[], options?: SqlOptions): Promise<Row[]>;
}

const ms = (column: string) => `(EXTRACT(EPOCH FROM ${column}) * 1000)::float8`;

/** The standbys streaming from `node` (`pg_stat_replication`), lags in milliseconds. */
export function readReplication(node: SqlNode, options?: SqlOptions): Promise<ReplicationInfo[]> {
  return node.query<ReplicationInfo>(
    `SELECT application_name AS application, state, sync_state AS "syncState",
            sent_lsn::text AS "sentLsn", write_lsn::text AS "writeLsn", flush_lsn::text AS "flushLsn", replay_lsn::text AS "replayLsn",
            ${ms('write_lag')} AS "writeLagMs", ${ms('flush_lag')} AS "flushLagMs", ${ms('replay_lag')} AS "replayLagMs",
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS "replayLagBytes"
       FROM pg_stat_replication ORDER BY application_name`,
    [],
    options,
  );
}
