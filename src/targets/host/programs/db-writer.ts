import pg from 'pg';
import { writeId, writeSeq } from '../../../measure/write-ids.js';
import { LocateError, writerLocator, type WriterLocator, type WriterLocatorSpec } from './writer-locator.js';
import { acknowledged, CREATE_WRITES_TABLE, INSERT_WRITE, INSERT_WRITE_RETURNING_MEMBER, WRITES_TABLE } from '../postgres/writes.js';

export { CREATE_WRITES_TABLE, WRITES_TABLE };

/**
 * One line of a db-writer's output, for every write once it ended: acknowledged (`a`: its commit
 * returned, not cancelled) or failed (`f`, with why). Times are the run's (ms since its t0); `writer`
 * is the `host:port` the locator named for the write (the pointer file, the DNS answer; '' when it found none) —
 * through a fixed address (the database VIP), the member that committed it, or for a failed write the
 * member that committed this app's latest acknowledged write through it.
 */
export type WriteRow =
  | ['a', id: string, sentMs: number, ackedMs: number, writer: string]
  | ['f', id: string, sentMs: number, endedMs: number, writer: string, reason: string];

/** The write ids of app `appIndex` of `apps`: the apps interleave one sequence `w1, w2, …` so ids stay unique and rangeable. */
export function interleavedId(n: number, appIndex: number, apps: number): string {
  return writeId((n - 1) * apps + appIndex + 1);
}

/** Parses a {@link WriteRow} line, or undefined for anything else. */
export function parseWriteRow(line: string): WriteRow | undefined {
  if (!line.startsWith('[')) return undefined;
  try {
    const row = JSON.parse(line) as unknown[];
    if (!Array.isArray(row)) return undefined;
    const [kind, id, sentMs, endMs, writer, reason] = row;
    if (typeof id !== 'string' || writeSeq(id) === undefined || typeof sentMs !== 'number' || typeof endMs !== 'number' || typeof writer !== 'string') return undefined;
    if (kind === 'a' && row.length === 5) return ['a', id, sentMs, endMs, writer];
    if (kind === 'f' && row.length === 6 && typeof reason === 'string') return ['f', id, sentMs, endMs, writer, reason];
    return undefined;
  } catch {
    return undefined;
  }
}

export interface DbWriterOptions {
  app: string;
  /** Which of `apps` app servers this is (0-based): its ids and its phase. */
  appIndex: number;
  apps: number;
  /** How to find the writer before every write (the endpoint mode's locator). */
  writer: WriterLocatorSpec;
  /** Writes per second over all apps (the scenario's `writeRate`). */
  totalRatePerSec: number;
  /** CLOCK_MONOTONIC ns of the run's time 0. */
  t0Ns: bigint;
  /** No write leaves at or after this run time. */
  untilMs: number;
  /** Seeded offset of the apps' first write within one period of `totalRatePerSec`. */
  phaseMs: number;
  /** A write that is not committed within this fails: one deadline over waiting for a connection, connecting and the commit. */
  timeoutMs: number;
  user: string;
  database: string;
  /** Over TCP with password authentication (the host's pg_hba.conf asks SCRAM of every TCP client). */
  password?: string;
}

type Emit = (row: WriteRow) => void;

/** Connections an app keeps to the writer, as an app's pool would: writes in flight never queue behind each other. */
const POOL_SIZE = 16;

/** `member`: the member that committed the write, where the locator's address does not name one. */
type Outcome = { ok: true; member?: string } | { ok: false; reason: string };

/**
 * An app's writes through PostgreSQL: one every `apps / totalRatePerSec` s, each an INSERT of a unique id
 * on the writer its locator names (the pointer file, or the DNS name's cached answer), acknowledged (`a` row) only when the commit returned — with
 * synchronous replication only once the standby confirmed it, and never when the server warned that
 * it cancelled the wait for the standby (the commit then returns success, but is not replicated).
 * `canWrite` is the outcome of the latest write that finished: the app answers 503 while it is false.
 * Each write has its own deadline on a connection of a pool (one per writer address), so a frozen
 * writer fails every write at its own timeout. Bounded: at most rate × duration writes, none after
 * `untilMs`, each ended by its deadline. Started after t0 (an app restarted by a fault), it begins at
 * its current slot: no burst of past writes, no id sent twice.
 */
export class DbWriter {
  #pool?: { address: string; pool: pg.Pool };
  #latestDone = 0;
  #canWrite = true;
  #stopped = false;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #locator: WriterLocator;
  /** Through a fixed address: the member that committed the latest acknowledged write. */
  #lastMember = '';

  constructor(
    readonly options: DbWriterOptions,
    private readonly emit: Emit,
  ) {
    this.#locator = writerLocator(options.writer, options.timeoutMs);
  }

  get canWrite(): boolean {
    return this.#canWrite;
  }

  nowMs(): number {
    return Number(process.hrtime.bigint() - this.options.t0Ns) / 1e6;
  }

