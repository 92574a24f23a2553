import type { DbMember, DbMembers } from '../db-member.js';
import { alive, delay, signal } from '../exec.js';
import { readReplication, type ReplicationInfo } from '../postgres/replication.js';
import { sqlQuery, type SqlOptions } from '../postgres/sql.js';
import type { PatroniCluster } from './cluster.js';
import type { PatroniNode } from './node.js';

/** How long an immediate shutdown of a postmaster may take before the stop gives up waiting. */
const QUIT_WAIT_MS = 5_000;

/**
 * A Patroni node's PostgreSQL as the database layer uses it: queried over the node's own socket
 * (Patroni's `unix_socket_directories`), stopped immediately (SIGQUIT to the postmaster, what
 * `pg_ctl stop -m immediate` sends: Patroni then restarts it in place on its next HA loop, as on
 * a real host), frozen with its children.
 */
export class PatroniMember implements DbMember {
  constructor(readonly node: PatroniNode) {}

  get id(): string {
    return this.node.id;
  }

  get host() {
    return this.node.host;
  }

  get socketDir(): string {
    return this.node.paths.socketDir;
  }

  get running(): boolean {
    return this.node.postmasterPid() !== undefined;
  }

  query<Row = Record<string, unknown>>(text: string, params: unknown[] = [], options?: SqlOptions): Promise<Row[]> {
    return sqlQuery<Row>(this.id, this.node.paths.socketDir, text, params, options);
  }

  replication(options?: SqlOptions): Promise<ReplicationInfo[]> {
    return readReplication(this, options);
  }

  async stop(_mode: 'immediate', onSignalled?: () => void): Promise<void> {
    const pm = this.node.postmasterPid();
    if (pm !== undefined) {
      signal(pm, 'SIGCONT');
      signal(pm, 'SIGQUIT');
    }
    onSignalled?.();
    for (let waitedMs = 0; pm !== undefined && alive(pm) && waitedMs < QUIT_WAIT_MS; waitedMs += 50) await delay(50);
  }

  processes(): number[] {
    return this.node.postgresPids();
  }
}

/**
 * The two members of a Patroni cluster: set up by starting etcd and Patroni (the configured primary
 * bootstraps and leads, the standby streams from it), torn down by stopping them; their folders go
 * with the run's.
 */
export class PatroniMembers implements DbMembers<PatroniMember> {
  readonly nodes: PatroniMember[];

  constructor(readonly cluster: PatroniCluster) {
    const { primary, standby } = cluster.options.settings;
    this.nodes = [primary, standby].map((id) => new PatroniMember(cluster.node(id)));
  }

  get primary(): PatroniMember {
    return this.nodes[0]!;
  }

  node(id: string): PatroniMember | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  peerOf(member: PatroniMember): PatroniMember {
    return this.nodes.find((n) => n !== member)!;
  }

  get superuserPassword(): string {
    return this.cluster.credentials.superuser.password;
  }

  async setUp(): Promise<Record<string, number>> {
    const started = Date.now();
    await this.cluster.start();
    return { patroniStartMs: Date.now() - started };
  }

  async teardown(): Promise<void> {
    await this.cluster.stop();
  }
}
