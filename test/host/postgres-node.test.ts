import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStamp } from '../../src/run/run-stamp.js';
import { parseScenario } from '../../src/scenario/load.js';
import { Journal, processStartTime, stateRoot } from '../../src/targets/host/journal.js';
import { pgProgram } from '../../src/targets/host/postgres/bin.js';
import { checkWrites } from '../../src/targets/host/postgres/checker.js';
import { conninfo, PG_PORT, PG_SUPERUSER, STATUS_INTERVAL_MS } from '../../src/targets/host/postgres/config.js';
import { passfilePath } from '../../src/targets/host/postgres/folders.js';
import { PgFencedError } from '../../src/targets/host/postgres/node.js';
import { PgPair, type PgSetupTimes } from '../../src/targets/host/postgres/pair.js';
import type { PgSqlError } from '../../src/targets/host/postgres/sql.js';
import { createWritesTable, insertWrite, readIds } from '../../src/targets/host/postgres/writes.js';
import { teardownRun } from '../../src/targets/host/teardown.js';
import { buildTopology, listNamespaces, planTopology, runTag, type HostPlan } from '../../src/targets/host/topology.js';

/**
 * The host target's PostgreSQL building blocks on real PostgreSQL: a primary and a streaming standby,
 * each in its own `fd-` namespace on the run's bridge, built by the product's topology code from a
 * two-server scenario. Each step below builds on the one before (one pair, set up once). Every wait is
 * bounded; the run is torn down from its journal, as `faildrill cleanup` does after a crash.
 */
const SCENARIO = `
name: pg-node
duration: 10m
setup:
  servers: [{ id: db-a }, { id: db-b }]
  database: { engine: postgres-streaming, primary: db-a, standby: db-b }
`;
/** How long WAL replay stays paused while writes go on. */
const REPLAY_PAUSE_MS = 3_000;
/** One write every this often during the pause. */
const WRITE_PERIOD_MS = 100;
/** The client-side bound of a commit that waits for a stopped synchronous standby. */
const SYNC_COMMIT_TIMEOUT_MS = 2_000;
/** The session's statement_timeout during that commit: well below the client's bound. */
const STATEMENT_TIMEOUT_MS = 500;
/** Writes acknowledged by the primary while its standby is down, then lost when the primary crashes. */
const UNREPLICATED_WRITES = 10;
/** Bound of every "until it shows up" wait. */
const WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const loaded = parseScenario(SCENARIO, 'pg-node.yaml');
const tag = runTag(loaded.scenario.seed ?? 1);
const runId = `${runStamp()}-${tag}`;
const dir = join(stateRoot(), runId);
let plan: HostPlan;
let journal: Journal;
let pair: PgPair;
let times: PgSetupTimes;
const figures: Record<string, number> = {};
/** Every id a client saw acknowledged, whichever node took it. */
const acked: number[] = [];
let nextId = 1;
/** The writes the crashed primary acknowledged that never reached the standby. */
const unreplicated: number[] = [];

async function write(node: PgPair['primary'], timeoutMs = 5_000) {
  return writeWith(node, timeoutMs, {});
}

async function writeWith(node: PgPair['primary'], timeoutMs: number, options: { statementTimeoutMs?: number }) {
  const id = nextId++;
  const outcome = await insertWrite(node, { id, client: 'test', sentMs: Date.now() }, timeoutMs, options);
  if (outcome.acked) acked.push(id);
  return { id, ...outcome };
}

