import { sleep } from '../../shared/timers.js';
import { postgresState, type NodeStatus, type PatroniApi, type PgState, type SqlCall, type Unreachable } from './rest.js';
import type { Observation, PatroniTracker } from './tracker.js';

/** Default poll interval: a fifth of a second gives a failover of ttl ≥ 20 s a resolution under 1 %. */
export const PATRONI_POLL_MS = 200;

/** What the observer asks of one node. */
export interface ObservedNode {
  /** Patroni's REST API address. */
  ip: string;
  /** A connection string of the node's PostgreSQL, to ask it directly. */
  connection: string;
}

/**
 * Polls the leader key in etcd, each node's `GET /patroni` and each node's PostgreSQL
 * (`pg_is_in_recovery()`), each on a loop of its own every `pollMs` (what does not answer holds up
 * only its own loop, for at most the request's timeout), and hands the tracker the latest of all
 * after every answer. Observations carry the run time `nowMs()` of the answer; the figures'
 * resolution is `pollMs` plus the request's latency.
 */
export class PatroniObserver {
  readonly #nodes = new Map<string, NodeStatus | Unreachable | undefined>();
  readonly #postgres = new Map<string, PgState | Unreachable | undefined>();
  #leader: string | null | undefined;
  #leaderSeen = false;
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];

  constructor(
    private readonly api: PatroniApi,
    private readonly etcdIp: string,
    private readonly scope: string,
    private readonly nodes: ReadonlyMap<string, ObservedNode>,
    private readonly sql: SqlCall,
    private readonly tracker: PatroniTracker,
    private readonly nowMs: () => number,
    readonly pollMs = PATRONI_POLL_MS,
    private readonly timeoutMs = 1_000,
  ) {}

  /** The latest observation (what the tracker last read). */
  get latest(): Observation {
    return { atMs: this.nowMs(), leader: this.#leaderSeen ? this.#leader : undefined, nodes: new Map(this.#nodes), postgres: new Map(this.#postgres) };
  }

  start(): void {
    const loop = async (poll: () => Promise<void>) => {
      while (!this.#stop.signal.aborted) {
        const started = Date.now();
        await poll();
        if (!this.#stop.signal.aborted) this.tracker.observe(this.latest);
        await sleep(this.pollMs - (Date.now() - started), this.#stop.signal);
      }
    };
    this.#loops.push(
      loop(async () => {
        const leader = await this.api.leader(this.etcdIp, this.scope);
        if (typeof leader === 'string') {
          this.#leader = leader === '' ? null : leader;
          this.#leaderSeen = true;
        } else this.#leaderSeen = false;
      }),
    );
    for (const [name, node] of this.nodes) {
      this.#loops.push(
        loop(async () => {
          this.#nodes.set(name, await this.api.status(node.ip));
        }),
        loop(async () => {
          this.#postgres.set(name, await postgresState(this.sql, node.connection, this.timeoutMs));
        }),
      );
    }
  }

  /** Stops polling; resolves once every loop has ended (within one request's timeout). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
  }
}
