import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREATE_WRITES_TABLE, DbWriter, interleavedId, type DbWriterOptions, type WriteRow } from '../../src/targets/host/programs/db-writer.js';
import { startLocalPostgres, type LocalPostgres } from '../helpers/local-postgres.js';

/**
 * The host apps' writes through real PostgreSQL: acknowledged only once committed, unique ids over
 * every app, failed while the writer is down or frozen, following the controller's pointer.
 */
let a: LocalPostgres;
let b: LocalPostgres;

beforeAll(async () => {
  [a, b] = await Promise.all([startLocalPostgres(), startLocalPostgres()]);
  for (const pg of [a, b]) pg.sql(CREATE_WRITES_TABLE);
}, 120_000);

// every test writes the sequence from w1: each starts from empty tables
beforeEach(() => {
  for (const pg of [a, b]) pg.sql('TRUNCATE faildrill_writes');
});

afterAll(() => {
  a?.remove();
  b?.remove();
});

function writer(pg: LocalPostgres, o: Partial<DbWriterOptions> & { untilMs: number }): { writer: DbWriter; rows: WriteRow[]; pointer: string } {
  const pointer = join(pg.dir, `pointer-${Math.random().toString(36).slice(2)}`);
  writeFileSync(pointer, pg.address);
  const rows: WriteRow[] = [];
  const options: DbWriterOptions = {
    app: 'app-1',
    appIndex: 0,
    apps: 1,
    writer: { kind: 'file', file: pointer },
    totalRatePerSec: 50,
    t0Ns: process.hrtime.bigint(),
    phaseMs: 0,
    timeoutMs: 500,
    user: 'postgres',
    database: 'postgres',
    ...o,
  };
  return { writer: new DbWriter(options, (row) => rows.push(row)), rows, pointer };
}

const ids = (pg: LocalPostgres, app: string) => new Set(pg.sql(`SELECT 'w' || id FROM faildrill_writes WHERE client = '${app}'`).split('\n').filter(Boolean));

describe('an app writing through PostgreSQL', () => {
  it('sends rate × duration writes, two apps interleaving one id sequence, and acknowledges exactly what the database holds', async () => {
    // 50 writes/s over two apps for 1 s: 50 ids, w1..w50, 25 each
    const untilMs = 1_000;
    const t0Ns = process.hrtime.bigint();
    const apps = [0, 1].map((appIndex) => writer(a, { app: `app-${appIndex}`, appIndex, apps: 2, untilMs, t0Ns }));
    await Promise.all(apps.map((x) => x.writer.run()));
    const acked = apps.flatMap((x) => x.rows.filter((r) => r[0] === 'a').map((r) => r[1]));
    expect(acked.length).toBe(50);
    expect(new Set(acked)).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `w${i + 1}`)));
    expect(acked.filter((id) => !ids(a, 'app-0').has(id) && !ids(a, 'app-1').has(id))).toEqual([]);
    expect(interleavedId(3, 1, 2)).toBe('w6');
  }, 20_000);

  it('fails every write while the writer is down (refused) and cannot write until one commits again', async () => {
    const { writer: w, rows } = writer(a, { app: 'app-down', untilMs: 3_000 });
    const running = w.run();
    await new Promise((r) => setTimeout(r, 800));
    a.stop('immediate');
    await new Promise((r) => setTimeout(r, 800));
    expect(w.canWrite).toBe(false);
    a.start();
    await running;
    expect(w.canWrite).toBe(true);
    const failed = rows.filter((r) => r[0] === 'f');
    expect(failed.length).toBeGreaterThan(0);
    // nothing failed was acknowledged, and every acknowledged id is in the table
    const held = ids(a, 'app-down');
    expect(rows.filter((r) => r[0] === 'a' && !held.has(r[1]))).toEqual([]);
  }, 30_000);

  it('fails a write to a frozen writer when its timeout runs out, not before', async () => {
    const timeoutMs = 500;
    const { writer: w, rows } = writer(a, { app: 'app-frozen', untilMs: 2_500, timeoutMs, totalRatePerSec: 10 });
    const running = w.run();
    await new Promise((r) => setTimeout(r, 600));
    const pids = a.pids();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 1_200));
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await running;
    const timeouts = rows.filter((r) => r[0] === 'f' && r[5] === 'timeout');
    expect(timeouts.length).toBeGreaterThan(0);
    // write n left at (n − 1) × 100 ms (10/s, phase 0): none gave up before its timeout ran out
    const dueMs = (id: string) => (Number(id.slice(1)) - 1) * 100;
    for (const [, id, , endedMs] of timeouts) expect(endedMs - dueMs(id), id).toBeGreaterThanOrEqual(timeoutMs - 5);
  }, 30_000);

  it("follows the controller's pointer to the new writer", async () => {
    const { writer: w, rows, pointer } = writer(a, { app: 'app-moved', untilMs: 1_500, totalRatePerSec: 20 });
    const running = w.run();
    await new Promise((r) => setTimeout(r, 700));
    writeFileSync(pointer, b.address);
    await running;
    const writers = new Set(rows.filter((r) => r[0] === 'a').map((r) => r[4]));
    expect(writers).toEqual(new Set([a.address, b.address]));
    const onB = ids(b, 'app-moved');
    expect(rows.filter((r) => r[0] === 'a' && r[4] === b.address).every((r) => onB.has(r[1]))).toBe(true);
  }, 30_000);

  it('does not acknowledge a commit whose wait for its synchronous standby was cancelled, though the server reports success with a WARNING', async () => {
    // a synchronous standby that never connects: every commit waits for it after committing locally
    a.sql("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
    a.sql('SELECT pg_reload_conf()');
    try {
      // 10 writes/s until 100 ms: exactly one write, w1, at 0 ms
      const { writer: w, rows } = writer(a, { app: 'app-sync', untilMs: 100, totalRatePerSec: 10, timeoutMs: 10_000 });
      const running = w.run();
      const waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'";
      const deadline = Date.now() + 5_000;
      while (a.sql(waiting).trim() !== '1') {
        if (Date.now() > deadline) throw new Error('the commit never waited for its synchronous standby');
        await new Promise((r) => setTimeout(r, 50));
      }
      a.sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
      await running;
      expect(rows).toHaveLength(1);
      expect(rows[0]![0]).toBe('f');
      expect(rows[0]![5]).toMatch(/canceling wait for synchronous replication/);
      expect(w.canWrite).toBe(false);
      // committed locally all the same: the table has it, the client never counted it as acknowledged
      expect(ids(a, 'app-sync').has('w1')).toBe(true);
    } finally {
      a.sql('ALTER SYSTEM RESET synchronous_standby_names');
      a.sql('SELECT pg_reload_conf()');
    }
  }, 30_000);

  it('started again mid-run (an app restarted after a fault), writes from its current slot on: no burst of past writes, no id twice', async () => {
    // 20 writes/s from a t0 1 s ago until 1.5 s: slots w1–w20 are past, w21 (at 1 000 ms) is the current one
    const t0Ns = process.hrtime.bigint() - 1_000_000_000n;
    const { writer: w, rows } = writer(a, { app: 'app-restarted', untilMs: 1_500, totalRatePerSec: 20, t0Ns });
    await w.run();
    const seqs = rows.map((r) => Number(r[1].slice(1))).sort((x, y) => x - y);
    expect(seqs[0]).toBeGreaterThanOrEqual(20);
    expect(seqs.at(-1)).toBe(30);
    expect(rows.every((r) => r[0] === 'a')).toBe(true);
  }, 20_000);
});
