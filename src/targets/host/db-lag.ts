import type { EventDetail } from '../../measure/events.js';
import type { DatabaseSpec } from '../../scenario/schema.js';
import type { WallClock } from '../shared/wall-clock.js';
import type { DbMember } from './db-member.js';

/** How often the writer's `pg_stat_replication` is read. */
export const LAG_POLL_MS = 500;
/** A new `db`/`lag` event when the lag moved by at least this much (or by a quarter of its last value). */
const LAG_STEP_MS = 1_000;
const POLL_TIMEOUT_MS = 1_000;

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** What the monitor reads from: the writer now and its standby's id. */
export interface LagSource {
  writer(): DbMember;
  standbyId(): string;
}

/**
 * Replication lag of the host's PostgreSQL pair, measured: every {@link LAG_POLL_MS} the writer's
 * `pg_stat_replication` row of its standby (replay_lag: from a commit flushed on the writer to the
 * standby reporting it replayed; null once the standby caught up and nothing is written, then 0).
 * Emitted as the simulator does: `db`/`lag` when it moved (by a second, or a quarter), and
 * `lag.alert`/`lag.ok` when it crosses the scenario's `lagAlert`. While no standby streams (the
 * writer is down, or a failover left it alone) nothing is measured.
 */
export class LagMonitor {
  #lastEmittedMs?: number;
  #lastMs = 0;
  #alert = false;
  #closed = false;

  constructor(
    private readonly spec: DatabaseSpec,
    private readonly source: LagSource,
    private readonly clock: WallClock,
    private readonly emit: Emit,
  ) {}

  /** The lag last measured (ms). */
  get lagMs(): number {
    return this.#lastMs;
  }

  /** Polls until `untilMs` (run time) or {@link stop}. */
  start(untilMs: number): void {
    void (async () => {
      // measured from the run's t0 on, like every event (the monitor starts a little before it)
      await this.clock.sleep(-this.clock.nowMs());
      while (!this.#closed && this.clock.nowMs() < untilMs) {
        await this.pollOnce().catch(() => undefined);
        await this.clock.sleep(LAG_POLL_MS);
      }
    })();
  }

  /** Stops polling; a poll in flight ends by its own timeout and emits nothing. */
  stop(): void {
    this.#closed = true;
  }

  /** One measurement; undefined when no standby streams from the writer. */
  async pollOnce(): Promise<number | undefined> {
    const standby = this.source.standbyId();
    const rows = await this.source.writer().replication({ timeoutMs: POLL_TIMEOUT_MS });
    const row = rows.find((r) => r.application === standby && r.state === 'streaming');
    if (!row || this.#closed) return undefined;
    const lagMs = row.replayLagMs ?? 0;
    this.#record(Math.round(lagMs), standby);
    return lagMs;
  }

  #record(lagMs: number, standby: string): void {
    this.#lastMs = lagMs;
    const database = this.spec.id;
    const last = this.#lastEmittedMs;
    if (last === undefined || Math.abs(lagMs - last) >= Math.max(LAG_STEP_MS, last / 4)) {
      this.#lastEmittedMs = lagMs;
      this.emit('db', 'lag', { database, lagMs, standby, source: 'pg_stat_replication.replay_lag' });
    }
    const alert = lagMs > this.spec.lagAlertMs;
    if (alert !== this.#alert) {
      this.#alert = alert;
      this.emit('db', alert ? 'lag.alert' : 'lag.ok', { database, lagMs, thresholdMs: this.spec.lagAlertMs });
    }
  }
}
