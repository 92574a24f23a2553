import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteRule } from '../../../faults/host/inject.js';
import { alive, delay, nsRunOk, signal } from '../exec.js';
import type { Journal, UndoStep } from '../journal.js';
import { NsProcess } from '../process.js';
import type { HostNode, HostPlan } from '../topology.js';
import { pgProgram } from './bin.js';
import { conninfo, PG_PORT, PG_ROLE_PREFIX, PG_REPLICATION_USER, PG_SUPERUSER, PG_DATABASE, pgHbaConf, postgresqlConf } from './config.js';
import { makePgDir, pgNodePaths, writePgFile, type PgNodePaths } from './folders.js';
import { AS_POSTGRES, runAsPostgres } from './run-as.js';
import { sqlQuery, type SqlOptions } from './sql.js';
import { WAL_RELAY_PORT, WAL_RELAY_ROLE_PREFIX, WalDelayLine } from './wal-delay.js';
import { readReplication, type ReplicationInfo } from './replication.js';

export type { ReplicationInfo } from './replication.js';

/** How long a postmaster may take to accept connections after it was started (crash recovery included). */
const START_TIMEOUT_MS = 30_000;
/** How long a fast shutdown (SIGINT) or an immediate one (SIGQUIT) may take before SIGKILL. */
const STOP_TIMEOUT_MS = { fast: 20_000, immediate: 10_000 } as const;
const INITDB_TIMEOUT_MS = 60_000;
const BASEBACKUP_TIMEOUT_MS = 120_000;
const REWIND_TIMEOUT_MS = 120_000;
/** How long a rejoined node may take to stream from its new primary. */
const STREAMING_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

export type PgStopMode = 'fast' | 'immediate';
export type ReplicationMode = 'asynchronous' | 'synchronous';

/** What every node of a pair shares. */
export interface PgContext {
  plan: HostPlan;
  journal: Journal;
  /** The libpq password file (`<run>/pg/pgpass`). */
  passfile: string;
  passwords: { superuser: string; replication: string };
  replication: ReplicationMode;
  /**
   * When set, a primary ships its WAL through a delay line ({@link WalDelayLine}) that a replication
   * lag spike slows down, and standbys stream from it; helpers live at most `lifetimeMs`.
   */
  walDelay?: { lifetimeMs: number };
}

/** A standby's own view of its recovery. */
export interface StandbyStatus {
  receiveLsn: string | null;
  replayLsn: string | null;
  /** `not paused`, `pause requested`, `paused`. */
  replayPause: string;
  /** now() − the commit time of the last transaction replayed (null before the first). */
  sinceLastReplayMs: number | null;
}

/** What rejoining an old primary did. */
export interface RejoinResult {
  /** How long pg_rewind took. */
  rewindMs: number;
  /** Where the old primary's timeline left the new one's, when pg_rewind had anything to undo ("no rewind required" otherwise). */
  divergedAt?: { lsn: string; timeline: number };
  /** pg_rewind's report. */
  output: string;
}

/** The node was fenced: it must not run as a writer again until it is rejoined as a standby. */
export class PgFencedError extends Error {
  readonly code = 'postgres.fenced';
  constructor(readonly node: string) {
    super(`${node} is fenced: it may only come back through rejoinAsStandby`);
    this.name = 'PgFencedError';
  }
}

/**
 * One PostgreSQL server of a host run, in its server's network namespace: data folder under the
 * run's folder, run as the postgres user, its postmaster journaled so that `faildrill cleanup` finds
 * it. Created by `initdb` (a primary) or `pg_basebackup` from the primary over the bridge (a standby).
 */
export class PgNode {
  readonly paths: PgNodePaths;
  #proc?: NsProcess;
  /** Set on a standby: the primary's address, and the port it streams from. */
  #primaryHost?: string;
  #primaryPort?: number;
  /** Set on a synchronous primary: the standby its commits wait for. */
  #syncStandby?: string;
  #fence?: { faultId: string; rules: Array<Extract<UndoStep, { kind: 'iptables' }>> };
  #pause?: { faultId: string; pids: number[] };
  #faults = 0;
  #relay?: WalDelayLine;

  constructor(
    readonly host: HostNode,
    private readonly ctx: PgContext,
  ) {
    this.paths = pgNodePaths(ctx.plan, host);
  }

  get socketDir(): string {
    return this.paths.socketDir;
  }

  get id(): string {
    return this.host.id;
  }

