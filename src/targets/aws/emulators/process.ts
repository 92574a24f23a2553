import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorStartError } from './errors.js';

/**
 * Runs a Python module so that it cannot outlive faildrill: PR_SET_PDEATHSIG sends it SIGTERM when
 * the process that started it dies (even by SIGKILL), it exits at once if that already happened, and
 * SIGALRM ends it after its lifetime bound. `python -c BOOTSTRAP <module> <args…>` is `python -m <module> <args…>` otherwise.
 */
export const BOOTSTRAP = [
  'import ctypes, os, runpy, signal, sys',
  'ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)',
  "parent = int(os.environ.pop('FAILDRILL_PARENT_PID', '0'))",
  'if parent and os.getppid() != parent: sys.exit(0)',
  "life = int(os.environ.pop('FAILDRILL_LIFETIME_SEC', '0'))",
  'if life > 0: signal.alarm(life)',
  'sys.argv = sys.argv[1:]',
  "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)",
].join('\n');

/** Lifetime bound of an emulator faildrill starts, unless the caller sets one: a drill never runs this long. */
export const DEFAULT_LIFETIME_MS = 6 * 60 * 60 * 1000;
/** SIGTERM, then SIGKILL after this. */
const STOP_GRACE_MS = 5_000;
/** The Python-side alarm fires this long after the Node-side bound, as a backstop when faildrill itself is stuck. */
const ALARM_SLACK_SEC = 60;
const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;

/** Every emulator process this Node process started and has not seen exit: killed on exit, whatever the cause. */
const running = new Set<EmulatorProcess>();
let exitHook = false;
function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const p of running) p.kill('SIGKILL');
  });
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface EmulatorProcessOptions {
  /** For messages: `moto server`, `LocalStack`. */
  label: string;
  python: string;
  module: string;
  args: string[];
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  cwd?: string;
  lifetimeMs?: number;
  /** Everything it prints is appended here too. */
  logFile?: string;
}

/** A Python emulator in a process group of its own; stopping it stops the group. */
export class EmulatorProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  #tail: string[] = [];
  #log?: WriteStream;
  #lifetime?: NodeJS.Timeout;
  #stopping?: Promise<void>;

  constructor(readonly options: EmulatorProcessOptions) {
    const lifetimeMs = options.lifetimeMs ?? DEFAULT_LIFETIME_MS;
    this.child = spawn(options.python, ['-c', BOOTSTRAP, options.module, ...options.args], {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...options.env,
        PYTHONUNBUFFERED: '1',
        FAILDRILL_PARENT_PID: String(process.pid),
        FAILDRILL_LIFETIME_SEC: String(Math.ceil(lifetimeMs / 1000) + ALARM_SLACK_SEC),
      },
    });
    if (options.logFile) this.#log = createWriteStream(options.logFile, { flags: 'a' });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.#tail.push(line);
        if (this.#tail.length > 40) this.#tail.shift();
        this.#log?.write(`${line}\n`);
      });
    }
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', (error) => {
        this.#tail.push(String(error));
        resolve();
      });
    }).then(() => {
      running.delete(this);
      clearTimeout(this.#lifetime);
    });
    running.add(this);
    hookExit();
    this.#lifetime = setTimeout(() => void this.stop(), lifetimeMs);
    this.#lifetime.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && running.has(this);
  }

  /** The last lines it printed, for error messages. */
  output(): string {
    return this.#tail.join('\n');
  }

  /** Signals the whole process group (the emulator and anything it forked). */
  kill(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is gone
    }
  }

  /** SIGTERM to the group, SIGKILL after a grace period; resolves once the emulator exited. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.running) {
        this.kill('SIGTERM');
        const timer = setTimeout(() => this.kill('SIGKILL'), STOP_GRACE_MS);
        await this.exited;
        clearTimeout(timer);
      }
      this.kill('SIGKILL');
      this.#log?.end();
    })();
    return this.#stopping;
  }

  /**
   * Polls `probe` until it says ready; an {@link EmulatorStartError} with the emulator's last output
   * when the process exits first or `timeoutMs` passes.
   */
  async waitReady(probe: (signal: AbortSignal) => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new EmulatorStartError(`${this.options.label} exited before ${what} answered:\n${this.output()}`);
      try {
        if (await probe(AbortSignal.timeout(PROBE_TIMEOUT_MS))) return;
      } catch {
        // not listening yet
      }
      await sleep(POLL_MS);
    }
    throw new EmulatorStartError(`${this.options.label} did not answer at ${what} within ${timeoutMs} ms:\n${this.output()}`);
  }
}

/** Whether an emulator's output says its port was taken by someone else (then a new free port is tried). */
export function portTaken(output: string): boolean {
  return /address already in use|errno 98/i.test(output);
}

/** Polls `probe` against a server faildrill did not start, until ready or `timeoutMs`. */
export async function waitForServer(probe: (signal: AbortSignal) => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  do {
    try {
      if (await probe(AbortSignal.timeout(PROBE_TIMEOUT_MS))) return true;
    } catch {
      // not answering
    }
    await sleep(POLL_MS);
  } while (Date.now() < deadline);
  return false;
}
