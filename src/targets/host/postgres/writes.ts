import { MEMBER_ADDRESS_SETTING } from './config.js';
import type { PgNode } from './node.js';
import type { SqlOptions } from './sql.js';

/** The table every acknowledged-write check reads: one row per write a client sent. */
export const WRITES_TABLE = 'faildrill_writes';

/**
 * `id`: the write's unique number (the client's sequence); `client`: who sent it; `sent_ms`: the
 * client's run time when it sent it; `committed_at`: the server's clock when the row was written.
 * The acknowledgement time is the client's to keep (a row cannot hold the moment its own commit
 * returned).
 */
export const CREATE_WRITES_TABLE = `CREATE TABLE IF NOT EXISTS ${WRITES_TABLE} (
  id bigint PRIMARY KEY,
  client text NOT NULL,
  sent_ms bigint NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

/** One write: a single-statement transaction (autocommit), so its success is its commit's. */
export const INSERT_WRITE = `INSERT INTO ${WRITES_TABLE} (id, client, sent_ms) VALUES ($1, $2, $3)`;

/** {@link INSERT_WRITE} returning the member that committed it (`member`: its `faildrill.member_address`, null where unset). */
export const INSERT_WRITE_RETURNING_MEMBER = `${INSERT_WRITE} RETURNING current_setting('${MEMBER_ADDRESS_SETTING}', true) AS member`;

/**
 * The WARNING PostgreSQL sends when a commit's wait for its synchronous standby was cancelled or the
 * session terminated: the transaction committed locally, but "might not have been replicated to the
 * standby" (src/backend/replication/syncrep.c). The statement still reports success.
 */
const SYNC_WAIT_CANCELLED = /canceling (the )?wait for synchronous replication/i;

/** Whether a write that returned success is acknowledged: not when its synchronous wait was cancelled. */
export function acknowledged(notices: readonly string[]): boolean {
  return !notices.some((n) => SYNC_WAIT_CANCELLED.test(n));
}

/** What became of one write. */
export interface WriteOutcome {
  acked: boolean;
  /** Why it is not acknowledged: the error, the timeout, or the cancelled synchronous wait. */
  reason?: string;
  elapsedMs: number;
}

type SqlNode = Pick<PgNode, 'query'>;

export async function createWritesTable(node: SqlNode): Promise<void> {
  await node.query(CREATE_WRITES_TABLE);
}

/**
 * Sends one write and says whether it was acknowledged: the INSERT committed within `timeoutMs`
 * (client side: a commit waiting for a synchronous standby ignores statement_timeout) and its
 * synchronous wait was not cancelled.
 */
export async function insertWrite(
  node: SqlNode,
  write: { id: number; client: string; sentMs: number },
  timeoutMs: number,
  options: Pick<SqlOptions, 'statementTimeoutMs'> = {},
): Promise<WriteOutcome> {
  const notices: string[] = [];
  const started = Date.now();
  try {
    await node.query(INSERT_WRITE, [write.id, write.client, Math.round(write.sentMs)], { ...options, timeoutMs, onNotice: (n) => notices.push(n) });
  } catch (err) {
    return { acked: false, reason: (err as Error).message, elapsedMs: Date.now() - started };
  }
  const elapsedMs = Date.now() - started;
  return acknowledged(notices) ? { acked: true, elapsedMs } : { acked: false, reason: notices.join(' | '), elapsedMs };
}

/** The write ids a node holds, ascending (what its clients can read there now). */
export async function readIds(node: SqlNode, timeoutMs = 10_000): Promise<number[]> {
  const rows = await node.query<{ id: string }>(`SELECT id FROM ${WRITES_TABLE} ORDER BY id`, [], { timeoutMs });
  return rows.map((r) => Number(r.id));
}
