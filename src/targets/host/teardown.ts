import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deleteRule } from '../../faults/host/inject.js';
import { alive, delay, run, signal } from './exec.js';
import { processStartTime, readJournal, runDirs, type JournalEntry, type UndoStep } from './journal.js';
import { quitJournaledPostgres } from './postgres/cleanup.js';
import { commandLine } from './process.js';
import { listNamespaces, namespacePids } from './topology.js';
import type { HostWorld } from './world.js';

/** What a teardown or `faildrill cleanup` removed. */
export interface TeardownReport {
  namespaces: string[];
  /** `pid command line (namespace)`. */
  processes: string[];
  /** `namespace: iptables -D …`. */
  rules: string[];
  files: string[];
  errors: string[];
  /** Runs left alone because their owner is still running. */
  skipped?: string[];
}

export const emptyReport = (): TeardownReport => ({ namespaces: [], processes: [], rules: [], files: [], errors: [] });

function merge(into: TeardownReport, from: TeardownReport): void {
  into.namespaces.push(...from.namespaces);
  into.processes.push(...from.processes);
  into.rules.push(...from.rules);
  into.files.push(...from.files);
  into.errors.push(...from.errors);
  if (from.skipped?.length) (into.skipped ??= []).push(...from.skipped);
}

/** Whether the run that wrote this journal is still going (its process alive, not a reused pid). */
export function ownerAlive(entries: JournalEntry[]): boolean {
  const start = entries.find((e) => e.op === 'run');
  if (!start || start.op !== 'run' || start.pid === process.pid) return false;
  return alive(start.pid) && processStartTime(start.pid) === start.pidStart;
}

/** Stops every process in a namespace (SIGCONT, SIGTERM, then SIGKILL) and deletes it. */
export async function removeNamespace(ns: string, report: TeardownReport): Promise<void> {
  if (!existsSync(`/run/netns/${ns}`)) return;
  const pids = await namespacePids(ns);
  for (const pid of pids) {
    report.processes.push(`${pid} ${commandLine(pid) || '?'} (${ns})`);
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGTERM');
  }
  for (let i = 0; i < 40 && pids.some(alive); i++) await delay(50);
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
  for (let i = 0; i < 20 && pids.some(alive); i++) await delay(50);
  const result = await run('ip', ['netns', 'del', ns]);
  if (result.code === 0) report.namespaces.push(ns);
  else report.errors.push(`ip netns del ${ns}: ${result.stderr.trim()}`);
}

async function undoStep(step: UndoStep, report: TeardownReport): Promise<void> {
  if (step.kind === 'iptables') {
    if (!existsSync(`/run/netns/${step.ns}`)) return;
    if (await deleteRule(step)) report.rules.push(`${step.ns}: iptables -D ${step.chain} ${step.rule.join(' ')}`);
  } else if (step.kind === 'resume') {
    for (const pid of step.pids) {
      if (!alive(pid)) continue;
      report.processes.push(`${pid} ${commandLine(pid) || '?'} (${step.ns}): resumed from SIGSTOP`);
      signal(pid, 'SIGCONT');
    }
  }
}

/**
 * Undoes one run from its journal: faults not undone, processes, namespaces, then its folder.
 * A run whose owner still runs is left alone unless `force`.
 */
export async function teardownRun(dir: string, options: { force?: boolean } = {}): Promise<TeardownReport> {
  const report = emptyReport();
  const entries = readJournal(join(dir, 'journal.jsonl'));
  if (!options.force && ownerAlive(entries)) {
    report.skipped = [dir];
    return report;
  }
  const undone = new Set(entries.filter((e) => e.op === 'fault.undone').map((e) => (e as { id: string }).id));
  for (const e of entries) {
    if (e.op !== 'fault' || undone.has(e.id)) continue;
    for (const step of e.steps) await undoStep(step, report).catch((err: Error) => report.errors.push(err.message));
  }
  report.processes.push(...(await quitJournaledPostgres(entries, dir)));
  const namespaces = entries.filter((e) => e.op === 'netns').map((e) => (e as { name: string }).name);
  // Members first, the bridge's namespace last.
  const ordered = [...namespaces.filter((n) => !n.endsWith('-br')), ...namespaces.filter((n) => n.endsWith('-br'))];
  await Promise.all(ordered.filter((n) => !n.endsWith('-br')).map((ns) => removeNamespace(ns, report)));
  for (const ns of ordered.filter((n) => n.endsWith('-br'))) await removeNamespace(ns, report);
  for (const e of entries) {
    if (e.op !== 'process' || !alive(e.pid)) continue;
    const cmd = commandLine(e.pid);
    // Only what is recognisably ours: the pid may have been reused.
    if (cmd.includes(dir) || /^(ip|keepalived|nginx)\b/.test(cmd)) {
      report.processes.push(`${e.pid} ${cmd} (${e.ns})`);
      signal(e.pid, 'SIGCONT');
      signal(e.pid, 'SIGKILL');
    }
  }
  if (existsSync(dir)) {
    const files = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    report.files.push(`${dir}/ (${files.length} files: ${files.slice(0, 8).join(', ')}${files.length > 8 ? ', …' : ''})`);
  }
  return report;
}

