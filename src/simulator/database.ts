import type { DatabasePort, Rng } from '../controller/ports.js';
import { dbVipOf } from '../scenario/db-vip.js';
import { WriteOutageTracker } from '../measure/write-unavailability.js';
import { defaults } from '../scenario/defaults.js';
import { patroniTimingsOf } from '../scenario/patroni.js';
import { replicationLagMs } from '../scenario/replication-lag.js';
import type { DatabaseSpec } from '../scenario/schema.js';
import type { SimContext } from './context.js';
import { SimDbVip } from './db-vip.js';
import type { Timer } from './engine.js';
import { SimPatroni } from './patroni.js';
import type { SimServer } from './server.js';
import type { VrrpInstance } from './vrrp.js';

/** A write the app sent, counted rather than simulated one by one. */
interface WriteTally {
  acked: number;
  failed: number;
  /** Acknowledged by a member that was no longer the writer: the invariant forbids any. */
  ackedByDemoted: number;
  lost: number;
}

/**
 * A primary/standby database: RDS Multi-AZ instance or cluster, Aurora, read-replica promotion or
 * PostgreSQL streaming replication. Replication lag (with spikes) decides which acknowledged writes a
 * promoted standby lacks (RPO); the app reaches the writer through an endpoint it re-resolves after
 * a TTL, one that the controller repoints, or a keepalived address the writer holds ({@link SimDbVip}).
 */
export class SimDatabase {
  #writer: string;
  /** The writer as the app sees it (its cached endpoint); endpoint mode vip routes through {@link #vip} instead. */
  #appWriter: string;
  /** Endpoint mode vip: the keepalived address on the members that the apps write to. */
  readonly #vip?: SimDbVip;
  #failingOver?: { untilMs: number; timer: Timer };
  #primaryLostAtMs?: number;
  /** The platform's detection of a lost writer, pending. */
  #detection?: Timer;
  /** Members that stopped being the writer and were fenced (RDS reboots the old primary as standby). */
  readonly #demoted = new Set<string>();
  readonly #tally: WriteTally = { acked: 0, failed: 0, ackedByDemoted: 0, lost: 0 };
  readonly #writePeriodMs: number;
  readonly #writePhaseMs: number;
  readonly #endpointPhaseMs: number;
  readonly #outages = new WriteOutageTracker();
  #countedToMs = 0;
  #lagAlert = false;
  readonly #rng: Rng;
  /** postgres-streaming in platform mode: Patroni fails over (or restarts PostgreSQL in place). */
  readonly #patroni?: SimPatroni;

  /**
   * @param platformFailover `controller.layers.database: platform`: the platform fails over by itself.
   * @param startPostgres How the world starts a member's stopped PostgreSQL again (Patroni's restart in place).
   */
  constructor(
    readonly spec: DatabaseSpec,
    private readonly ctx: SimContext,
    private readonly servers: Map<string, SimServer>,
    private readonly platformFailover: boolean,
    private readonly startPostgres: (member: string) => void,
  ) {
    this.#writer = spec.primary;
    this.#appWriter = spec.primary;
    this.#rng = ctx.rng.fork(`database.${spec.id}`);
    this.#writePeriodMs = 1000 / spec.writeRate;
    this.#writePhaseMs = this.#rng.next() * this.#writePeriodMs;
    this.#endpointPhaseMs = this.#rng.next() * Math.max(1, spec.endpoint.ttlMs);
    for (const spike of spec.lagSpikes) {
      ctx.engine.at(spike.atMs, () => this.#lagChanged());
      ctx.engine.at(spike.atMs + spike.durationMs, () => this.#lagChanged());
    }
    const vip = dbVipOf(spec);
    // the fence shuts the old writer down as the failover starts; the promoted standby writes once it completes
    if (vip) this.#vip = new SimDbVip(spec, vip, ctx, servers, { isWriter: (member) => !this.#failingOver && member === this.#writer });
    if (platformFailover && spec.engine === 'postgres-streaming') {
      this.#patroni = new SimPatroni(patroniTimingsOf(spec), ctx.engine, this.#rng.fork('patroni'), {
        keyLapsed: (promotionMs) => this.#leaderKeyLapsed(promotionMs),
        postgresStarted: () => this.startPostgres(this.#writer),
      });
    }
  }

  get writer(): string {
    return this.#writer;
  }

  get members(): [string, string] {
    return [this.spec.primary, this.spec.standby];
  }

  /** The database VIP's VRRP instance when `member` runs keepalived for it (endpoint mode vip), for keepalived faults. */
  vrrpOf(member: string): VrrpInstance | undefined {
    return this.#vip && (member === this.spec.primary || member === this.spec.standby) ? this.#vip.vrrp : undefined;
  }

  /** The member the app's writes go to now: its endpoint's writer, or the member holding the database VIP (none while no member does). */
  #route(): string | undefined {
    return this.#vip ? this.#vip.backend() : this.#appWriter;
  }