  /** The postmaster's pid while it runs. */
  get pid(): number | undefined {
    return this.#proc?.running ? this.#proc.pid : undefined;
  }

  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  get fenced(): boolean {
    return this.#fence !== undefined;
  }

  get paused(): boolean {
    return this.#pause !== undefined;
  }

  /** The postmaster and its children (backends, walsender, walreceiver, checkpointer …), and its WAL delay line. */
  processes(): number[] {
    const relay = this.#relay?.pid;
    return [...(this.#proc?.tree() ?? []), ...(relay !== undefined ? [relay] : [])];
  }

  /** The port standbys stream from: the WAL delay line's when the pair has one, else PostgreSQL's. */
  get replicationPort(): number {
    return this.ctx.walDelay ? WAL_RELAY_PORT : PG_PORT;
  }

  /** The WAL delay line's delay now (0 without one). */
  get shipDelayMs(): number {
    return this.#relay?.delayMs ?? 0;
  }

  /** Ships this primary's WAL `delayMs` late (a replication lag spike); 0 ends it. Needs `walDelay` and a running primary. */
  async setShipDelay(delayMs: number): Promise<void> {
    if (!this.#relay?.running) throw new Error(`${this.id} ships its WAL through no delay line (not a running primary of a pair with walDelay)`);
    await this.#relay.setDelay(delayMs);
  }

  /** One SQL statement on this node, over its Unix socket (see {@link sqlQuery}). */
  query<Row = Record<string, unknown>>(text: string, params: unknown[] = [], options?: SqlOptions): Promise<Row[]> {
    return sqlQuery<Row>(this.id, this.paths.socketDir, text, params, options);
  }

  /** Creates the data folder with initdb, starts the node as a primary and creates the roles; resolves with initdb's time. */
  async initPrimary(): Promise<number> {
    makePgDir(this.paths.nodeDir);
    const started = Date.now();
    await this.#run('initdb', ['-D', this.paths.dataDir, '-U', PG_SUPERUSER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-instructions'], INITDB_TIMEOUT_MS);
    const initdbMs = Date.now() - started;
    this.#primaryHost = undefined;
    this.#syncStandby = undefined;
    this.#writeConfig();
    await this.start();
    const { superuser, replication } = this.ctx.passwords;
    // hex passwords: nothing to quote
    await this.query(`ALTER ROLE ${PG_SUPERUSER} PASSWORD '${superuser}'`);
    await this.query(`CREATE ROLE ${PG_REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '${replication}'`);
    return initdbMs;
  }

  /**
   * Makes this node a standby of `primary`: `pg_basebackup` over the bridge (streaming the WAL it
   * needs), its own configuration with `primary_conninfo`, `standby.signal`, then starts it and waits
   * until the primary sees it streaming. Resolves with pg_basebackup's time.
   */
  async cloneFrom(primary: PgNode): Promise<number> {
    makePgDir(this.paths.nodeDir);
    const source = conninfo({ host: primary.host.ip, port: PG_PORT, user: PG_REPLICATION_USER, passfile: this.ctx.passfile, application_name: `${this.id}-basebackup`, connect_timeout: 5 });
    const started = Date.now();
    await this.#run('pg_basebackup', ['-D', this.paths.dataDir, '-d', source, '-X', 'stream', '-c', 'fast'], BASEBACKUP_TIMEOUT_MS);
    const basebackupMs = Date.now() - started;
    await this.#startAsStandbyOf(primary);
    return basebackupMs;
  }

  /** Starts the postmaster (as it is configured) and waits until it accepts connections. Refused while fenced. */
  async start(): Promise<void> {
    if (this.#fence) throw new PgFencedError(this.id);
    await this.#start();
  }

  async #start(options: { relay: boolean } = { relay: true }): Promise<void> {
    if (this.running) return;
    const role = `${PG_ROLE_PREFIX}${this.id}`;
    const proc = new NsProcess({
      ns: this.host.ns,
      role,
      command: 'setpriv',
      args: [...AS_POSTGRES, pgProgram('postgres'), '-D', this.paths.dataDir],
      logFile: this.paths.logFile,
    });
    if (proc.pid) this.ctx.journal.write({ op: 'process', pid: proc.pid, ns: this.host.ns, role });
    this.#proc = proc;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!proc.running) {
        await this.stop('immediate');
        throw new Error(`postgres on ${this.id} exited while starting: ${this.#logTail()}`);
      }
      const ok = await this.query('SELECT 1', [], { timeoutMs: 1_000 }).then(
        () => true,
        () => false,
      );
      if (ok) {
        if (options.relay && !this.#primaryHost) await this.#startRelay();
        return;
      }
      if (Date.now() > deadline) {
        await this.stop('immediate');
        throw new Error(`postgres on ${this.id} did not accept connections within ${START_TIMEOUT_MS} ms: ${this.#logTail()}`);
      }
      await delay(POLL_MS);
    }
  }

  /**
   * Stops the postmaster: `fast` (SIGINT: sessions end, a shutdown checkpoint) or `immediate`
   * (SIGQUIT: children quit at once, crash recovery at the next start — a crash as far as the data
   * is concerned). A paused node is resumed first; SIGKILL if it outlasts its bound. `onSignalled`
   * runs once the stop signal was sent (or at once when nothing runs). The WAL delay line goes first.
   */
  async stop(mode: PgStopMode, onSignalled?: () => void): Promise<void> {
    const relay = this.#relay;
    this.#relay = undefined;
    await relay?.kill();
    const proc = this.#proc;
    if (!proc || !proc.running) onSignalled?.();
    if (!proc) return;
    if (this.#pause) this.resume();
    if (proc.running && proc.pid !== undefined) {
      const tree = proc.tree();
      // frozen by a fault's SIGSTOP: a stopped process cannot act on the shutdown signal
      for (const pid of tree) signal(pid, 'SIGCONT');
      signal(proc.pid, mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      onSignalled?.();
      const exited = await Promise.race([proc.exited.then(() => true), delay(STOP_TIMEOUT_MS[mode], true).then(() => false)]);
      if (!exited) {
        for (const pid of proc.tree()) signal(pid, 'SIGKILL');
        await Promise.race([proc.exited, delay(2_000, true)]);
      }
      for (const pid of tree) if (alive(pid)) signal(pid, 'SIGKILL');
    }
    await Promise.race([proc.closed, delay(1_000, true)]);
    proc.closeLog();
    this.#proc = undefined;
  }

  /** Freezes the postmaster and all its children (SIGSTOP), journaled so that cleanup resumes them. */
  pause(): void {
    if (this.#pause || !this.running) return;
    const pids = this.processes();
    const faultId = `pause-${this.id}-${++this.#faults}`;
    this.ctx.journal.write({ op: 'fault', id: faultId, action: 'process-pause', target: this.id, steps: [{ kind: 'resume', ns: this.host.ns, pids }] });
    for (const pid of pids) signal(pid, 'SIGSTOP');
    this.#pause = { faultId, pids };
  }

  /** Thaws what {@link pause} froze (SIGCONT). */
  resume(): void {
    const paused = this.#pause;
    if (!paused) return;
    for (const pid of paused.pids) signal(pid, 'SIGCONT');
    this.ctx.journal.write({ op: 'fault.undone', id: paused.faultId });
    this.#pause = undefined;
  }

  /**
   * Promotes this standby (`pg_promote(true, waitSec)`: returns once it left recovery) and configures
   * it as a primary with no synchronous standby yet (its peer is gone; {@link setSynchronousStandby}
   * once one streams again). Resolves with the time pg_promote took.
   */
  async promote(waitSec = 60): Promise<number> {
    const started = Date.now();
    const [row] = await this.query<{ promoted: boolean }>('SELECT pg_promote(true, $1) AS promoted', [waitSec], { timeoutMs: (waitSec + 5) * 1000 });
    const promoteMs = Date.now() - started;
    if (!row?.promoted) throw new Error(`${this.id}: pg_promote did not finish within ${waitSec} s`);
    this.#primaryHost = undefined;
    this.#syncStandby = undefined;
    this.#writeConfig();
    await this.query('SELECT pg_reload_conf()');
    await this.#startRelay();
    return promoteMs;
  }

  /** Starts this primary's WAL delay line (delay 0) when the pair ships through one and it has none running. */
  async #startRelay(): Promise<void> {
    const walDelay = this.ctx.walDelay;
    if (!walDelay || this.#relay?.running) return;
    const { plan, journal } = this.ctx;
    const role = `${WAL_RELAY_ROLE_PREFIX}${this.id}`;
    const relay = new WalDelayLine({
      ns: this.host.ns,
      ip: this.host.ip,
      server: this.id,
      runDir: plan.dir,
      lifetimeMs: walDelay.lifetimeMs,
      onProcess: (pid) => journal.write({ op: 'process', pid, ns: this.host.ns, role }),
    });
    this.#relay = relay;
    await relay.ready();
  }

  async isInRecovery(options?: SqlOptions): Promise<boolean> {
    const [row] = await this.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery', [], options);
    return row!.recovery;
  }

  /** The standbys streaming from this node (`pg_stat_replication`), lags in milliseconds. */
  replication(options?: SqlOptions): Promise<ReplicationInfo[]> {
    return readReplication(this, options);
  }

  /**
   * Waits until `standby` streams from this node and has flushed all the WAL this node had written
   * when the wait began (so a standby still finishing the old timeline, about to reconnect on the new
   * one, does not count), and with `sync` is its synchronous standby.
   */
  async waitStandby(standby: string, options: { sync?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? STREAMING_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const [target] = await this.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    let last: unknown;
    for (;;) {
      const rows = await this.query<{ state: string; syncState: string; caughtUp: boolean }>(
        `SELECT state, sync_state AS "syncState", coalesce(pg_wal_lsn_diff(flush_lsn, $2::pg_lsn) >= 0, false) AS "caughtUp"
           FROM pg_stat_replication WHERE application_name = $1`,
        [standby, target!.lsn],
      ).catch((err: Error) => [{ state: err.message, syncState: '', caughtUp: false }]);
      last = rows;
      if (rows.some((r) => r.state === 'streaming' && r.caughtUp && (!options.sync || r.syncState === 'sync'))) return;
      if (Date.now() > deadline)
        throw new Error(`${standby} is not streaming${options.sync ? ' synchronously' : ''} from ${this.id} up to ${target!.lsn} after ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
      await delay(POLL_MS);
    }
  }

  async standbyStatus(): Promise<StandbyStatus> {
    const [row] = await this.query<StandbyStatus>(
      `SELECT pg_last_wal_receive_lsn()::text AS "receiveLsn", pg_last_wal_replay_lsn()::text AS "replayLsn",
              pg_get_wal_replay_pause_state() AS "replayPause",
              (EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS "sinceLastReplayMs"`,
    );
    return row!;
  }

  /** Pauses WAL replay on this standby (`pg_wal_replay_pause()`) and waits until it took effect; WAL still arrives. */
  async pauseReplay(): Promise<void> {
    await this.query('SELECT pg_wal_replay_pause()');
    const deadline = Date.now() + 10_000;
    while ((await this.standbyStatus()).replayPause !== 'paused') {
      if (Date.now() > deadline) throw new Error(`${this.id}: WAL replay did not pause within 10 s`);
      await delay(POLL_MS);
    }
  }

  async resumeReplay(): Promise<void> {
    await this.query('SELECT pg_wal_replay_resume()');
  }

  /** Makes this primary's commits wait for `standby` (synchronous), or for nobody (undefined); reloads. */
  async setSynchronousStandby(standby: string | undefined): Promise<void> {
    this.#syncStandby = standby;
    this.#writeConfig();
    await this.query('SELECT pg_reload_conf()');
  }

  /**
   * Fences this node after another was promoted: its port is closed both ways first (REJECT with a
   * TCP reset on packets to 5432 and from it, so not even an acknowledgement already in flight leaves),
   * then the postmaster stops immediately, and {@link start} refuses until {@link rejoinAsStandby}.
   * The rules are journaled before they are applied; `faildrill cleanup` removes them.
   */
  async fence(onEffect?: () => void): Promise<void> {
    if (!this.#fence) {
      const faultId = `fence-${this.id}-${++this.#faults}`;
      const comment = ['-m', 'comment', '--comment', `faildrill:${this.ctx.plan.tag}:${faultId}`];
      const reject = ['-j', 'REJECT', '--reject-with', 'tcp-reset'];
      const rules: Array<Extract<UndoStep, { kind: 'iptables' }>> = [
        { kind: 'iptables', ns: this.host.ns, chain: 'INPUT', rule: ['-p', 'tcp', '--dport', String(PG_PORT), ...comment, ...reject] },
        // not the resets the INPUT rule sends
        { kind: 'iptables', ns: this.host.ns, chain: 'OUTPUT', rule: ['-p', 'tcp', '--sport', String(PG_PORT), '!', '--tcp-flags', 'RST', 'RST', ...comment, ...reject] },
      ];
      this.ctx.journal.write({ op: 'fault', id: faultId, action: 'fence', target: this.id, steps: rules });
      this.#fence = { faultId, rules };
      for (const r of rules) await nsRunOk(this.host.ns, 'iptables', ['-w', '5', '-I', r.chain, '1', ...r.rule]);
    }
    onEffect?.();
    await this.stop('immediate');
  }

  /**
   * Reads a fenced node's own data: starts it with the fence in place (no TCP client reaches it, no
   * WAL delay line), runs `read` over its Unix socket, then stops it (fast, so pg_rewind finds it shut
   * down cleanly). For checking what it accepted before and after it was fenced.
   */
  async readWhileFenced<T>(read: () => Promise<T>): Promise<T> {
    if (!this.#fence) throw new Error(`${this.id} is not fenced`);
    await this.#start({ relay: false });
    try {
      return await read();
    } finally {
      await this.stop('fast');
    }
  }

  /** Lifts the fence's rules (the node stays stopped). */
  async unfence(): Promise<void> {
    const fence = this.#fence;
    if (!fence) return;
    for (const r of fence.rules) await deleteRule(r);
    this.ctx.journal.write({ op: 'fault.undone', id: fence.faultId });
    this.#fence = undefined;
  }

  /**
   * Brings an old primary back as a standby of `newPrimary`: stops it; a CHECKPOINT on `newPrimary`
   * (until its first checkpoint after promotion, its pg_control still names the old timeline, and
   * pg_rewind would find "no rewind required" and leave the old primary's diverged writes in place);
   * `pg_rewind --source-server` (undoes what this node wrote after the timelines forked; crash
   * recovery first when it was stopped immediately); its own configuration with `primary_conninfo`
   * and `standby.signal` (pg_rewind copies the source's config files); starts it, waits until
   * `newPrimary` sees it streaming, lifts the fence, and with synchronous replication makes it
   * `newPrimary`'s synchronous standby.
   */
  async rejoinAsStandby(newPrimary: PgNode): Promise<RejoinResult> {
    await this.stop('fast');
    await newPrimary.query('CHECKPOINT', [], { timeoutMs: REWIND_TIMEOUT_MS });
    const source = conninfo({ host: newPrimary.host.ip, port: PG_PORT, user: PG_SUPERUSER, dbname: PG_DATABASE, passfile: this.ctx.passfile, connect_timeout: 5 });
    const started = Date.now();
    const output = await this.#run('pg_rewind', ['-D', this.paths.dataDir, `--source-server=${source}`], REWIND_TIMEOUT_MS);
    const rewindMs = Date.now() - started;
    await this.#startAsStandbyOf(newPrimary);
    await this.unfence();
    if (this.ctx.replication === 'synchronous') {
      await newPrimary.setSynchronousStandby(this.id);
      await newPrimary.waitStandby(this.id, { sync: true });
    }
    const diverged = /servers diverged at WAL location (\S+) on timeline (\d+)/.exec(output);
    return { rewindMs, ...(diverged ? { divergedAt: { lsn: diverged[1]!, timeline: Number(diverged[2]) } } : {}), output: output.trim() };
  }

  async #startAsStandbyOf(primary: PgNode): Promise<void> {
    this.#primaryHost = primary.host.ip;
    this.#primaryPort = primary.replicationPort;
    this.#syncStandby = undefined;
    this.#writeConfig();
    writePgFile(join(this.paths.dataDir, 'standby.signal'), '');
    await this.#start();
    await primary.waitStandby(this.id);
  }

  /** postgresql.conf and pg_hba.conf from the node's role; postgresql.auto.conf emptied (copies carry the source's). */
  #writeConfig(): void {
    const { plan, passfile } = this.ctx;
    const config = {
      id: this.id,
      tag: plan.tag,
      // through the database VIP: every address, so the one the node holds (or takes) is served
      listenAddress: plan.dbVip ? '*' : this.host.ip,
      memberAddress: `${this.host.ip}:${PG_PORT}`,
      subnet: plan.subnet,
      socketDir: this.paths.socketDir,
      passfile,
      ...(this.#syncStandby ? { synchronousStandby: this.#syncStandby } : {}),
      ...(this.#primaryHost ? { primaryHost: this.#primaryHost, ...(this.#primaryPort ? { primaryPort: this.#primaryPort } : {}) } : {}),
    };
    const dir = this.paths.dataDir;
    writePgFile(join(dir, 'postgresql.conf'), postgresqlConf(config));
    writePgFile(join(dir, 'pg_hba.conf'), pgHbaConf(config));
    writePgFile(join(dir, 'postgresql.auto.conf'), '# faildrill keeps every setting in postgresql.conf\n');
  }

  #run(program: string, args: string[], timeoutMs: number): Promise<string> {
    return runAsPostgres(this.host.ns, this.paths.nodeDir, pgProgram(program), args, timeoutMs);
  }

  #logTail(): string {
    const file = this.paths.logFile;
    if (!existsSync(file)) return '(no log)';
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  }
}
