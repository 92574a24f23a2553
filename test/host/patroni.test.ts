import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { parseScenario } from '../../src/scenario/load.js';
import { processStartTime, Journal, stateRoot } from '../../src/targets/host/journal.js';
import { commandLine } from '../../src/targets/host/process.js';
import { programFile } from '../../src/targets/host/programs/locate.js';
import { teardownRun } from '../../src/targets/host/teardown.js';
import { buildTopology, listNamespaces, planTopology, runTag, type HostPlan } from '../../src/targets/host/topology.js';
import { PatroniCluster } from '../../src/targets/host/patroni/cluster.js';
import { PATRONI_INSTALL_COMMAND, PATRONI_PIN, patroniProgram } from '../../src/targets/host/patroni/install.js';
import { PatroniObserver, PATRONI_POLL_MS } from '../../src/targets/host/patroni/observer.js';
import { RELAY_PROGRAM } from '../../src/targets/host/patroni/relay-client.js';
import { isUnreachable, postgresState } from '../../src/targets/host/patroni/rest.js';
import { failoverBoundMs, patroniSettings, type PatroniSettings } from '../../src/targets/host/patroni/settings.js';
import { PatroniTracker } from '../../src/targets/host/patroni/tracker.js';
import { waitUntil } from '../../src/targets/shared/timers.js';

/**
 * Patroni and etcd for real (issue 11, platform mode): etcd on the run's DCS node, Patroni on two
 * database nodes in `fd-` namespaces built by the product's topology code from a scenario. The
 * configured primary leads; "the primary crashed" (Patroni and PostgreSQL killed together) lets the
 * leader key lapse and the standby take over within ttl + loop_wait + retry_timeout; writes go to the
 * new leader; started again, the old primary rejoins as its replica through pg_rewind; nothing is left.
 */
const SCENARIO = `name: host-patroni-library
duration: 10m
setup:
  servers: [{ id: db-a }, { id: db-b }]
  database:
    engine: postgres-streaming
    primary: db-a
    standby: db-b
    # ttl 20 s is Patroni's minimum; loop_wait + 2 × retry_timeout = 12 s ≤ ttl (Patroni's rule)
    patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 5s }
controller: { layers: { database: platform } }
`;

/**
 * Beyond Patroni's bound: the observer's resolution (a poll every PATRONI_POLL_MS, a request of at
 * most 1 s) and the promotion itself (Patroni runs pg_ctl promote once it holds the key), on a
 * two-core machine shared with other drills.
 */
const FAILOVER_SLACK_MS = 3_000;
/**
 * The leader refreshes its etcd lease once per HA loop, every loop_wait plus the loop's own run
 * time; on a loaded machine we allow a second for that run time. The key cannot lapse sooner than
 * ttl − (loop_wait + run time) after the crash.
 */
const LOOP_RUN_MS = 1_000;
/** Crash recovery, pg_rewind and a restart of a tiny cluster: seconds; a loaded machine gets a minute. */
const REJOIN_MS = 60_000;
const REPLICATED_MS = 10_000;
const SETUP_MS = 200_000;

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout;

