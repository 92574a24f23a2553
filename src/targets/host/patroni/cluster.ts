import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { waitUntil } from '../../shared/timers.js';
import type { Journal } from '../journal.js';
import { findProgram } from '../preflight.js';
import type { HostNode, HostPlan } from '../topology.js';
import type { PatroniCredentials } from './config.js';
import { attachNode, planDcsNode } from './dcs-node.js';
import { EtcdMember } from './etcd.js';
import { PATRONI_INSTALL_COMMAND, PATRONI_PIN, patroniProgram } from './install.js';
import { nodePaths, osUser, PatroniNode } from './node.js';
import { RelayClient } from './relay-client.js';
import { isUnreachable, PatroniApi, type NodeStatus } from './rest.js';
import { postgresBinDir, type PatroniSettings } from './settings.js';

/** etcd answers /health within seconds; a loaded two-core machine gets a margin. */
const ETCD_HEALTHY_MS = 20_000;
/** The first leader runs initdb and starts PostgreSQL: seconds, a loaded machine more. */
const BOOTSTRAP_MS = 90_000;
/** The replica takes a base backup of a fresh cluster and starts streaming. */
const REPLICA_STREAMING_MS = 90_000;
/** Timeout of one REST or etcd request of the observer and the waits here. */
export const REQUEST_TIMEOUT_MS = 1_000;

/** What a cluster needs from the run around it. */
export interface PatroniClusterOptions {
  plan: HostPlan;
  settings: PatroniSettings;
  journal: Journal;
  /** How long the relay may live at most (it also exits with its parent). */
  lifetimeMs: number;
  signal?: AbortSignal;
  /** Each line Patroni logs, by node (for events or debugging). */
  onLog?: (node: string, line: string) => void;
}

/**
 * A run's Patroni cluster: etcd on the DCS node, Patroni on the database primary's and standby's
 * nodes, and the relay in the controller's namespace through which the controller's process talks
 * to both. Every namespace and process is journaled before it exists, so teardown (or `faildrill
 * cleanup` after a crash) removes them with the run's folder, data directories included.
 */
export class PatroniCluster {
  readonly dcsNode: HostNode;
  readonly etcd: EtcdMember;
  readonly nodes = new Map<string, PatroniNode>();
  readonly relay: RelayClient;
  readonly api: PatroniApi;
  readonly credentials: PatroniCredentials;
  readonly binDir: string;

  constructor(readonly options: PatroniClusterOptions) {
    const { plan, settings } = options;
    const etcdProgram = findProgram('etcd');
    const patroni = patroniProgram();
    const binDir = postgresBinDir();
    const user = osUser('postgres');
    if (!etcdProgram || !patroni || !binDir || !user)
      throw new Error(
        `Patroni needs ${[!etcdProgram && 'etcd (apt-get install etcd-server)', !patroni && `patroni ${PATRONI_PIN.version} (${PATRONI_INSTALL_COMMAND})`, !binDir && 'PostgreSQL server programs (apt-get install postgresql)', !user && "the 'postgres' account (apt-get install postgresql-common)"].filter(Boolean).join(', ')}`,
      );
    this.binDir = binDir;
    this.dcsNode = planDcsNode(plan);
    this.etcd = new EtcdMember(this.dcsNode, plan.dir, plan.tag, etcdProgram);
    const secret = () => randomBytes(18).toString('base64url');
    this.credentials = { superuser: { username: 'postgres', password: secret() }, replication: { username: 'replicator', password: secret() } };
    for (const id of [settings.primary, settings.standby]) {
      const host = plan.servers.get(id);
      if (!host) throw new Error(`no server '${id}' in this run`);
      const input = {
        settings,
        scope: plan.tag,
        name: id,
        ip: host.ip,
        subnet: plan.subnet,
        etcdHost: this.dcsNode.ip,
        paths: nodePaths(plan.dir, id),
        binDir,
        credentials: this.credentials,
      };
      this.nodes.set(id, new PatroniNode(host, input, user, patroni, plan.dir, options.onLog ? (line) => options.onLog!(id, line) : undefined));
    }
    this.relay = new RelayClient(plan.controller.ns, options.lifetimeMs, join(plan.dir, 'patroni-relay.log'));
    if (this.relay.process.pid) this.#track('patroni-relay', plan.controller.ns)(this.relay.process.pid);
    this.api = new PatroniApi(this.relay.http, REQUEST_TIMEOUT_MS);
  }

