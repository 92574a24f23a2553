import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { alive, delay, inNamespace, signal } from './exec.js';

export interface SpawnOptions {
  ns: string;
  /** What it is, for logs and the journal: `app:web-1`, `keepalived:web-1`, `nginx`, `load`, `prober`. */
  role: string;
  command: string;
  args: string[];
  /** Every output line goes here (and to `logFile`). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  logFile?: string;
  /** Keep stdin open as a pipe (for request/answer helpers). */
  stdin?: boolean;
}

/** A process started inside a network namespace with `ip netns exec` (which execs: the pid is the program's). */
export class NsProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the process exited and its output was read to the end. */
  readonly closed: Promise<void>;
  #exited = false;
  #log?: WriteStream;

  constructor(readonly options: SpawnOptions) {
    this.child = spawn('ip', inNamespace(options.ns, options.command, options.args), {
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    if (options.logFile) this.#log = createWriteStream(options.logFile, { flags: 'a' });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, sig) => {
        this.#exited = true;
        resolve({ code, signal: sig });
      });
      this.child.on('error', () => {
        this.#exited = true;
        resolve({ code: 127, signal: null });
      });
    });
    this.closed = new Promise((resolve) => {
      this.child.on('close', () => resolve());
      this.child.on('error', () => resolve());
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = this.child[stream];
      if (!readable) continue;
      createInterface({ input: readable }).on('line', (line) => {
        this.#log?.write(`${line}\n`);
        options.onLine?.(line, stream);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.#exited;
  }

  /** The process and every descendant (keepalived forks its VRRP child, nginx its workers). */
  tree(): number[] {
    return this.pid === undefined || this.#exited ? [] : descendants(this.pid);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 3_000, onSignalled?: () => void): Promise<void> {
    if (this.#exited || this.pid === undefined) {
      onSignalled?.();
      return;
    }
    const tree = this.tree();
    for (const pid of tree) signal(pid, 'SIGCONT');
    signal(this.pid, 'SIGTERM');
    onSignalled?.();
    const killed = await Promise.race([this.exited.then(() => true), delay(graceMs, true).then(() => false)]);
    if (!killed) {
      for (const pid of this.tree()) signal(pid, 'SIGKILL');
      await Promise.race([this.exited, delay(2_000, true)]);
    }
    // descendants that outlived their parent (a forked child): kill them too
    for (const pid of tree) if (alive(pid)) signal(pid, 'SIGKILL');
    this.#log?.end();
  }

  closeLog(): void {
    this.#log?.end();
  }
}

/** `pid` and all its descendants, from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < 10_000) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** The command line of a process, for reports (`keepalived -n -l …`). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
