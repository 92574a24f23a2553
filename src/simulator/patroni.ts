import type { Rng } from '../controller/ports.js';
import { PATRONI_REST_TIMEOUT_MS, PATRONI_RESTART_MS, PG_PROMOTE_MS, type LeaderHealth, type PatroniTimings, type RangeMs } from '../scenario/patroni.js';
import type { Engine, Timer } from './engine.js';
import type { SimServer } from './server.js';

/**
 * {@link LeaderHealth} of the leader's node. PostgreSQL is the node's `app` in the model
 * (src/simulator/faults.ts); etcd's answers come from no scenario server, so only rules that name
 * neither a port nor a peer (`drops('tcp', undefined)`) or an isolation stop them.
 */
export function leaderHealth(node: SimServer): LeaderHealth {
  if (!node.hostUp || node.drops('tcp', undefined) || node.servicePaused('app')) return 'lost';
  return node.serviceStopped('app') ? 'postgres-stopped' : 'leading';
}

/** What the Patroni cluster does, told to the database model. */
export interface PatroniActions {
  /** The leader key lapsed: the replica takes it and is promoted, taking writes after `promotionMs`. */
  keyLapsed(promotionMs: number): void;
  /** The leader's Patroni started its stopped PostgreSQL again as primary. */
  postgresStarted(): void;
}

const drawIn = (rng: Rng, r: RangeMs) => r.min + rng.next() * (r.max - r.min);

/**
 * Patroni's HA loop on the leader: it refreshes the leader key every `loop_wait` (patroni
 * `schedule_next_run`: `next_run += loop_wait`), on a phase not aligned to the run's start. A leader
 * that stops refreshing loses the key `ttl` after its last refresh; the replica, watching the key,
 * promotes at once after checking the silent old leader. A PostgreSQL that stopped under a live
 * Patroni is started again by the leader's next loop, in place.
 */
export class SimPatroni {
  /** A moment the leader refreshed the key; it does again every loop_wait. */
  #loopOriginMs: number;
  #lapse?: Timer;
  #restart?: Timer;

  constructor(
    readonly timings: PatroniTimings,
    private readonly engine: Engine,
    private readonly rng: Rng,
    private readonly actions: PatroniActions,
  ) {
    this.#loopOriginMs = rng.next() * timings.loopWaitMs;
  }

  /** The leader's last key refresh at or before now. */
  lastRefreshMs(nowMs = this.engine.nowMs): number {
    const { loopWaitMs } = this.timings;
    return this.#loopOriginMs + Math.floor((nowMs - this.#loopOriginMs) / loopWaitMs) * loopWaitMs;
  }

  /** The leader node's state may have changed (a fault or its undo): the key's lapse, a restart in place, or neither. */
  leaderChanged(node: SimServer): void {
    const health = leaderHealth(node);
    if (health === 'lost') {
      this.#cancelRestart();
      // the key lapses ttl after the last refresh; the next ones do not come
      this.#lapse ??= this.engine.at(this.lastRefreshMs() + this.timings.ttlMs, () => this.#lapsed());
      return;
    }
    // reachable and looping again: the leader refreshes the key before it lapses
    this.#lapse?.cancel();
    this.#lapse = undefined;
    if (health === 'leading') this.#cancelRestart();
    else this.#restart ??= this.engine.at(this.lastRefreshMs() + this.timings.loopWaitMs, () => this.#loopFindsPostgresDown(node));
  }

  #lapsed(): void {
    this.#lapse = undefined;
    const restCheckMs = PATRONI_REST_TIMEOUT_MS;
    const promotionMs = restCheckMs + drawIn(this.rng, PG_PROMOTE_MS);
    // the new leader writes the key when it wins the race, after the REST check, and loops from then on
    this.#loopOriginMs = this.engine.nowMs + restCheckMs;
    this.actions.keyLapsed(promotionMs);
  }

  #loopFindsPostgresDown(node: SimServer): void {
    if (leaderHealth(node) !== 'postgres-stopped') {
      this.#restart = undefined;
      return;
    }
    this.#restart = this.engine.after(drawIn(this.rng, PATRONI_RESTART_MS), () => {
      this.#restart = undefined;
      if (leaderHealth(node) === 'postgres-stopped') this.actions.postgresStarted();
    });
  }

  #cancelRestart(): void {
    this.#restart?.cancel();
    this.#restart = undefined;
  }
}