describe('host target: Patroni and etcd (platform-mode PostgreSQL failover)', () => {
  const loaded = parseScenario(SCENARIO, 'host-patroni-library.yaml');
  const settings: PatroniSettings = patroniSettings(loaded.scenario);
  const tag = runTag(1);
  const runId = `patroni-test-${tag}`;
  const dir = join(stateRoot(), runId);
  let plan: HostPlan;
  let journal: Journal;
  let cluster: PatroniCluster | undefined;
  let observer: PatroniObserver | undefined;
  let tracker: PatroniTracker;
  let tornDown = false;
  const events: RunEvent[] = [];
  const postmasters = new Set<number>();
  const t0 = performance.now();
  const nowMs = () => Math.round(performance.now() - t0);

  const sql = async (node: string, text: string) => {
    const a = await cluster!.relay.sql({ kind: 'sql', connection: cluster!.connectionString(node), sql: text, timeoutMs: 5_000 });
    return a;
  };
  const rows = async (node: string, text: string) => {
    const a = await sql(node, text);
    if (a.error) throw new Error(`${node}: ${text}: ${a.error}`);
    return a.rows!;
  };
  const notes = (node: string) => rows(node, 'SELECT note FROM drill ORDER BY id').then((r) => r.map((x) => String(x.note)));
  const rememberPostmasters = () => {
    for (const n of cluster?.nodes.values() ?? []) {
      const pm = n.postmasterPid();
      if (pm) postmasters.add(pm);
    }
  };

  const tearDown = async () => {
    if (tornDown) return;
    tornDown = true;
    rememberPostmasters();
    await observer?.stop();
    await cluster?.stop();
    if (journal) await teardownRun(dir, { force: true });
  };

  beforeAll(async () => {
    if (spawnSync('sh', ['-c', 'command -v etcd']).status !== 0) throw new Error('missing etcd: apt-get install etcd-server (scripts/test-setup.mjs installs it)');
    if (!patroniProgram()) throw new Error(`missing Patroni ${PATRONI_PIN.version}: ${PATRONI_INSTALL_COMMAND} (scripts/test-setup.mjs installs it)`);
    if (!existsSync(programFile(RELAY_PROGRAM))) throw new Error(`${programFile(RELAY_PROGRAM)} is missing: npm run build`);
    journal = new Journal(dir);
    plan = planTopology(loaded.scenario, runId, tag, dir);
    journal.write({
      op: 'run',
      runId,
      tag,
      pid: process.pid,
      pidStart: processStartTime(process.pid) ?? '',
      scenario: loaded.scenario.name,
      subnet: plan.subnet,
      startedAt: new Date().toISOString(),
    });
    await buildTopology(plan, journal);
    cluster = new PatroniCluster({ plan, settings, journal, lifetimeMs: 600_000 });
    try {
      await cluster.start();
    } catch (err) {
      const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').split('\n').slice(-30).join('\n')}`);
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
    }
    rememberPostmasters();
    tracker = new PatroniTracker(settings.database, [settings.primary, settings.standby], settings.primary, (component, type, detail) =>
      events.push({ atMs: nowMs(), component, type, detail }),
    );
    observer = new PatroniObserver(cluster.api, cluster.dcsNode.ip, cluster.scope, cluster.targets, cluster.relay.sql, tracker, nowMs);
    observer.start();
  }, SETUP_MS);

  afterAll(async () => {
    await tearDown();
  }, 60_000);

  it('the configured primary holds the leader key and takes writes; the standby streams them', async () => {
    expect(await cluster!.leader()).toBe('db-a');
    expect(await postgresState(cluster!.relay.sql, cluster!.connectionString('db-a'), 2_000)).toEqual({ role: 'primary', timeline: 1 });
    expect(await postgresState(cluster!.relay.sql, cluster!.connectionString('db-b'), 2_000)).toEqual({ role: 'replica' });
    expect(await cluster!.streaming('db-b')).toBe(true);
    await rows('db-a', "CREATE TABLE drill (id serial PRIMARY KEY, note text NOT NULL); INSERT INTO drill (note) VALUES ('before the crash')");
    await waitUntil(async () => (await sql('db-b', 'SELECT note FROM drill')).rows?.length === 1, { timeoutMs: REPLICATED_MS, what: 'the row on db-b' });
  });

  it('after the primary crashed (Patroni and PostgreSQL killed together) the standby leads within ttl + loop_wait + retry_timeout', async () => {
    const boundMs = failoverBoundMs(settings);
    const a = cluster!.node('db-a');
    rememberPostmasters();
    const faultAtMs = nowMs();
    const killed = a.crash();
    expect(killed.length).toBeGreaterThan(1);
    await waitUntil(async () => tracker.writer === 'db-b', { timeoutMs: boundMs + FAILOVER_SLACK_MS, what: 'db-b taking writes as the leader', pollMs: 50 });
    const at = (type: string) => events.find((e) => e.type === type && e.atMs >= faultAtMs);
    const started = at('failover.started')!;
    const writer = at('writer')!;
    const lost = at('writer.lost')!;
    expect(lost.detail).toMatchObject({ target: 'db-a' });
    expect(started.detail).toMatchObject({ from: 'db-a', to: 'db-b' });
    expect(writer.detail).toMatchObject({ writer: 'db-b', previous: 'db-a', timeline: 2 });
    // Patroni's docs: the leader key (an etcd lease of ttl seconds) lapses no sooner than ttl after
    // the leader's last refresh, which is at most one HA loop before the crash
    expect(started.atMs - faultAtMs).toBeGreaterThanOrEqual(settings.ttlMs - settings.loopWaitMs - LOOP_RUN_MS);
    expect(writer.atMs - faultAtMs).toBeLessThanOrEqual(boundMs + FAILOVER_SLACK_MS);
    process.stdout.write(
      `patroni failover: writer lost +${lost.atMs - faultAtMs} ms, key lapsed/taken +${started.atMs - faultAtMs} ms, db-b writer +${writer.atMs - faultAtMs} ms ` +
        `(bound ttl + loop_wait + retry_timeout = ${boundMs} ms + slack ${FAILOVER_SLACK_MS} ms, resolution ${PATRONI_POLL_MS} ms)\n`,
    );

    // writes go to the new leader; what db-a acknowledged and replicated before the crash is there
    await rows('db-b', "INSERT INTO drill (note) VALUES ('after the failover')");
    expect(await notes('db-b')).toEqual(['before the crash', 'after the failover']);
    expect(await cluster!.leader()).toBe('db-b');
    expect(isUnreachable(await postgresState(cluster!.relay.sql, cluster!.connectionString('db-a'), 1_000))).toBe(true);
  }, 90_000);

  it('started again, the old primary rewinds (pg_rewind, use_pg_rewind) and follows the new leader; it takes no writes', async () => {
    const a = cluster!.node('db-a');
    a.start((pid) => journal.write({ op: 'process', pid, ns: a.host.ns, role: `patroni:${a.id}` }));
    await waitUntil(async () => cluster!.streaming('db-a'), { timeoutMs: REJOIN_MS, what: 'db-a streaming from db-b', pollMs: 250 });
    rememberPostmasters();
    const log = readFileSync(a.logFile, 'utf8');
    expect(log).toContain('running pg_rewind from db-b');
    expect(log).toMatch(/pg_rewind exit code=0/);
    expect(await cluster!.leader()).toBe('db-b');
    await waitUntil(async () => (await sql('db-a', 'SELECT note FROM drill')).rows?.length === 2, { timeoutMs: REPLICATED_MS, what: "db-b's row on db-a" });
    expect(await notes('db-a')).toEqual(['before the crash', 'after the failover']);
    const refused = await sql('db-a', "INSERT INTO drill (note) VALUES ('to the old primary')");
    expect(refused.error).toMatch(/read-only transaction/);
    const members = events.filter((e) => e.type === 'member' && e.detail.node === 'db-a').at(-1);
    expect(members?.detail).toMatchObject({ postgres: 'replica' });
  }, REJOIN_MS + 30_000);

  it('leaves nothing: no namespace, process, data directory or shared memory segment of the run', async () => {
    await tearDown();
    const namespaces = await listNamespaces(`fd-${tag}-`);
    expect(namespaces).toEqual([]);
    const ours = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => commandLine(Number(p)))
      .filter((cmd) => cmd.includes(dir));
    expect(ours).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    // SysV segments whose creator was one of this run's postmasters (ipcs -m -p: shmid owner cpid lpid)
    expect(postmasters.size).toBeGreaterThan(0);
    const segments = sh('ipcs', ['-m', '-p'])
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 4 && postmasters.has(Number(f[2])));
    expect(segments).toEqual([]);
  }, 60_000);
});
