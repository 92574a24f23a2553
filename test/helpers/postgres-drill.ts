import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { parseIdRanges, writeSeq } from '../../src/measure/write-ids.js';
import { buildResult, type RunResult } from '../../src/run/result.js';
import { runDrill, type DrillRecord } from '../../src/run/runner.js';
import { loadScenarioFile, parseScenario, type LoadedScenario } from '../../src/scenario/load.js';
import { stateRoot } from '../../src/targets/host/journal.js';
import type { HostRunInfo } from '../../src/targets/host/session.js';
import { hostTarget } from '../../src/targets/host/target.js';
import { simTarget } from '../../src/targets/sim/target.js';
import { repoRoot } from './cli.js';

/** What the host's PostgreSQL drills (test/host/postgres-*.test.ts) share: the run on both targets, the figures, the recount, the leftovers check. */

/** The figures a database drill is compared by, on either target. */
export interface Figures {
  detectionMs: number | null;
  rtoMs: number | null;
  lostWrites: number;
  rpoMs: number;
  /** From the first write that failed to the first acknowledged after it (`metrics.writesUnavailableMs`, both targets). */
  writesUnavailableMs: number | null;
}
export const figuresOf = (r: RunResult): Figures => ({
  detectionMs: r.metrics.detectionMs,
  rtoMs: r.metrics.rtoMs,
  lostWrites: r.metrics.lostWrites,
  rpoMs: r.metrics.rpoMs,
  writesUnavailableMs: r.metrics.writesUnavailableMs,
});

/** Runs `file` on the host target, then on the simulator with the same seed. */
export async function drill(file: string, options: { text?: (yaml: string) => string } = {}): Promise<{ loaded: LoadedScenario; record: DrillRecord; result: RunResult; sim: RunResult }> {
  const path = join(repoRoot, file);
  const loaded = options.text ? parseScenario(options.text(readFileSync(path, 'utf8')), file) : await loadScenarioFile(path);
  const record = await runDrill(hostTarget, loaded.scenario, { seed: loaded.scenario.seed, file });
  const result = buildResult(loaded, record);
  const sim = buildResult(loaded, await runDrill(simTarget, loaded.scenario, { seed: loaded.scenario.seed }));
  return { loaded, record, result, sim };
}

/** The `db` events of one type. */
export const db = (events: readonly RunEvent[], type: string) => events.filter((e) => e.component === 'db' && e.type === type);

/** The `db` events of one type whose detail holds `match`. */
export const only = (events: readonly RunEvent[], type: string, match: Record<string, unknown> = {}): RunEvent[] =>
  db(events, type).filter((e) => Object.entries(match).every(([k, v]) => e.detail[k] === v));
/** The one `db` event of a type (holding `match`): fails unless there is exactly one. */
export const one = (events: readonly RunEvent[], type: string, match: Record<string, unknown> = {}): RunEvent => {
  const found = only(events, type, match);
  expect(found.length, `${type} ${JSON.stringify(match)}`).toBe(1);
  return found[0]!;
};
/** The first `db` event of a type holding `match` at or after `afterMs`: fails when there is none. */
export const first = (events: readonly RunEvent[], type: string, match: Record<string, unknown>, afterMs = -Infinity): RunEvent => {
  const found = only(events, type, match).find((e) => e.atMs >= afterMs);
  expect(found, `${type} ${JSON.stringify(match)} after ${afterMs} ms`).toBeDefined();
  return found!;
};


/**
 * The checker's count, recounted apart from it: every id the apps saw acknowledged (`db`/`writes`,
 * from their rows) that the new writer's table lacks at the end (`db`/`store`) — ids are never
 * written twice, so what it lacked at the failover it lacks still.
 */
export function recount(events: readonly RunEvent[], newWriter: string): string[] {
  const acked = parseIdRanges(String(db(events, 'writes')[0]!.detail.ackedIds));
  const store = db(events, 'store').find((e) => e.detail.member === newWriter);
  expect(store, 'the new writer reported its table').toBeDefined();
  const held = parseIdRanges(String(store!.detail.ids));
  return [...acked].filter((id) => !held.has(id)).sort((a, b) => writeSeq(a)! - writeSeq(b)!);
}

/** Nothing of the run is left: its namespaces, any process naming its folder or tag, its folder (data folders inside). */
export function assertNothingLeft(record: DrillRecord, result: RunResult): void {
  const host = record.extra?.host as HostRunInfo;
  const nothing = result.invariants.find((i) => i.name === 'nothing-left-behind');
  expect(nothing?.pass, nothing?.message).toBe(true);
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  for (const ns of host.namespaces) expect(namespaces, ns).not.toContain(ns);
  const dir = join(stateRoot(), host.runId);
  expect(existsSync(dir), dir).toBe(false);
  const tag = host.runId.split('-').at(-1)!;
  const left: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir) || cmd.includes(`fd-${tag}-`)) left.push(`${entry} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  expect(left).toEqual([]);
}

/** The figures of each drill, host beside sim, one line per target. */
export function figuresTable(rows: ReadonlyArray<{ run: string; host: Figures; sim: Figures }>): string {
  const fmt = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
  const row = (f: Figures) => `detection ${fmt(f.detectionMs)}, RTO ${fmt(f.rtoMs)}, lost ${f.lostWrites}, RPO ${fmt(f.rpoMs)}, writes unavailable ${fmt(f.writesUnavailableMs)}`;
  return rows.map((t) => `  ${t.run.padEnd(26)} host: ${row(t.host)}\n  ${''.padEnd(26)} sim:  ${row(t.sim)}`).join('\n');
}

/** The checker's count is exact: one check at the writer change, its ids recounted apart from it and missing everywhere. */
export function assertLostCounted(result: RunResult, newWriter: string): void {
  const checks = db(result.events, 'writes.checked');
  expect(checks).toHaveLength(1);
  expect(Number(checks[0]!.detail.acked)).toBeGreaterThan(0);
  const lost = db(result.events, 'data.lost')[0];
  const ids = lost ? [...parseIdRanges(String(lost.detail.ids))] : [];
  expect(result.metrics.lostWrites).toBe(ids.length);
  expect(Number(checks[0]!.detail.missing)).toBe(ids.length);
  expect(recount(result.events, newWriter)).toEqual(ids);
}

/** The old primary acknowledged no write from its demotion on (a split brain would), and came back as a replica once the cut ended. */
export function assertDemoted(result: RunResult, member: string): void {
  const invariant = result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes');
  expect(invariant?.pass, invariant?.message).toBe(true);
  expect(db(result.events, 'fenced').map((e) => e.detail.member)).toEqual([member]);
  const rejoined = db(result.events, 'rejoined');
  expect(rejoined.map((e) => e.detail.member)).toEqual([member]);
  expect(rejoined[0]!.atMs).toBeGreaterThanOrEqual(result.metrics.perFault[0]!.removedAtMs!);
}