/** psql over TCP from the client's namespace, as an app would connect: exit code and output. */
function psqlFromClient(host: string, sql: string): { code: number | null; out: string } {
  const target = conninfo({ host, port: PG_PORT, user: PG_SUPERUSER, dbname: 'postgres', passfile: passfilePath(plan), connect_timeout: 3 });
  const r = spawnSync('ip', ['netns', 'exec', plan.client.ns, pgProgram('psql'), target, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Processes anywhere on the machine that belong to this run (command line or cluster_name names it). */
function runProcesses(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir) || cmd.includes(`fd-${tag}-`)) found.push(`${entry} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('host target: PostgreSQL primary and streaming standby', () => {
  beforeAll(async () => {
    plan = planTopology(loaded.scenario, runId, tag, dir);
    journal = new Journal(dir);
    journal.write({ op: 'run', runId, tag, pid: process.pid, pidStart: processStartTime(process.pid) ?? '', scenario: loaded.scenario.name, subnet: plan.subnet, startedAt: new Date().toISOString() });
    await buildTopology(plan, journal);
    pair = new PgPair(plan, loaded.scenario.setup.database!, journal);
    times = await pair.setUp();
    await createWritesTable(pair.primary);
  }, 180_000);

  afterAll(async () => {
    if (existsSync(dir)) await teardownRun(dir, { force: true });
  }, 60_000);

  it('asynchronous replication (the scenario default) streams a committed row to the standby', async () => {
    expect(loaded.scenario.setup.database!.replication).toBe('asynchronous');
    const [info] = await pair.primary.replication();
    expect(info).toMatchObject({ application: 'db-b', state: 'streaming', syncState: 'async' });
    expect(await pair.standby.isInRecovery()).toBe(true);
    const w = await write(pair.primary);
    expect(w.acked, w.reason).toBe(true);
    await eventually('the row on the standby', async () => ((await readIds(pair.standby)).includes(w.id) ? true : undefined));
  }, 30_000);

  it('with WAL replay paused the standby lacks the new rows and its replay lag grows by the pause; resumed, it catches up', async () => {
    await pair.standby.pauseReplay();
    const first = await write(pair.primary);
    const pausedAt = Date.now() - first.elapsedMs;
    const written = [first.id];
    while (Date.now() - pausedAt < REPLAY_PAUSE_MS) {
      await sleep(WRITE_PERIOD_MS);
      written.push((await write(pair.primary)).id);
    }
    const [info] = await pair.primary.replication();
    const pausedMs = Date.now() - pausedAt;
    // pg_stat_replication's replay_lag: from the first unreplayed commit to the standby's latest
    // report, which is at most one status interval old (wal_receiver_status_interval)
    expect(info!.replayLagMs, JSON.stringify(info)).toBeGreaterThanOrEqual(pausedMs - STATUS_INTERVAL_MS);
    expect(info!.replayLagBytes).toBeGreaterThan(0);
    const onStandby = new Set(await readIds(pair.standby));
    expect(written.filter((id) => onStandby.has(id))).toEqual([]);
    figures.replayLagMs = info!.replayLagMs!;
    figures.replayPausedMs = pausedMs;

    await pair.standby.resumeReplay();
    await eventually('the standby to replay every row', async () => {
      const ids = new Set(await readIds(pair.standby));
      return written.every((id) => ids.has(id)) ? true : undefined;
    });
  }, 30_000);

  it('synchronous replication: a commit waits for the standby — stopped, it never returns success; restarted, the commit completes', async () => {
    await pair.primary.setSynchronousStandby('db-b');
    await pair.primary.waitStandby('db-b', { sync: true });
    const quick = await write(pair.primary);
    expect(quick.acked, quick.reason).toBe(true);

    await pair.standby.stop('fast');
    // statement_timeout does not end a commit's wait for its synchronous standby (the wait follows the
    // local commit, which statement_timeout no longer covers): only the client's own bound does
    const stuck = await writeWith(pair.primary, SYNC_COMMIT_TIMEOUT_MS, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    expect(stuck.acked).toBe(false);
    expect(stuck.reason).toMatch(/timeout/i);
    expect(stuck.elapsedMs).toBeGreaterThanOrEqual(SYNC_COMMIT_TIMEOUT_MS);
    // committed locally but still waiting: invisible to other sessions until the standby confirms it
    expect(await readIds(pair.primary)).not.toContain(stuck.id);

    await pair.standby.start();
    await pair.primary.waitStandby('db-b', { sync: true });
    await eventually('the waiting commit to complete', async () => ((await readIds(pair.primary)).includes(stuck.id) ? true : undefined));
    await pair.primary.setSynchronousStandby(undefined);
  }, 60_000);

  it('process-pause freezes the postmaster and its children (a query times out); resume thaws them', async () => {
    const before = pair.primary.processes();
    expect(before.length).toBeGreaterThan(3); // postmaster, checkpointer, walwriter, walsender …
    pair.primary.pause();
    try {
      // stopped (T); a backend that had just exited stays a zombie (Z) until its frozen parent reaps it
      const state = (pid: number) => (existsSync(`/proc/${pid}`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.slice(0, 1) : 'gone');
      await eventually('every process stopped', async () => (before.every((pid) => ['T', 'Z', 'gone'].includes(state(pid))) ? true : undefined), 2_000);
      expect(state(pair.primary.pid!)).toBe('T');
      const started = Date.now();
      const frozen = await pair.primary.query('SELECT 1', [], { timeoutMs: 1_000 }).then(
        () => 'answered',
        (err: PgSqlError) => err.code,
      );
      expect(frozen).toBe('postgres.timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    } finally {
      pair.primary.resume();
    }
    const w = await write(pair.primary);
    expect(w.acked, w.reason).toBe(true);
  }, 30_000);

  it('a crashed primary: the promoted standby is writable and lacks exactly the writes it never received', async () => {
    await pair.standby.stop('fast');
    for (let i = 0; i < UNREPLICATED_WRITES; i++) {
      const w = await write(pair.primary);
      expect(w.acked, w.reason).toBe(true);
      unreplicated.push(w.id);
    }
    await pair.primary.stop('immediate');
    await pair.standby.start();
    expect(await pair.standby.isInRecovery()).toBe(true);
    figures.promoteMs = await pair.standby.promote();
    expect(await pair.standby.isInRecovery()).toBe(false);
    const after = await write(pair.standby);
    expect(after.acked, after.reason).toBe(true);

    const check = checkWrites(acked, await readIds(pair.standby));
    expect(check.lost).toEqual(unreplicated);
    expect(check.lost).toHaveLength(UNREPLICATED_WRITES);
  }, 60_000);

  it('fence: the old primary refuses to start and its port refuses connections; the new primary answers the same client', async () => {
    const old = pair.primary;
    await old.fence();
    await expect(old.start()).rejects.toBeInstanceOf(PgFencedError);
    expect(old.running).toBe(false);
    const refused = psqlFromClient(old.host.ip, `INSERT INTO faildrill_writes (id, client, sent_ms) VALUES (${nextId++}, 'client', 0)`);
    expect(refused.code, refused.out).not.toBe(0);
    expect(refused.out).toMatch(/refused/i);
    const rules = execFileSync('ip', ['netns', 'exec', old.host.ns, 'iptables', '-S'], { encoding: 'utf8' });
    expect(rules).toMatch(/--dport 5432 .*REJECT/);
    // the same path reaches the new primary: the refusal is the fence's, not the test's
    const id = nextId++;
    const answered = psqlFromClient(pair.standby.host.ip, `INSERT INTO faildrill_writes (id, client, sent_ms) VALUES (${id}, 'client', 0) RETURNING id`);
    expect(answered.code, answered.out).toBe(0);
    expect(answered.out.split('\n')[0]).toBe(String(id));
  }, 30_000);

  it('rejoin with pg_rewind: the old primary becomes a standby of the new one, without its lost writes, and replicates', async () => {
    const [old, current] = [pair.primary, pair.standby];
    const rejoin = await old.rejoinAsStandby(current);
    figures.rewindMs = rejoin.rewindMs;
    // the old primary wrote past the fork (the unreplicated writes): pg_rewind found the divergence on timeline 1
    expect(rejoin.divergedAt?.timeline, rejoin.output).toBe(1);
    expect(old.fenced).toBe(false);
    expect(execFileSync('ip', ['netns', 'exec', old.host.ns, 'iptables', '-S'], { encoding: 'utf8' })).not.toMatch(/REJECT/);
    expect(await old.isInRecovery()).toBe(true);
    // reachable again, as a read-only standby: a client's write is refused by PostgreSQL itself
    const readOnly = psqlFromClient(old.host.ip, `INSERT INTO faildrill_writes (id, client, sent_ms) VALUES (${nextId++}, 'client', 0)`);
    expect(readOnly.code, readOnly.out).not.toBe(0);
    expect(readOnly.out).toMatch(/read-only transaction/);
    const [info] = await current.replication();
    expect(info).toMatchObject({ application: 'db-a', state: 'streaming' });
    // pg_rewind took back what only the old timeline had
    expect(unreplicated).toHaveLength(UNREPLICATED_WRITES);
    expect((await readIds(old)).filter((id) => unreplicated.includes(id))).toEqual([]);
    const w = await write(current);
    expect(w.acked, w.reason).toBe(true);
    await eventually('the new write on the rejoined standby', async () => ((await readIds(old)).includes(w.id) ? true : undefined));
  }, 90_000);

  it('torn down from its journal (as faildrill cleanup does after a crash), a run leaves nothing: no postgres, namespace, data folder or shared memory', async () => {
    pair.standby.pause(); // a frozen node too: cleanup must thaw it to stop it
    const postmasters = pair.nodes.map((n) => n.pid!).filter(Boolean);
    expect(postmasters).toHaveLength(2);
    const report = await teardownRun(dir, { force: true });
    expect(report.errors).toEqual([]);
    expect(report.processes.filter((p) => p.includes('immediate shutdown'))).toHaveLength(2);
    expect(runProcesses()).toEqual([]);
    expect((await listNamespaces(`fd-${tag}-`)).length).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const shm = execFileSync('ipcs', ['-m', '-p'], { encoding: 'utf8' });
    for (const pid of postmasters) expect(shm.split('\n').some((line) => line.trim().split(/\s+/)[2] === String(pid)), `shm of ${pid}`).toBe(false);
    process.stdout.write(
      `postgres-node: initdb ${times.initdbMs} ms, pg_basebackup ${times.basebackupMs} ms, pg_promote ${figures.promoteMs} ms, ` +
        `pg_rewind ${figures.rewindMs} ms, replay lag ${Math.round(figures.replayLagMs!)} ms after ${figures.replayPausedMs} ms paused\n`,
    );
  }, 60_000);
});