  /** Runs the schedule to its end, then waits for the writes in flight. */
  async run(): Promise<void> {
    const o = this.options;
    const periodMs = (1000 * o.apps) / o.totalRatePerSec;
    const firstMs = o.phaseMs + (o.appIndex * 1000) / o.totalRatePerSec;
    const maxWrites = Math.ceil(o.untilMs / periodMs) + 1;
    // an app started again mid-run writes from its next slot on: the slots it missed were never sent
    const firstN = Math.max(1, Math.floor((this.nowMs() - firstMs) / periodMs) + 1);
    for (let n = firstN; n <= maxWrites && !this.#stopped; n++) {
      const dueMs = firstMs + (n - 1) * periodMs;
      if (dueMs >= o.untilMs) break;
      const waitMs = dueMs - this.nowMs();
      if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
      if (this.#stopped) break;
      const work = this.#write(n).finally(() => this.#inFlight.delete(work));
      this.#inFlight.add(work);
    }
    await Promise.all(this.#inFlight);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#inFlight);
    await this.#drop();
  }

  /** One write: find the writer, then INSERT on it, all within the write's deadline (`timeoutMs` from when it left). */
  async #write(n: number): Promise<void> {
    const o = this.options;
    const id = interleavedId(n, o.appIndex, o.apps);
    const sentMs = this.nowMs();
    let writer = '';
    let located = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Outcome>(
      (resolve) => (timer = setTimeout(() => resolve({ ok: false, reason: located ? 'timeout' : 'timeout locating the writer' }), o.timeoutMs)),
    );
    const fixed = o.writer.kind === 'fixed';
    const attempt = (async (): Promise<Outcome> => {
      const { address, pool } = await this.#connect();
      located = true;
      writer = fixed ? this.#lastMember : address;
      return this.#insert(pool, id, sentMs);
    })().catch((err: unknown): Outcome => ({ ok: false, reason: reasonOf(err) }));
    const outcome = await Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
    if (outcome.ok && fixed) writer = this.#lastMember = outcome.member ?? '';
    const endMs = this.nowMs();
    this.emit(outcome.ok ? ['a', id, sentMs, endMs, writer] : ['f', id, sentMs, endMs, writer, outcome.reason]);
    if (n >= this.#latestDone) {
      this.#latestDone = n;
      this.#canWrite = outcome.ok;
    }
  }

  /** One INSERT on a connection of its own, with the notices it got (the caller's deadline bounds it). */
  async #insert(pool: pg.Pool, id: string, sentMs: number): Promise<Outcome> {
    const o = this.options;
    const client = await pool.connect();
    const notices: string[] = [];
    const onNotice = (n: { severity?: string; message?: string }) => notices.push(`${n.severity ?? 'NOTICE'}: ${n.message ?? ''}`);
    // the server going away while the client is checked out: the query's own error reports it
    const onError = () => undefined;
    client.on('notice', onNotice);
    client.on('error', onError);
    let broken: Error | undefined;
    let member: string | undefined;
    try {
      const fixed = o.writer.kind === 'fixed';
      const result = await client.query<{ member: string | null }>(fixed ? INSERT_WRITE_RETURNING_MEMBER : INSERT_WRITE, [writeSeq(id), o.app, Math.round(sentMs)]);
      member = fixed ? (result.rows[0]?.member ?? undefined) : undefined;
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      client.off('notice', onNotice);
      client.off('error', onError);
      client.release(broken ?? false);
    }
    if (!acknowledged(notices)) return { ok: false, reason: `not acknowledged: ${notices.join(' | ')}` };
    return member !== undefined ? { ok: true, member } : { ok: true };
  }

  /** The connection pool of the writer the locator names now (a new pool when the writer moved). */
  async #connect(): Promise<{ address: string; pool: pg.Pool }> {
    const address = await this.#locator.locate();
    if (this.#pool?.address !== address) {
      void this.#drop();
      const [host, port] = address.split(':');
      const o = this.options;
      const pool = new pg.Pool({
        host,
        port: Number(port ?? 5432),
        user: o.user,
        database: o.database,
        ...(o.password !== undefined ? { password: o.password } : {}),
        max: POOL_SIZE,
        connectionTimeoutMillis: o.timeoutMs,
        query_timeout: o.timeoutMs,
        statement_timeout: o.timeoutMs,
        idleTimeoutMillis: 10_000,
      });
      // a broken idle connection is dropped by the pool; the next write opens another
      pool.on('error', () => undefined);
      this.#pool = { address, pool };
    }
    return this.#pool!;
  }

  async #drop(): Promise<void> {
    const current = this.#pool;
    this.#pool = undefined;
    if (!current) return;
    await Promise.race([current.pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
  }
}

/** A short reason for a failed write: why the writer could not be found, the server's SQLSTATE message, a refused or reset connection, a timeout. */
function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (err instanceof LocateError) return e.message!;
  if (e.code === 'ECONNREFUSED') return 'refused';
  if (e.code === 'ECONNRESET') return 'reset';
  const message = String(e.message ?? err);
  if (/timeout/i.test(message)) return 'timeout';
  return e.code ? `${e.code}: ${message}` : message;
}
