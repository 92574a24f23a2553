import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { DatabaseSpec } from '../../../scenario/schema.js';
import type { Journal } from '../journal.js';
import type { HostPlan } from '../topology.js';
import { passfileText, PG_PORT, PG_REPLICATION_USER, PG_SUPERUSER } from './config.js';
import { WAL_RELAY_PORT } from './wal-delay.js';
import { passfilePath, pgRoot, preparePgRoot, writePgFile } from './folders.js';
import { PgNode, type PgContext } from './node.js';

/** How long setting the pair up took, per step. */
export type PgSetupTimes = {
  initdbMs: number;
  basebackupMs: number;
};

/**
 * The scenario's PostgreSQL primary and streaming standby (`setup.database`, engine
 * `postgres-streaming`) on their servers' namespaces. Passwords are made per run and kept in the
 * run's folder only (`<run>/pg/pgpass`, postgres's, 0600).
 */
export class PgPair {
  readonly primary: PgNode;
  readonly standby: PgNode;
  readonly #ctx: PgContext;

  constructor(plan: HostPlan, spec: DatabaseSpec, journal: Journal, options: Pick<PgContext, 'walDelay'> = {}) {
    if (spec.engine !== 'postgres-streaming') throw new Error(`the host target runs PostgreSQL streaming replication, not ${spec.engine}`);
    const hostOf = (server: string) => {
      const host = plan.servers.get(server);
      if (!host) throw new Error(`setup.database names server '${server}', which this run has no namespace for`);
      return host;
    };
    this.#ctx = {
      plan,
      journal,
      passfile: passfilePath(plan),
      passwords: { superuser: randomBytes(16).toString('hex'), replication: randomBytes(16).toString('hex') },
      replication: spec.replication ?? 'asynchronous',
      ...(options.walDelay ? { walDelay: options.walDelay } : {}),
    };
    this.primary = new PgNode(hostOf(spec.primary), this.#ctx);
    this.standby = new PgNode(hostOf(spec.standby), this.#ctx);
  }

  get nodes(): PgNode[] {
    return [this.primary, this.standby];
  }

  /** The node of server `id`, if it is one of the pair. */
  node(id: string): PgNode | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  /** The other node of the pair. */
  peerOf(node: PgNode): PgNode {
    return node === this.primary ? this.standby : this.primary;
  }

  get replication(): PgContext['replication'] {
    return this.#ctx.replication;
  }

  /** The superuser's password (apps and the controller's checks connect over TCP with it). */
  get superuserPassword(): string {
    return this.#ctx.passwords.superuser;
  }

  /**
   * Creates both: the folders postgres needs, the password file, the primary by initdb, the standby
   * by pg_basebackup from it; with synchronous replication, waits until the standby is the primary's
   * synchronous standby.
   */
  async setUp(): Promise<PgSetupTimes> {
    const { plan, passwords } = this.#ctx;
    preparePgRoot(plan);
    const ports = this.#ctx.walDelay ? [PG_PORT, WAL_RELAY_PORT] : [PG_PORT];
    writePgFile(passfilePath(plan), passfileText({ [PG_SUPERUSER]: passwords.superuser, [PG_REPLICATION_USER]: passwords.replication }, ports));
    const initdbMs = await this.primary.initPrimary();
    const basebackupMs = await this.standby.cloneFrom(this.primary);
    if (this.#ctx.replication === 'synchronous') {
      await this.primary.setSynchronousStandby(this.standby.id);
      await this.primary.waitStandby(this.standby.id, { sync: true });
    }
    return { initdbMs, basebackupMs };
  }

  /**
   * Stops both postmasters, lifts fences, removes data folders and sockets. Immediate shutdown (SIGQUIT):
   * the data is thrown away, and a fast one would wait for a checkpoint and for its standby.
   */
  async teardown(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop('immediate')));
    await Promise.allSettled(this.nodes.map((n) => n.unfence()));
    rmSync(pgRoot(this.#ctx.plan), { recursive: true, force: true });
  }
}
