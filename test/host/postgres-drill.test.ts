import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdRanges, writeSeq } from '../../src/measure/write-ids.js';
import type { RunResult } from '../../src/run/result.js';
import { defaults } from '../../src/scenario/defaults.js';
import type { LoadedScenario } from '../../src/scenario/load.js';
import { readJournal, stateRoot, type JournalEntry } from '../../src/targets/host/journal.js';
import { alive } from '../../src/targets/host/exec.js';
import { teardownRun } from '../../src/targets/host/teardown.js';
import { repoRoot } from '../helpers/cli.js';
import { assertNothingLeft, db, drill, figuresOf, figuresTable, recount, type Figures } from '../helpers/postgres-drill.js';

/**
 * PostgreSQL failover drills for real on the host target, our controller failing the database over:
 * a primary and a streaming standby in their servers' namespaces, an app writing through them, the
 * primary crashed (immediate shutdown). Every bound below is derived from the scenario's
 * configuration or a cited default, never from a run's output. The same scenarios run on the
 * simulator and both targets' figures are printed side by side (equal only where the configuration
 * makes them so).
 */
const ASYNC = 'scenarios/host-postgres-failover.yaml';
const SYNC = 'scenarios/host-postgres-sync.yaml';
const SYNC_DRILLS = 3;
/** A check's own latency (a refused connect, a login) and timers on a busy two-core machine. */
const CHECK_SLACK_MS = 300;
/**
 * The edges of the lost window: the crash and the delay line's release each land within this of
 * their time on a loaded machine (timers fire late, never early).
 */
const LAG_EDGE_SLACK_MS = 1_000;
const table: Array<{ run: string; host: Figures; sim: Figures }> = [];

/**
 * Detection and RTO within what the configuration implies. The stopped primary refuses at once, so
 * its `unhealthyThreshold`-th failed check comes within threshold × interval of the crash, and not
 * before (threshold − 1) × interval. Recovery follows the promotion — at most the pg_promote time the
 * simulator assumes (defaults.ts, postgres-streaming promotionMs.max) — and the app's next write
 * (1 / writeRate), seen by the next probe (load.probeInterval).
 */
function assertTimings(loaded: LoadedScenario, result: RunResult): void {
  const bound = rtoBoundMs(loaded);
  const fault = result.metrics.perFault[0]!;
  expect(fault.detectedBy).toBe('controller');
  expect(fault.detectionMs).toBeGreaterThanOrEqual(bound.detectMinMs);
  expect(fault.detectionMs).toBeLessThanOrEqual(bound.detectMaxMs);
  expect(fault.switchedLayer).toBe('database');
  expect(fault.rtoMs).not.toBeNull();
  expect(fault.rtoMs!).toBeLessThanOrEqual(bound.rtoMaxMs);
  expect(fault.rtoMs!).toBeGreaterThanOrEqual(fault.detectionMs!);
  // no write was acknowledged from the crash until the promoted standby took one: the same bound
  const resumed = db(result.events, 'writes.resumed');
  expect(resumed).toHaveLength(1);
  expect(Number(resumed[0]!.detail.unavailableMs)).toBeGreaterThanOrEqual(bound.detectMinMs);
  expect(Number(resumed[0]!.detail.unavailableMs)).toBeLessThanOrEqual(bound.rtoMaxMs);
}

function rtoBoundMs(loaded: LoadedScenario): { detectMinMs: number; detectMaxMs: number; rtoMaxMs: number } {
  const { healthCheck } = loaded.scenario.controller;
  const detectMaxMs = healthCheck.unhealthyThreshold * healthCheck.intervalMs + CHECK_SLACK_MS;
  const promotionMaxMs = defaults.database['postgres-streaming'].promotionMs.max;
  const spec = loaded.scenario.setup.database!;
  return {
    detectMinMs: (healthCheck.unhealthyThreshold - 1) * healthCheck.intervalMs,
    detectMaxMs,
    rtoMaxMs: detectMaxMs + promotionMaxMs + 1000 / spec.writeRate + loaded.scenario.load.probeIntervalMs,
  };
}

