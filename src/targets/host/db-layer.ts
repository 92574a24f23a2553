import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import type { InvariantResult } from '../../measure/invariants.js';
import { idRanges, writeId } from '../../measure/write-ids.js';
import { writeLossEvents } from '../../measure/write-loss.js';
import { WriteOutageTracker } from '../../measure/write-unavailability.js';
import type { DatabaseSpec, Scenario } from '../../scenario/schema.js';
import type { WallClock } from '../shared/wall-clock.js';
import { LagMonitor } from './db-lag.js';
import type { WriterEndpoint } from './db-endpoint/endpoint.js';
import { writerEndpoint } from './db-endpoint/registry.js';
import { WriteLog } from './db-writes.js';
import type { Journal } from './journal.js';
import type { KeepalivedNode } from './keepalived.js';
import { PG_DATABASE, PG_PORT, PG_SUPERUSER } from './postgres/config.js';
import type { DbMember, DbMembers } from './db-member.js';
import type { RejoinResult } from './postgres/node.js';
import { createWritesTable, readIds } from './postgres/writes.js';
import type { NsProcess } from './process.js';
import { startLine, WRITES_DONE, type AppWriteConfig } from './programs/app-server.js';
import type { WriteRow } from './programs/db-writer.js';
import { delay } from './exec.js';
import type { HostPlan } from './topology.js';

/** How long an app's write may take before it fails (the aws target's apps wait as long). */
export const WRITE_TIMEOUT_MS = 2_000;
/** After a writer change, how long the check waits beyond the write timeout for the apps' last rows. */
const ROW_GRACE_MS = 500;

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** What the database layer needs from the run around it. */
export interface HostDatabaseContext<M extends DbMember = DbMember> {
  plan: HostPlan;
  /** The two PostgreSQL members, not yet created: faildrill's own pair, or Patroni's. */
  members: DbMembers<M>;
  scenario: Scenario;
  journal: Journal;
  clock: WallClock;
  rng: Rng;
  emit: Emit;
  /** Helpers (apps' writers, delay lines) live at most this long. */
  lifetimeMs: number;
  /** Journals a started process. */
  track(role: string, ns: string): (pid: number) => void;
  /** keepalived on the members (endpoint mode vip): the run's services reach it for faults. */
  keepalived: Map<string, KeepalivedNode>;
  signal: AbortSignal;
}

/** Runs `fn` at run time `atMs` unless the run is over (the session's timers). */
export type Schedule = (atMs: number, fn: () => void | Promise<void>) => void;

/** A member that was fenced, when (run time), and what its own table showed once read. */
export interface FenceRecord {
  member: string;
  address: string;
  fencedAtMs: number;
  /** When it came back as a standby (its fence lifted): from then on it may be promoted again. */
  rejoinedAtMs?: number;
  /** Rows of writes sent at or after the fence that the fenced node holds; undefined until read. */
  rowsAfterFence?: string[];
  /** Why its table could not be read. */
  readError?: string;
}

/**
 * The database layer of a host run (`setup.database`, engine `postgres-streaming`): a real
 * PostgreSQL primary and streaming standby on the database servers (faildrill's PgPair, or Patroni's), the writes table, the
 * writer endpoint the apps' writers find it through (db-endpoint/), the apps' write log, the measured replication lag and the
 * replication lag spikes (the primary's WAL delay line). It emits the simulator's `db` events —
 * `writer.lost`/`writer.back` (from the apps' failed and acknowledged writes), `failover.started`,
 * `writer`, `route.changed` (layer database; `record.changed` before it in dns mode), `lag`, `lag.alert`/`lag.ok`, the acknowledged-write
 * check `writes.checked`/`data.lost` at each writer change, `writes.resumed` (the write-unavailability
 * window: first failed write to the first acknowledged after it), `fenced`, `rejoined` — and at the
 * end `writes`, `writes.to` per address the apps wrote to, and one `store` per member. Who fails it over is not its business: a driver (`db-port.ts`, our controller; Patroni
 * in platform mode) calls {@link announceFailover} and {@link writerChanged}.
 */
export class HostDatabase<M extends DbMember = DbMember> {
  readonly spec: DatabaseSpec;
  readonly pair: DbMembers<M>;
  readonly writes = new WriteLog();
  readonly lag: LagMonitor;
  readonly endpoint: WriterEndpoint;
  readonly fences: FenceRecord[] = [];
  #writer: M;
  #appWriter: M;
  #t0Ns?: bigint;
  readonly #apps = new Map<string, NsProcess>();
  /** Apps whose writer ran its schedule to the end (`writes done`). */
  readonly #appsDone = new Set<string>();
  #lostAtMs?: number;
  /** Since when (run time) no write could be acknowledged, while that lasts. */
  readonly #outages = new WriteOutageTracker();
  #failoverAnnounced = false;
  #spikeNode?: M;
  readonly #checks = new Set<Promise<void>>();
  readonly #phaseMs: number;
  setupTimes?: Record<string, number>;