  get scope(): string {
    return this.options.plan.tag;
  }

  node(id: string): PatroniNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no Patroni node '${id}'`);
    return n;
  }

  /** What the observer asks of each node: its address (Patroni's REST API) and a connection string (PostgreSQL). */
  get targets(): Map<string, { ip: string; connection: string }> {
    return new Map([...this.nodes].map(([id, n]) => [id, { ip: n.host.ip, connection: this.connectionString(id) }]));
  }

  /** A superuser connection string to a node's PostgreSQL (for checks and the write log). */
  connectionString(id: string, database = 'postgres'): string {
    const { username, password } = this.credentials.superuser;
    return `postgresql://${username}:${encodeURIComponent(password)}@${this.node(id).host.ip}:5432/${database}?connect_timeout=2`;
  }

  /**
   * Starts the DCS node and etcd, then the configured primary alone until it holds the leader key
   * and runs as a primary (so that it, not the standby, bootstraps the cluster and leads), then the
   * standby until it streams from it. Throws on a timeout or abort; what exists is then the caller's
   * to tear down (the journal has it).
   */
  async start(): Promise<void> {
    const { plan, settings, journal, signal } = this.options;
    const wait = { ...(signal ? { signal } : {}) };
    await attachNode(plan, this.dcsNode, journal);
    this.etcd.start(this.#track('etcd', this.dcsNode.ns));
    await this.etcd.waitHealthy(this.relay.http, ETCD_HEALTHY_MS, signal);
    for (const n of this.nodes.values()) n.prepare(plan.dir);

    const primary = this.node(settings.primary);
    primary.start(this.#track(`patroni:${primary.id}`, primary.host.ns));
    await waitUntil(async () => this.#exited(primary) || ((await this.leader()) === primary.id && this.#isRunningPrimary(await this.api.status(primary.host.ip))), {
      timeoutMs: BOOTSTRAP_MS,
      what: `Patroni on ${primary.id} holding the leader key with PostgreSQL running as primary`,
      pollMs: 250,
      ...wait,
    });
    this.#throwIfExited(primary);

    const standby = this.node(settings.standby);
    standby.start(this.#track(`patroni:${standby.id}`, standby.host.ns));
    await waitUntil(async () => this.#exited(standby) || (await this.streaming(standby.id)), {
      timeoutMs: REPLICA_STREAMING_MS,
      what: `Patroni on ${standby.id} streaming from ${primary.id}`,
      pollMs: 250,
      ...wait,
    });
    this.#throwIfExited(standby);
  }

  /** The leader key's holder in etcd (`''` when none), or undefined when etcd did not answer. */
  async leader(): Promise<string | undefined> {
    const l = await this.api.leader(this.dcsNode.ip, this.scope);
    return typeof l === 'string' ? l : undefined;
  }

  /** Whether `replicaId` runs as a replica and the leader's WAL sender streams to it (`GET /patroni` of both). */
  async streaming(replicaId: string): Promise<boolean> {
    const leader = await this.leader();
    if (!leader || leader === replicaId || !this.nodes.has(leader)) return false;
    const [l, r] = await Promise.all([this.api.status(this.node(leader).host.ip), this.api.status(this.node(replicaId).host.ip)]);
    if (isUnreachable(l) || isUnreachable(r)) return false;
    return this.#isRunningPrimary(l) && l.streamingTo.includes(replicaId) && r.role === 'replica' && r.state === 'running';
  }

  /**
   * Stops everything it started: both Patroni nodes (each stops its PostgreSQL), etcd, the relay.
   * Namespaces and files are the journal's: teardown removes them.
   */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.nodes.values()].map((n) => n.stop()));
    await this.etcd.stop().catch(() => undefined);
    await this.relay.stop().catch(() => undefined);
  }

  #isRunningPrimary(s: NodeStatus | { unreachable: string }): boolean {
    return !isUnreachable(s) && s.role === 'primary' && s.state === 'running';
  }

  #exited(n: PatroniNode): boolean {
    return n.process !== undefined && !n.process.running;
  }

  #throwIfExited(n: PatroniNode): void {
    if (this.#exited(n)) throw new Error(`Patroni on ${n.id} exited during start (see ${join(this.options.plan.dir, `patroni-${n.id}.log`)})`);
  }

  #track(role: string, ns: string): (pid: number) => void {
    return (pid) => this.options.journal.write({ op: 'process', pid, ns, role });
  }
}
