import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where host runs keep their state: one folder per run with its journal, configs, scripts and logs.
 * Under /run (root-owned, never world-writable: keepalived's script security refuses scripts below
 * a world-writable folder such as /tmp). FAILDRILL_STATE_DIR overrides it.
 */
export function stateRoot(): string {
  if (process.env.FAILDRILL_STATE_DIR) return process.env.FAILDRILL_STATE_DIR;
  return existsSync('/run') ? '/run/faildrill' : join(tmpdir(), 'faildrill');
}

/** One undo step of a fault, serialisable so that `faildrill cleanup` can replay it after a crash. */
export type UndoStep =
  | { kind: 'iptables'; ns: string; chain: 'INPUT' | 'OUTPUT'; rule: string[] }
  | { kind: 'resume'; ns: string; pids: number[] }
  | { kind: 'restart'; ns: string; service: string; server: string };

/** A line of the journal. */
export type JournalEntry =
  | { op: 'run'; runId: string; tag: string; pid: number; pidStart: string; scenario: string; subnet: string; startedAt: string }
  | { op: 'netns'; name: string }
  | { op: 'process'; pid: number; ns: string; role: string }
  | { op: 'fault'; id: string; action: string; target: string; steps: UndoStep[] }
  | { op: 'fault.undone'; id: string }
  | { op: 'end' };

/**
 * Append-only journal of everything a host run creates or changes, each entry flushed to disk
 * *before* the change is made, so that a run killed at any moment can be undone from it.
 */
export class Journal {
  readonly file: string;

  constructor(readonly dir: string) {
    // the folder of the runs (the state root) holds the machine-wide halt file too: every user's drill must
    // reach it (a recursive mkdir would give the parent the run folder's 0700, and a non-root drill would
    // read EACCES as a halt); the run's own folder is root's
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'journal.jsonl');
  }

  /** Appends one entry and fsyncs it. */
  write(entry: JournalEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    const fd = openSync(this.file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Reads a journal; a torn last line (killed mid-write) is skipped. */
export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // torn write of a killed run
    }
  }
  return entries;
}

/** Run folders under the state root (each may hold a journal). */
export function runDirs(root = stateRoot()): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, d.name));
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat): tells a pid apart from a reused one. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
