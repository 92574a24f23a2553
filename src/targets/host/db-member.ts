import type { ReplicationInfo } from './postgres/node.js';
import type { SqlOptions } from './postgres/sql.js';
import type { HostNode } from './topology.js';

/**
 * One PostgreSQL member of the host's database as the database layer uses it, whoever manages it:
 * faildrill itself (`postgres/node.ts`, controller mode) or Patroni (`patroni/member.ts`, platform mode).
 */
export interface DbMember {
  readonly id: string;
  readonly host: HostNode;
  /** The folder of its Unix socket (local checks connect there, not over the network). */
  readonly socketDir: string;
  /** Its postmaster runs (it may be frozen). */
  readonly running: boolean;
  /** One SQL statement over the member's Unix socket, as the superuser. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[], options?: SqlOptions): Promise<Row[]>;
  /** The standbys streaming from it (`pg_stat_replication`), lags in milliseconds. */
  replication(options?: SqlOptions): Promise<ReplicationInfo[]>;
  /** Immediate shutdown (a crash as far as the data goes); `onSignalled` once the signal is sent. */
  stop(mode: 'immediate', onSignalled?: () => void): Promise<void>;
  /** Its PostgreSQL processes: the postmaster and its children (what `process-pause` freezes). */
  processes(): number[];
  /** Ships its WAL `delayMs` late (a lag spike); absent where replication bypasses faildrill's delay line. */
  setShipDelay?(delayMs: number): Promise<void>;
}

/** The two members of the host's database and their life: created, then torn down with their data. */
export interface DbMembers<M extends DbMember = DbMember> {
  /** The member the scenario names primary: the writer at the start. */
  readonly primary: M;
  readonly nodes: M[];
  node(id: string): M | undefined;
  peerOf(member: M): M;
  /** The superuser's password: apps and checks connect over TCP with it. */
  readonly superuserPassword: string;
  /** Creates both and starts replication; resolves with how long each step took (ms, by step). */
  setUp(): Promise<Record<string, number>>;
  /** Stops both and removes their data. */
  teardown(): Promise<void>;
}