/** Whether the run folder `dir` (with its journal's start entry) is the run `run` names: its id, folder name or tag. */
function isRun(run: string, dir: string, start: JournalEntry | undefined): boolean {
  if (basename(dir) === run || basename(dir).endsWith(`-${run}`)) return true;
  return start?.op === 'run' && (start.runId === run || start.tag === run);
}

/**
 * `faildrill cleanup`: undoes every host run that is no longer running (from its journal), then
 * removes any `fd-` namespace that no live run owns, with its processes. With `run` (a run id or
 * tag), only that run: its journal, and the namespaces named with its tag.
 */
export async function cleanupHost(options: { force?: boolean; run?: string } = {}): Promise<TeardownReport> {
  const report = emptyReport();
  const liveTags = new Set<string>();
  const tags = new Set<string>(options.run !== undefined && /^[0-9a-f]{6}$/.test(options.run) ? [options.run] : []);
  for (const dir of runDirs()) {
    const entries = readJournal(join(dir, 'journal.jsonl'));
    const start = entries.find((e) => e.op === 'run');
    if (options.run !== undefined) {
      if (!isRun(options.run, dir, start)) continue;
      if (start?.op === 'run') tags.add(start.tag);
    }
    if (!options.force && ownerAlive(entries)) {
      if (start && start.op === 'run') liveTags.add(start.tag);
      (report.skipped ??= []).push(`${dir} (run ${start && start.op === 'run' ? start.runId : '?'} still running, pid ${start && start.op === 'run' ? start.pid : '?'})`);
      continue;
    }
    merge(report, await teardownRun(dir, { force: true }));
  }
  const candidates = await listNamespaces();
  const ours = options.run === undefined ? candidates : candidates.filter((ns) => [...tags].some((tag) => ns.startsWith(`fd-${tag}-`)));
  const strays = ours.filter((ns) => ![...liveTags].some((tag) => ns.startsWith(`fd-${tag}-`)));
  await Promise.all(strays.filter((n) => !n.endsWith('-br')).map((ns) => removeNamespace(ns, report)));
  for (const ns of strays.filter((n) => n.endsWith('-br'))) await removeNamespace(ns, report);
  return report;
}

/**
 * How long a service gets after SIGTERM when the run was interrupted: keepalived takes about a second
 * to leave (measured here), and an interrupted run must end within two; its namespace goes anyway.
 */
export const INTERRUPTED_STOP_GRACE_MS = 200;

/**
 * Tears a host run's world down: stops the observers, services, load and prober, keeps the logs when
 * FAILDRILL_HOST_KEEP_LOGS names a folder, then undoes the rest from the journal (rules of faults not
 * undone, paused processes, namespaces) and removes the run's folder. Faults are the session's to undo
 * first; the journal catches any it could not. After an interrupt, services get
 * {@link INTERRUPTED_STOP_GRACE_MS} to exit before they are killed.
 */
export async function teardownWorld(world: HostWorld, options: { interrupted?: boolean } = {}): Promise<TeardownReport> {
  world.clock.close();
  world.probePort?.close();
  world.dbProbePort?.close();
  world.services.nginx?.unwatch();
  await world.vipObserver?.stop().catch(() => undefined);
  const graceMs = options.interrupted ? INTERRUPTED_STOP_GRACE_MS : undefined;
  await Promise.allSettled([world.services.stopAll(graceMs), world.load?.stop(), world.prober?.stop(graceMs ?? 1_000), world.dbProber?.stop(graceMs ?? 1_000)]);
  await world.dbFailover?.close?.().catch(() => undefined);
  await world.database?.close().catch(() => undefined);
  const keep = process.env.FAILDRILL_HOST_KEEP_LOGS;
  if (keep) keepLogs(world.journal.dir, keep);
  const report = await teardownRun(world.journal.dir, { force: true });
  rmSync(world.journal.dir, { recursive: true, force: true });
  return report;
}

/** FAILDRILL_HOST_KEEP_LOGS=<dir>: copies the run's logs and configs there before teardown (debugging). */
function keepLogs(runDir: string, into: string): void {
  try {
    const target = join(into, runDir.split('/').at(-1)!);
    mkdirSync(target, { recursive: true });
    for (const f of readdirSync(runDir)) if (/\.(log|conf|jsonl)$/.test(f)) cpSync(join(runDir, f), join(target, f));
  } catch {
    // best effort
  }
}
