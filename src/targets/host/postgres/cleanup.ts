import { alive, delay, signal } from '../exec.js';
import type { JournalEntry } from '../journal.js';
import { commandLine, descendants } from '../process.js';
import { PG_ROLE_PREFIX } from './config.js';

/** How long postmasters get to quit on SIGQUIT before the namespace's removal kills what is left. */
const QUIT_TIMEOUT_MS = 10_000;

/**
 * Stops the postmasters a run journaled (role `postgres:<server>`) that still run from the run's
 * folder: SIGCONT (a paused one), then SIGQUIT — PostgreSQL's immediate shutdown, which ends every
 * child and releases the shared memory, where the SIGTERM/SIGKILL of a namespace's removal would leave
 * a smart shutdown waiting or a System V segment behind. Returns what it stopped.
 */
export async function quitJournaledPostgres(entries: readonly JournalEntry[], runDir: string): Promise<string[]> {
  const stopped: string[] = [];
  const pids: number[] = [];
  for (const e of entries) {
    if (e.op !== 'process' || !e.role.startsWith(PG_ROLE_PREFIX) || !alive(e.pid)) continue;
    const cmd = commandLine(e.pid);
    if (!cmd.includes(runDir)) continue; // a reused pid: not ours
    for (const pid of descendants(e.pid)) signal(pid, 'SIGCONT');
    signal(e.pid, 'SIGQUIT');
    stopped.push(`${e.pid} ${cmd} (${e.ns}): immediate shutdown`);
    pids.push(e.pid);
  }
  const deadline = Date.now() + QUIT_TIMEOUT_MS;
  while (pids.some(alive) && Date.now() < deadline) await delay(50);
  return stopped;
}
