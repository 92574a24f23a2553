import pg from 'pg';
import { PG_DATABASE, PG_PORT, PG_SUPERUSER } from './config.js';

/** How long one statement (with its connection) may take unless told otherwise. */
export const DEFAULT_SQL_TIMEOUT_MS = 5_000;
/** How long closing a connection may take before its socket is dropped (a frozen server never answers). */
const CLOSE_GRACE_MS = 300;

/** A statement that failed or ran out of time, naming the node. */
export class PgSqlError extends Error {
  /** `postgres.timeout` when the connection or the statement ran out of time, else `postgres.error`. */
  readonly code: 'postgres.timeout' | 'postgres.error';
  /** The SQLSTATE, when PostgreSQL answered with an error. */
  readonly sqlState: string | undefined;

  constructor(
    readonly node: string,
    readonly sql: string,
    cause: Error & { code?: string },
    timedOut: boolean,
  ) {
    super(`${node}: ${sql.replace(/\s+/g, ' ').slice(0, 80)}: ${cause.message}`);
    this.name = 'PgSqlError';
    this.code = timedOut ? 'postgres.timeout' : 'postgres.error';
    this.sqlState = typeof cause.code === 'string' && /^[0-9A-Z]{5}$/.test(cause.code) ? cause.code : undefined;
  }
}

export interface SqlOptions {
  /** Bounds connecting and the statement, each (client side: a frozen server cannot cancel anything). */
  timeoutMs?: number;
  /** The session's statement_timeout (server side), when set. */
  statementTimeoutMs?: number;
  /** Each NOTICE or WARNING the server sent with the statement. */
  onNotice?: (message: string) => void;
}

function isTimeout(err: Error): boolean {
  return /timeout|timed out/i.test(err.message);
}

/**
 * The one way faildrill talks SQL to a node: a fresh connection as the superuser over the node's
 * Unix socket (no network: the root namespace reaches a file in the run's folder), one statement,
 * then the connection is closed — or dropped, when the server does not answer (SIGSTOP).
 */
export async function sqlQuery<Row = Record<string, unknown>>(
  node: string,
  socketDir: string,
  text: string,
  params: unknown[] = [],
  options: SqlOptions = {},
): Promise<Row[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS;
  const client = new pg.Client({
    host: socketDir,
    port: PG_PORT,
    user: PG_SUPERUSER,
    database: PG_DATABASE,
    application_name: 'faildrill',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  client.on('error', () => undefined);
  if (options.onNotice) client.on('notice', (n) => options.onNotice!(`${n.severity ?? 'NOTICE'}: ${n.message ?? ''}`));
  try {
    await client.connect();
    const result = await client.query(text, params);
    return result.rows as Row[];
  } catch (err) {
    const e = err as Error;
    throw new PgSqlError(node, text, e, isTimeout(e));
  } finally {
    await close(client);
  }
}

async function close(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.end().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
  clearTimeout(timer);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