  constructor(private readonly ctx: HostDatabaseContext<M>) {
    const spec = ctx.scenario.setup.database;
    if (!spec) throw new Error('the scenario has no setup.database');
    this.spec = spec;
    this.pair = ctx.members;
    this.#writer = this.pair.primary;
    this.#appWriter = this.pair.primary;
    this.endpoint = writerEndpoint({
      plan: ctx.plan,
      spec,
      journal: ctx.journal,
      lifetimeMs: ctx.lifetimeMs,
      members: () => this.pair.nodes,
      addressOf: (member) => this.addressOf(member),
      emit: ctx.emit,
      nowMs: () => ctx.clock.nowMs(),
      track: ctx.track,
      keepalived: ctx.keepalived,
      signal: ctx.signal,
      routed: (member) => (this.#appWriter = member as M),
    });
    this.#phaseMs = ctx.rng.fork(`database.${spec.id}`).next() * (1000 / spec.writeRate);
    this.lag = new LagMonitor(spec, { writer: () => this.#writer, standbyId: () => this.pair.peerOf(this.#writer).id }, ctx.clock, ctx.emit);
    this.writes.onRow((row) => this.#onRow(row));
  }

  /** Database members run PostgreSQL, not the app. */
  get members(): string[] {
    return [this.spec.primary, this.spec.standby];
  }

  /** App servers that write through the database: `clients`, else every server but the members. */
  get clients(): string[] {
    return this.spec.clients ?? this.ctx.scenario.setup.servers.map((s) => s.id).filter((id) => !this.members.includes(id));
  }

  /** The member that accepts writes now. */
  get writer(): string {
    return this.#writer.id;
  }

  get writerNode(): M {
    return this.#writer;
  }

  /** `host:port` of a member, as the endpoint and the write rows name it. */
  addressOf(node: DbMember): string {
    return `${node.host.ip}:${PG_PORT}`;
  }

  /** Creates the pair, the writes table and the endpoint (naming the primary), and each client app's write configuration. */
  async setUp(): Promise<void> {
    this.setupTimes = await this.pair.setUp();
    await createWritesTable(this.pair.primary);
    await this.endpoint.setUp(this.pair.primary);
    const clients = this.clients;
    clients.forEach((app, appIndex) => {
      const config: AppWriteConfig = {
        app,
        appIndex,
        apps: clients.length,
        writer: this.endpoint.locator,
        totalRatePerSec: this.spec.writeRate,
        untilMs: this.ctx.scenario.durationMs,
        phaseMs: this.#phaseMs,
        timeoutMs: WRITE_TIMEOUT_MS,
        user: PG_SUPERUSER,
        database: PG_DATABASE,
        password: this.pair.superuserPassword,
      };
      writeFileSync(this.#configFile(app), JSON.stringify(config), { mode: 0o600 });
    });
  }

  #configFile(app: string): string {
    return join(this.ctx.plan.dir, `db-app-${app}.json`);
  }

  /** Extra arguments of the app server on `server`: its write configuration, when it writes. */
  appArgs(server: string): string[] | undefined {
    return this.clients.includes(server) ? [this.#configFile(server)] : undefined;
  }

  /** A line the app on `server` printed: a write row, or the end of its writes. */
  appLine(server: string, line: string): void {
    if (this.writes.add(server, line)) return;
    if (line === WRITES_DONE) this.#appsDone.add(server);
  }

  /** An app server started (again): it starts writing now if the run has begun. */
  appStarted(server: string, app: NsProcess): void {
    this.#apps.set(server, app);
    if (this.#t0Ns !== undefined) app.child.stdin?.write(startLine(this.#t0Ns));
  }

  /** Time 0: the apps start writing, the lag is polled, the lag spikes are scheduled. */
  start(t0Ns: bigint, schedule: Schedule): void {
    this.#t0Ns = t0Ns;
    for (const app of this.#apps.values()) app.child.stdin?.write(startLine(t0Ns));
    this.lag.start(this.ctx.scenario.durationMs);
    if (this.spec.replication === 'synchronous') return; // a synchronous standby has no lag to spike (as in the simulator)
    for (const spike of this.spec.lagSpikes) {
      schedule(spike.atMs, () => this.#spike(spike.lagMs, 'start'));
      schedule(spike.atMs + spike.durationMs, () => this.#spike(0, 'end'));
    }
  }

  /** A lag spike's edge: the writer's WAL delay line ships `lagMs` late from now (0: at once again). */
  async #spike(lagMs: number, edge: 'start' | 'end'): Promise<void> {
    const node = edge === 'start' ? this.#writer : (this.#spikeNode ?? this.#writer);
    this.#spikeNode = edge === 'start' ? node : undefined;
    const detail = { database: this.spec.id, writer: node.id, lagMs, edge, mechanism: 'WAL delay line in front of the walsender' };
    if (!node.running || !node.setShipDelay) {
      const reason = node.setShipDelay ? `${node.id} is not running: its delay line went down with it` : `${node.id}'s replication does not go through faildrill's delay line`;
      this.ctx.emit('db', 'lag.spike', { ...detail, applied: false, reason });
      return;
    }
    try {
      await node.setShipDelay(lagMs);
      this.ctx.emit('db', 'lag.spike', detail);
    } catch (err) {
      this.ctx.emit('db', 'lag.spike', { ...detail, error: (err as Error).message });
    }
  }

  /**
   * A failed write on the writer the apps use means it is lost to them; an acknowledged one after
   * that, back. The first write sent after the loss that is acknowledged (by whichever writer) ends
   * the write-unavailability window: `db`/`writes.resumed` with its length.
   */
  #onRow(row: WriteRow): void {
    const [kind, id, sentMs, endedMs, writerAddress] = row;
    const outage = kind === 'a' ? this.#outages.acked(sentMs, endedMs) : undefined;
    if (outage)
      this.ctx.emit('db', 'writes.resumed', { database: this.spec.id, writer: this.#memberAt(writerAddress), id, sinceMs: Math.round(outage.sinceMs), unavailableMs: Math.round(outage.unavailableMs) });
    if (writerAddress !== this.addressOf(this.#appWriter) || this.#appWriter !== this.#writer) return;
    if (kind === 'f' && this.#lostAtMs === undefined) {
      this.#lostAtMs = sentMs;
      this.#outages.failed(sentMs);
      this.ctx.emit('db', 'writer.lost', { database: this.spec.id, target: this.#writer.id, lagMs: this.lag.lagMs, sinceMs: Math.round(sentMs) });
    } else if (kind === 'a' && this.#lostAtMs !== undefined && !this.#failoverAnnounced) {
      this.#lostAtMs = undefined;
      this.ctx.emit('db', 'writer.back', { database: this.spec.id, target: this.#writer.id });
    }
  }

  #memberAt(address: string): string {
    return this.pair.nodes.find((n) => this.addressOf(n) === address)?.id ?? address;
  }

  /** A driver starts moving the writer to `to` (once per failover). */
  announceFailover(to: string, reason: string): void {
    if (this.#failoverAnnounced) return;
    this.#failoverAnnounced = true;
    this.ctx.emit('db', 'failover.started', { database: this.spec.id, target: this.#writer.id, from: this.#writer.id, to, reason });
  }

  /** A fenced member, recorded for the invariant (its table is read before it rejoins). */
  fenced(node: M, fencedAtMs: number, how: string): FenceRecord {
    const record: FenceRecord = { member: node.id, address: this.addressOf(node), fencedAtMs };
    this.fences.push(record);
    this.ctx.emit('db', 'fenced', { database: this.spec.id, member: node.id, fencedAtMs: Math.round(fencedAtMs), how });
    return record;
  }

  /** A fenced member is a standby of the writer again (pg_rewind took back what only it had). */
  rejoined(node: M, result: Partial<Pick<RejoinResult, 'rewindMs' | 'divergedAt'>> & { how?: string } = {}): void {
    const fence = [...this.fences].reverse().find((f) => f.member === node.id && f.rejoinedAtMs === undefined);
    if (fence) fence.rejoinedAtMs = this.ctx.clock.nowMs();
    this.ctx.emit('db', 'rejoined', {
      database: this.spec.id,
      member: node.id,
      standbyOf: this.#writer.id,
      ...(result.rewindMs !== undefined ? { rewindMs: result.rewindMs } : {}),
      ...(result.how ? { how: result.how } : {}),
      ...(result.divergedAt ? { divergedAtLsn: result.divergedAt.lsn, divergedOnTimeline: result.divergedAt.timeline } : {}),
    });
  }

  /**
   * The writer is now `to`: `db`/`writer`, the endpoint told (it repoints the apps and emits
   * `route.changed` as its mode does), and after the write timeout the acknowledged-write check against
   * `to`'s table.
   */
  writerChanged(to: M, reason: string): void {
    const from = this.#writer;
    if (to === from) return;
    this.announceFailover(to.id, reason);
    const changedAtMs = this.ctx.clock.nowMs();
    const lostAtMs = this.#lostAtMs ?? changedAtMs;
    this.#writer = to;
    this.#lostAtMs = undefined;
    this.#failoverAnnounced = false;
    this.ctx.emit('db', 'writer', { database: this.spec.id, writer: to.id, previous: from.id });
    this.endpoint.writerChanged(from, to);
    const check = this.ctx.clock
      .sleep(WRITE_TIMEOUT_MS + ROW_GRACE_MS)
      .then(() => this.#check(from, to, lostAtMs))
      .catch((err: Error) => this.ctx.emit('db', 'writes.check.failed', { database: this.spec.id, writer: to.id, message: err.message }))
      .finally(() => this.#checks.delete(check));
    this.#checks.add(check);
  }

  /**
   * Every write acknowledged before the read of `to`'s table against what it holds: the ones it lacks
   * are lost. (A commit precedes its acknowledgement: what `to` acknowledged before the read, the read
   * sees; one acknowledged during the read is left to the closing report.)
   */
  async #check(from: M, to: M, lostAtMs: number): Promise<void> {
    const asOfMs = this.ctx.clock.nowMs();
    const held = new Set((await readIds(to)).map(writeId));
    const acked = this.writes.ackedBy(asOfMs);
    const events = writeLossEvents({ database: this.spec.id, from: from.id, to: to.id }, acked, (id) => held.has(id), lostAtMs);
    this.ctx.emit('db', 'writes.checked', events.checked);
    if (events.lost) this.ctx.emit('db', 'data.lost', events.lost);
  }

  /** Waits for the writer-change checks in flight. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#checks]);
  }

  /**
   * The run's closing facts, before `run`/`end`: `db`/`writes` (sent, acknowledged, failed, the
   * acknowledged ids) and one `db`/`store` per member that answers, with the ids it holds. After an
   * interrupt it waits for nothing (the run ends within 2 s of the signal).
   */
  async report(interrupted = false): Promise<void> {
    this.lag.stop();
    if (!interrupted) {
      await this.#writesEnded();
      await this.settle();
    }
    const w = this.writes;
    this.ctx.emit('db', 'writes', { database: this.spec.id, sent: w.ended, acked: w.acked.length, failed: w.failed.length, ackedIds: idRanges(w.acked.map((a) => a.id)) });
    for (const to of w.byWriter()) this.ctx.emit('db', 'writes.to', { database: this.spec.id, member: to.writer === '' ? '(none found)' : this.#memberAt(to.writer), ...to });
    if (interrupted) return;
    for (const node of this.pair.nodes) {
      const ids = await readIds(node, 3_000).catch(() => undefined);
      if (ids) this.ctx.emit('db', 'store', { database: this.spec.id, member: node.id, writes: ids.length, ids: idRanges(ids.map(writeId)) });
    }
  }

  /** Waits until every client app's writes ended (the last leaves before the run's end and ends by its timeout), bounded. */
  async #writesEnded(): Promise<void> {
    const deadlineMs = this.ctx.scenario.durationMs + WRITE_TIMEOUT_MS + ROW_GRACE_MS;
    while (this.clients.some((c) => this.#apps.get(c)?.running && !this.#appsDone.has(c)) && this.ctx.clock.nowMs() < deadlineMs) await delay(50);
  }

  /**
   * No fenced member accepted a write while fenced: no client saw a write acknowledged by it that left
   * after the fence and before it rejoined as a standby (promoted again later, it is a writer like any),
   * and its own table, read before it rejoined, holds no write sent after the fence.
   */
  fenceInvariant(): InvariantResult {
    const name = 'demoted-primary-acknowledges-no-writes';
    const problems: string[] = [];
    for (const f of this.fences) {
      const acked = this.writes.acked.filter((a) => a.writer === f.address && a.sentMs >= f.fencedAtMs && a.sentMs < (f.rejoinedAtMs ?? Infinity)).map((a) => a.id);
      if (acked.length > 0) problems.push(`${f.member} acknowledged ${acked.length} writes sent after its fence at ${Math.round(f.fencedAtMs)} ms (${idRanges(acked)})`);
      if (f.rowsAfterFence && f.rowsAfterFence.length > 0) problems.push(`${f.member}'s table holds ${f.rowsAfterFence.length} writes sent after its fence (${idRanges(f.rowsAfterFence)})`);
      if (f.readError) problems.push(`${f.member}'s table could not be read after its fence: ${f.readError}`);
    }
    if (problems.length > 0) return { name, pass: false, message: problems.join('; ') };
    const read = this.fences.filter((f) => f.rowsAfterFence !== undefined).length;
    return {
      name,
      pass: true,
      message:
        this.fences.length === 0
          ? 'no member was fenced'
          : `${this.fences.map((f) => `${f.member} fenced at ${Math.round(f.fencedAtMs)} ms`).join(', ')}: no write sent after it acknowledged, none in its table (${read} of ${this.fences.length} tables read)`,
    };
  }

  /** Stops the monitor, the endpoint and the pair: postmasters, delay lines, fences, data folders. */
  async close(): Promise<void> {
    this.lag.stop();
    await this.endpoint.close().catch(() => undefined);
    await this.pair.teardown();
  }
}