/** The old primary took no write after its fence: the session's invariant, with its table read. */
function assertFenced(result: RunResult, member: string): void {
  const fenced = db(result.events, 'fenced');
  expect(fenced.map((e) => e.detail.member)).toEqual([member]);
  const invariant = result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes');
  expect(invariant?.pass, invariant?.message).toBe(true);
  expect(invariant!.message).toContain('1 of 1 tables read');
  // it came back as a standby of the new writer (pg_rewind) once its fault was removed
  const rejoined = db(result.events, 'rejoined');
  expect(rejoined.map((e) => e.detail.member)).toEqual([member]);
  expect(rejoined[0]!.atMs).toBeGreaterThanOrEqual(result.metrics.perFault[0]!.removedAtMs!);
}

describe('host target: PostgreSQL failover drills, controller mode', () => {
  afterAll(() => {
    process.stdout.write(`postgres drills, host beside sim:\n${figuresTable(table)}\n`);
  });

  it(
    'asynchronous with a lag spike: the crashed primary loses the writes its standby had not received, counted exactly and each confirmed missing',
    async () => {
      const { loaded, record, result, sim } = await drill(ASYNC);
      table.push({ run: 'host-postgres-failover', host: figuresOf(result), sim: figuresOf(sim) });
      const spec = loaded.scenario.setup.database!;
      assertTimings(loaded, result);

      // the lag was measured, and alerted above lagAlert while the spike held the WAL back
      const spike = spec.lagSpikes[0]!;
      const alert = db(result.events, 'lag.alert')[0];
      expect(alert, 'lag alert').toBeDefined();
      expect(alert!.atMs).toBeGreaterThanOrEqual(spike.atMs + spec.lagAlertMs);
      expect(alert!.atMs).toBeLessThanOrEqual(spike.atMs + spec.lagAlertMs + LAG_EDGE_SLACK_MS + 2_000);

      // the checker: one check at the writer change, its count exact by an independent recount
      const [lost] = db(result.events, 'data.lost');
      expect(lost, 'data.lost').toBeDefined();
      const checkedIds = [...parseIdRanges(String(lost!.detail.ids))];
      expect(result.metrics.lostWrites).toBe(Number(lost!.detail.writes));
      expect(recount(result.events, spec.standby)).toEqual(checkedIds);
      // each lost id confirmed missing on the new primary and present nowhere (the old primary's were rewound)
      for (const store of db(result.events, 'store')) {
        const held = parseIdRanges(String(store.detail.ids));
        expect(checkedIds.filter((id) => held.has(id)), String(store.detail.member)).toEqual([]);
      }
      // what the delay line held at the crash: the writes of the last `lag` before it (lag × writeRate)
      const fault = result.metrics.perFault[0]!;
      const expected = (spike.lagMs / 1000) * spec.writeRate;
      const slack = (LAG_EDGE_SLACK_MS / 1000) * spec.writeRate;
      expect(checkedIds.length).toBeGreaterThanOrEqual(expected - slack);
      expect(checkedIds.length).toBeLessThanOrEqual(expected + slack);
      expect(fault.injectedAtMs).toBeGreaterThan(spike.atMs + spike.lagMs); // the whole window was in the spike
      expect(result.metrics.rpoMs).toBeGreaterThanOrEqual(spike.lagMs - LAG_EDGE_SLACK_MS);
      expect(result.metrics.rpoMs).toBeLessThanOrEqual(spike.lagMs + LAG_EDGE_SLACK_MS);
      // the lost ids are one run of consecutive writes: the last ones before the crash
      const seqs = checkedIds.map((id) => writeSeq(id)!);
      expect(seqs.at(-1)! - seqs[0]! + 1).toBe(seqs.length);

      assertFenced(result, spec.primary);
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
      expect(sim.verdict, JSON.stringify(sim.expectations)).toBe('pass');
      assertNothingLeft(record, result);
    },
    240_000,
  );

  it(
    `synchronous: no acknowledged write is lost over ${SYNC_DRILLS} drills`,
    async () => {
      for (let i = 1; i <= SYNC_DRILLS; i++) {
        const { loaded, record, result, sim } = await drill(SYNC);
        table.push({ run: `host-postgres-sync #${i}`, host: figuresOf(result), sim: figuresOf(sim) });
        const spec = loaded.scenario.setup.database!;
        expect(spec.replication).toBe('synchronous');
        assertTimings(loaded, result);
        // one check at the writer change, of every write acknowledged by then: none missing
        const checks = db(result.events, 'writes.checked');
        expect(checks).toHaveLength(1);
        expect(Number(checks[0]!.detail.acked)).toBeGreaterThan(0);
        expect(checks[0]!.detail.missing).toBe(0);
        expect(db(result.events, 'data.lost')).toEqual([]);
        expect(result.metrics.lostWrites).toBe(0);
        expect(recount(result.events, spec.standby)).toEqual([]);
        assertFenced(result, spec.primary);
        expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
        expect(sim.verdict, JSON.stringify(sim.expectations)).toBe('pass');
        assertNothingLeft(record, result);
      }
    },
    SYNC_DRILLS * 150_000,
  );

  it(
    'a run killed after the fence leaves postmasters, fence rules and data folders behind; its journal undoes them all, as faildrill cleanup does',
    async () => {
      const root = stateRoot();
      const before = new Set(existsSync(root) ? readdirSync(root) : []);
      const child = spawn(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'run', ASYNC, '--target', 'host', '--no-history'], { cwd: repoRoot, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      let dir: string | undefined;
      try {
        const deadline = Date.now() + 120_000;
        for (;;) {
          dir ??= (existsSync(root) ? readdirSync(root) : []).filter((d) => !before.has(d)).map((d) => join(root, d))[0];
          if (dir && readJournal(join(dir, 'journal.jsonl')).some((e) => e.op === 'fault' && e.action === 'fence')) break;
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the run never fenced its primary (${dir ?? 'no run folder'})`);
          await new Promise((r) => setTimeout(r, 100));
        }
        // a moment for the fence's rules and the promotion to land, then a crash of faildrill itself
        await new Promise((r) => setTimeout(r, 1_000));
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const entries = readJournal(join(dir!, 'journal.jsonl'));
      const postmasters = entries.filter((e): e is Extract<JournalEntry, { op: 'process' }> => e.op === 'process' && e.role.startsWith('postgres:') && alive(e.pid));
      expect(postmasters.length, 'postmasters outlive a killed run').toBeGreaterThan(0);
      const fence = entries.find((e): e is Extract<JournalEntry, { op: 'fault' }> => e.op === 'fault' && e.action === 'fence')!;
      const fenceNs = (fence.steps[0] as { ns: string }).ns;
      expect(spawnSync('ip', ['netns', 'exec', fenceNs, 'iptables', '-S'], { encoding: 'utf8' }).stdout).toMatch(/--dport 5432 .*REJECT/);
      expect(existsSync(join(dir!, 'pg'))).toBe(true);

      const report = await teardownRun(dir!);
      expect(report.errors).toEqual([]);
      expect(report.processes.filter((p) => p.includes('immediate shutdown')).length).toBe(postmasters.length);
      expect(report.rules.some((r) => r.includes('--dport 5432'))).toBe(true);
      expect(existsSync(dir!)).toBe(false);
      for (const e of postmasters) expect(alive(e.pid), `postmaster ${e.pid}`).toBe(false);
      const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      for (const e of entries) if (e.op === 'netns') expect(namespaces).not.toContain(e.name);
      const tag = dir!.split('-').at(-1)!;
      const left = readdirSync('/proc').filter((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes(dir!) || cmd.includes(`fd-${tag}-`);
        } catch {
          return false;
        }
      });
      expect(left).toEqual([]);
    },
    180_000,
  );
});