  /** Engine defaults (design.md §5) merged with the scenario's settings. */
  get #engine() {
    return defaults.database[this.spec.engine];
  }

  /**
   * Replication lag now: the spike's while one lasts, else the configured or engine default; none with
   * synchronous replication (postgres-streaming), whose commits wait until the standby flushed them.
   */
  lagMs(atMs = this.ctx.engine.nowMs): number {
    return this.spec.replication === 'synchronous' ? 0 : replicationLagMs(this.spec, atMs);
  }

  /**
   * Whether the app can write now: its endpoint points at the writer, which is up and not failing over.
   * Through the database VIP only the writer takes writes (a PostgreSQL in recovery refuses them).
   */
  get appCanWrite(): boolean {
    if (this.#failingOver) return false;
    const route = this.#route();
    if (route === undefined) return false;
    const target = this.servers.get(route)!;
    if (target.respond().kind !== 'ok') return false;
    return route === this.#writer || (!this.#vip && !this.#demoted.has(route));
  }

  /** Writes so far (after {@link countWrites}). */
  get tally(): Readonly<WriteTally> {
    return this.#tally;
  }

  /** Counts the app's writes up to now; call before anything that changes their outcome. */
  countWrites(toMs = this.ctx.engine.nowMs): void {
    const fromMs = this.#countedToMs;
    if (toMs <= fromMs) return;
    this.#countedToMs = toMs;
    const n = this.#writesIn(fromMs, toMs);
    if (n > 0) this.#trackAvailability(fromMs, this.appCanWrite);
    if (!this.appCanWrite) this.#tally.failed += n;
    else {
      this.#tally.acked += n;
      if (this.#route() !== this.#writer) this.#tally.ackedByDemoted += n;
    }
  }

  /**
   * The write-unavailability window, as the host's and aws's write logs give it: from the first write
   * that failed to the first one after it that went through (`db`/`writes.resumed`, once it did).
   * `fromMs` starts a stretch of writes that all fared as `ok` says.
   */
  #trackAvailability(fromMs: number, ok: boolean): void {
    const firstMs = this.#writePhaseMs + this.#writeIndex(fromMs) * this.#writePeriodMs;
    if (!ok) return this.#outages.failed(firstMs);
    const outage = this.#outages.acked(firstMs, firstMs);
    if (outage) this.ctx.events.emit('db', 'writes.resumed', { database: this.spec.id, writer: this.#route() ?? '', sinceMs: Math.round(outage.sinceMs), unavailableMs: Math.round(outage.unavailableMs) });
  }

  /** Writes acknowledged by a demoted member (the invariant wants none). */
  demotedWrites(): Array<{ database: string; member: string; writes: number }> {
    return this.#tally.ackedByDemoted > 0 ? [{ database: this.spec.id, member: this.#route() ?? '', writes: this.#tally.ackedByDemoted }] : [];
  }

  /** Index of the app's first write at or after `tMs` (writes every period from the phase). */
  #writeIndex(tMs: number): number {
    return Math.max(0, Math.ceil((tMs - this.#writePhaseMs) / this.#writePeriodMs - 1e-9));
  }

  #writesIn(fromMs: number, toMs: number): number {
    return this.#writeIndex(toMs) - this.#writeIndex(fromMs);
  }

  /**
   * A member's host changed state: the writer failing starts the platform's failover (when it has
   * one) once the platform has detected it; detection and promotion together take the engine's
   * failover time (design.md §5), `failover.started` marks the detection. Patroni instead follows
   * its leader's node ({@link SimPatroni}): the leader key lapses, or PostgreSQL restarts in place.
   * The database VIP's checks follow keepalived freezing, stopping or starting again on a member.
   */
  memberChanged(): void {
    this.#vip?.worldChanged();
    const writerUp = this.servers.get(this.#writer)!.respond().kind === 'ok';
    const now = this.ctx.engine.nowMs;
    if (!writerUp && this.#primaryLostAtMs === undefined) {
      this.#primaryLostAtMs = now;
      this.ctx.events.emit('db', 'writer.lost', { database: this.spec.id, target: this.#writer, lagMs: this.lagMs(now) });
      if (!this.#patroni && this.platformFailover && this.#engine.automaticFailover && !this.#failingOver) {
        const totalMs = this.#drawFailoverMs();
        const detectionMs = Math.min(totalMs, drawIn(this.#rng, this.#engine.detectionMs));
        this.#detection = this.ctx.engine.after(detectionMs, () => {
          this.#detection = undefined;
          void this.startFailover('platform detected the writer down', totalMs - detectionMs, detectionMs);
        });
      }
    } else if (writerUp && this.#primaryLostAtMs !== undefined) {
      this.#detection?.cancel();
      this.#detection = undefined;
      this.#primaryLostAtMs = undefined;
      this.ctx.events.emit('db', 'writer.back', { database: this.spec.id, target: this.#writer });
    }
    // once the key lapsed the replica is promoting: the old leader's node no longer matters
    if (this.#patroni && !this.#failingOver) this.#patroni.leaderChanged(this.servers.get(this.#writer)!);
  }

  #leaderKeyLapsed(promotionMs: number): void {
    const lostAt = this.#primaryLostAtMs;
    const detectionMs = lostAt === undefined ? undefined : this.ctx.engine.nowMs - lostAt;
    void this.startFailover('Patroni leader key lapsed', promotionMs, detectionMs);
  }

  /**
   * Fails over to the other member after `durationMs` (by default the engine's failover time);
   * resolves when it accepts writes. `detectionMs`: how long the platform took to notice, for the event.
   */
  startFailover(reason: string, durationMs = this.#drawFailoverMs(), detectionMs?: number): Promise<void> {
    if (this.#failingOver) return Promise.resolve();
    this.ctx.beforeRoutingChange();
    const to = this.#writer === this.spec.primary ? this.spec.standby : this.spec.primary;
    this.ctx.events.emit('db', 'failover.started', {
      database: this.spec.id,
      target: this.#writer,
      from: this.#writer,
      to,
      reason,
      expectedMs: Math.round(durationMs),
      ...(detectionMs !== undefined ? { detectionMs: Math.round(detectionMs) } : {}),
    });
    return new Promise((resolve) => {
      const timer = this.ctx.engine.after(durationMs, () => {
        this.#completeFailover(to);
        resolve();
      });
      this.#failingOver = { untilMs: this.ctx.engine.nowMs + durationMs, timer };
    });
  }

  /** A reboot without failover: the writer is unavailable for the reboot, then back. */
  reboot(): void {
    if (this.#failingOver) return;
    this.ctx.beforeRoutingChange();
    const rebootMs = this.#engine.rebootMs;
    this.ctx.events.emit('db', 'reboot', { database: this.spec.id, target: this.#writer, rebootMs });
    const timer = this.ctx.engine.after(rebootMs, () => {
      this.ctx.beforeRoutingChange();
      this.#failingOver = undefined;
    });
    this.#failingOver = { untilMs: this.ctx.engine.nowMs + rebootMs, timer };
  }

  #drawFailoverMs(): number {
    return drawIn(this.#rng, this.spec.failoverMs ?? this.#engine.failoverMs);
  }

  #completeFailover(to: string): void {
    this.ctx.beforeRoutingChange();
    const from = this.#writer;
    const lostAt = this.#primaryLostAtMs;
    if (lostAt !== undefined) {
      const { writes, seconds } = this.#unreplicated(lostAt);
      if (writes > 0) {
        this.#tally.lost += writes;
        this.ctx.events.emit('db', 'data.lost', { database: this.spec.id, target: from, writes, rpoMs: Math.round(seconds * 1000) });
      }
    }
    this.#writer = to;
    this.#failingOver = undefined;
    this.#primaryLostAtMs = undefined;
    this.#demoted.delete(to);
    if (this.#engine.fencesOldPrimary || this.servers.get(from)!.respond().kind === 'ok') this.#demoted.add(from);
    this.ctx.events.emit('db', 'writer', { database: this.spec.id, writer: to, previous: from });
    // endpoint mode vip: nothing repoints the app; the address follows the writer through the members' checks
    if (this.spec.endpoint.mode === 'controller') this.#repoint();
    else if (this.spec.endpoint.mode === 'dns') this.ctx.engine.at(this.#nextEndpointRefresh(), () => this.#repoint());
  }

  /** The app re-resolves (or is repointed to) the writer endpoint. */
  #repoint(): void {
    if (this.#appWriter === this.#writer) return;
    this.ctx.beforeRoutingChange();
    const from = this.#appWriter;
    this.#appWriter = this.#writer;
    this.ctx.events.emit('db', 'route.changed', {
      layer: 'database',
      resource: this.spec.id,
      from,
      to: this.#writer,
      fromServers: from,
      toServers: this.#writer,
    });
  }

  #nextEndpointRefresh(): number {
    const ttl = this.spec.endpoint.ttlMs;
    if (ttl <= 0) return this.ctx.engine.nowMs;
    const k = Math.ceil((this.ctx.engine.nowMs - this.#endpointPhaseMs) / ttl);
    return this.#endpointPhaseMs + Math.max(0, k) * ttl;
  }

  /** Writes acknowledged before `lostAtMs` that had not reached the standby: t ≤ lost < t + lag(t). */
  #unreplicated(lostAtMs: number): { writes: number; seconds: number } {
    const changes = [0, ...this.spec.lagSpikes.flatMap((s) => [s.atMs, s.atMs + s.durationMs]), lostAtMs]
      .filter((t) => t <= lostAtMs)
      .sort((a, b) => a - b);
    let writes = 0;
    let oldestMs = lostAtMs;
    for (let i = 0; i < changes.length - 1; i++) {
      const [a, b] = [changes[i]!, changes[i + 1]!];
      const lag = this.lagMs(a);
      const from = Math.max(a, lostAtMs - lag);
      if (from >= b) continue;
      const n = this.#writesIn(from, b);
      if (n > 0) {
        writes += n;
        oldestMs = Math.min(oldestMs, from);
      }
    }
    return { writes, seconds: (lostAtMs - oldestMs) / 1000 };
  }

  #lagChanged(): void {
    const lag = this.lagMs();
    const alert = lag > this.spec.lagAlertMs;
    this.ctx.events.emit('db', 'lag', { database: this.spec.id, lagMs: lag });
    if (alert !== this.#lagAlert) {
      this.#lagAlert = alert;
      this.ctx.events.emit('db', alert ? 'lag.alert' : 'lag.ok', { database: this.spec.id, lagMs: lag, thresholdMs: this.spec.lagAlertMs });
    }
  }

  /** The controller's view of the database. */
  readonly port: DatabasePort = {
    promote: (_id) => this.startFailover('controller promoted the standby', this.#drawPromotionMs()),
    getWriter: async () => this.#writer,
    replicationLagMs: async () => this.lagMs(),
  };

  #drawPromotionMs(): number {
    return drawIn(this.#rng, this.#engine.promotionMs);
  }
}

/** Uniform within a range. */
function drawIn(rng: Rng, range: { min: number; max: number }): number {
  return range.min + rng.next() * (range.max - range.min);
}
