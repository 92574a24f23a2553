import { ETCD_CLIENT_PORT, PATRONI_REST_PORT } from './config.js';
import type { HttpRelayRequest, RelayAnswer, SqlRelayRequest } from './relay.js';

/** One HTTP exchange: the relay in a namespace, or a direct request in tests on loopback. */
export type HttpCall = (req: Omit<HttpRelayRequest, 'id'>) => Promise<Omit<RelayAnswer, 'id'>>;
/** One SQL statement on a node, through the relay. */
export type SqlCall = (req: Omit<SqlRelayRequest, 'id'>) => Promise<Omit<RelayAnswer, 'id'>>;

/** What a node's `GET /patroni` says about its PostgreSQL (Patroni REST API docs, "Health check endpoints"). */
export interface NodeStatus {
  /** PostgreSQL as Patroni sees it: `running`, `starting`, `stopped`, `crashed`, `restarting`, `unknown`, … */
  state: string;
  /** `primary` (Patroni 3.0 says `master`) or `replica`. */
  role: 'primary' | 'replica' | string;
  timeline?: number;
  /** The primary's write position, or the replica's replay position (bytes). */
  lsn?: number;
  /** Patroni sees no leader key in the DCS (`cluster_unlocked`). */
  unlocked: boolean;
  /** On a primary: the members its WAL senders stream to (`replication[].application_name` in state `streaming`). */
  streamingTo: string[];
}

/** One member in `GET /cluster` (the answering node's view of the DCS). */
export interface ClusterMember {
  name: string;
  role: string;
  state: string;
  timeline?: number;
  /** Bytes behind the leader; undefined when Patroni says `unknown` (and for the leader). */
  lagBytes?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Parses a `/patroni` body; undefined when it is not one. */
export function parseNodeStatus(body: unknown): NodeStatus | undefined {
  if (!isObject(body) || typeof body.state !== 'string') return undefined;
  const role = body.role === 'master' || body.role === 'primary' ? 'primary' : typeof body.role === 'string' ? body.role : 'unknown';
  const xlog = isObject(body.xlog) ? body.xlog : {};
  const lsn = num(xlog.location) ?? num(xlog.replayed_location);
  const timeline = num(body.timeline);
  const replication = Array.isArray(body.replication) ? body.replication.filter(isObject) : [];
  return {
    state: body.state,
    role,
    ...(timeline !== undefined ? { timeline } : {}),
    ...(lsn !== undefined ? { lsn } : {}),
    unlocked: body.cluster_unlocked === true,
    streamingTo: replication.filter((r) => r.state === 'streaming' && typeof r.application_name === 'string').map((r) => String(r.application_name)),
  };
}

/** Parses a `/cluster` body; undefined when it is not one. */
export function parseCluster(body: unknown): ClusterMember[] | undefined {
  if (!isObject(body) || !Array.isArray(body.members)) return undefined;
  return body.members.filter(isObject).map((m) => {
    const timeline = num(m.timeline);
    const lag = num(m.lag);
    return {
      name: String(m.name),
      role: String(m.role),
      state: String(m.state),
      ...(timeline !== undefined ? { timeline } : {}),
      ...(lag !== undefined ? { lagBytes: lag } : {}),
    };
  });
}

/** The etcd key that holds the leader lock: Patroni's default namespace `/service/`, then the scope. */
export function leaderKey(scope: string): string {
  return `/service/${scope}/leader`;
}

/** Parses an etcd v3 gateway `kv/range` answer: the first key's value (base64 in the JSON), if any. */
export function parseRangeValue(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const kvs = body.kvs;
  if (!Array.isArray(kvs) || kvs.length === 0 || !isObject(kvs[0]) || typeof kvs[0].value !== 'string') return undefined;
  return Buffer.from(kvs[0].value, 'base64').toString('utf8');
}

/** An answer nobody could give: the node did not answer (down, dropped, paused). */
export interface Unreachable {
  unreachable: string;
}

/** Patroni's REST API and the leader key in etcd, through one {@link HttpCall}. */
export class PatroniApi {
  constructor(
    private readonly call: HttpCall,
    private readonly timeoutMs: number,
    private readonly restPort = PATRONI_REST_PORT,
    private readonly etcdPort = ETCD_CLIENT_PORT,
  ) {}

  /** `GET /patroni` of the node at `ip`. Patroni answers 200 on the primary and 503 elsewhere, with the same body. */
  async status(ip: string): Promise<NodeStatus | Unreachable> {
    const a = await this.call({ method: 'GET', url: `http://${ip}:${this.restPort}/patroni`, timeoutMs: this.timeoutMs });
    if (a.error) return { unreachable: a.error };
    return parseNodeStatus(a.body) ?? { unreachable: `status ${a.status}: not a Patroni answer` };
  }

  /** `GET /cluster` of the node at `ip`: members as that node last read them from the DCS. */
  async cluster(ip: string): Promise<ClusterMember[] | Unreachable> {
    const a = await this.call({ method: 'GET', url: `http://${ip}:${this.restPort}/cluster`, timeoutMs: this.timeoutMs });
    if (a.error) return { unreachable: a.error };
    return parseCluster(a.body) ?? { unreachable: `status ${a.status}: not a Patroni answer` };
  }

  /** The holder of the leader key in etcd (v3 gateway `POST /v3/kv/range`), `''` when nobody holds it. */
  async leader(etcdIp: string, scope: string): Promise<string | Unreachable> {
    const key = Buffer.from(leaderKey(scope)).toString('base64');
    const a = await this.call({ method: 'POST', url: `http://${etcdIp}:${this.etcdPort}/v3/kv/range`, body: { key }, timeoutMs: this.timeoutMs });
    if (a.error) return { unreachable: a.error };
    if (a.status !== 200) return { unreachable: `status ${a.status}` };
    return parseRangeValue(a.body) ?? '';
  }
}

export const isUnreachable = (v: unknown): v is Unreachable => isObject(v) && typeof v.unreachable === 'string';

/** What PostgreSQL itself says: `primary` (not in recovery: it takes writes) or `replica`, and a primary's timeline. */
export interface PgState {
  role: 'primary' | 'replica';
  timeline?: number;
}

/**
 * `pg_is_in_recovery()`, and on a primary its timeline: the first 8 hex digits of the name of the
 * WAL file it writes (`pg_walfile_name(pg_current_wal_lsn())`; PostgreSQL names WAL files
 * timeline, log, segment). pg_control_checkpoint() would lag behind a promotion until the next
 * checkpoint.
 */
export const PG_STATE_SQL =
  "SELECT pg_is_in_recovery() AS recovery, CASE WHEN pg_is_in_recovery() THEN NULL ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline";

/**
 * Asks a node's PostgreSQL directly, not through Patroni: when Patroni is dead or frozen its
 * PostgreSQL may still run as a primary, and only PostgreSQL can say so.
 */
export async function postgresState(sql: SqlCall, connection: string, timeoutMs: number): Promise<PgState | Unreachable> {
  const a = await sql({ kind: 'sql', connection, sql: PG_STATE_SQL, timeoutMs });
  if (a.error) return { unreachable: a.error };
  const row = a.rows?.[0];
  const timeline = num(row?.timeline);
  if (row?.recovery === true) return { role: 'replica' };
  if (row?.recovery === false) return { role: 'primary', ...(timeline !== undefined ? { timeline } : {}) };
  return { unreachable: 'not an answer to pg_is_in_recovery()' };
}
