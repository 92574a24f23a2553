import { join } from 'node:path';
import { delay, signal } from '../exec.js';
import { NsProcess } from '../process.js';
import { programFile } from '../programs/locate.js';
import { PG_PORT } from './config.js';

/** The port a primary's WAL delay line listens on (beside PostgreSQL's). */
export const WAL_RELAY_PORT = PG_PORT + 1;
/** The compiled delay line (`wal-relay.ts`). */
export const WAL_RELAY_PROGRAM = 'targets/host/postgres/wal-relay';
/** Journal role of a delay line: `pg-relay:<server>`. */
export const WAL_RELAY_ROLE_PREFIX = 'pg-relay:';
const LISTENING_TIMEOUT_MS = 10_000;
const ACK_TIMEOUT_MS = 2_000;

/** What starting a delay line needs from its node. */
export interface WalDelayOptions {
  ns: string;
  /** The primary's address: the line listens on it (port {@link WAL_RELAY_PORT}) and relays to its PostgreSQL. */
  ip: string;
  server: string;
  runDir: string;
  lifetimeMs: number;
  onProcess: (pid: number) => void;
}

/**
 * A primary's WAL delay line (`wal-relay.ts`) in the primary's namespace: standbys stream through it,
 * and a replication lag spike sets its delay. It is part of the primary's PostgreSQL service: it
 * stops, crashes and freezes with the postmaster, and what it holds then is lost, as WAL a primary
 * had not shipped is.
 */
export class WalDelayLine {
  readonly #proc: NsProcess;
  readonly #listening: Promise<boolean>;
  #acks: Array<{ delayMs: number; resolve: () => void }> = [];
  #delayMs = 0;

  constructor(options: WalDelayOptions) {
    let listening: (ok: boolean) => void = () => undefined;
    this.#listening = new Promise((resolve) => (listening = resolve));
    this.#proc = new NsProcess({
      ns: options.ns,
      role: `${WAL_RELAY_ROLE_PREFIX}${options.server}`,
      command: process.execPath,
      args: [programFile(WAL_RELAY_PROGRAM), options.ip, String(WAL_RELAY_PORT), options.ip, String(PG_PORT), String(options.lifetimeMs), options.runDir],
      stdin: true,
      logFile: join(options.runDir, `wal-relay-${options.server}.log`),
      onLine: (line) => {
        if (line.startsWith('listening')) listening(true);
        const ack = /^delay (\d+(\.\d+)?)$/.exec(line);
        if (ack) {
          const delayMs = Number(ack[1]);
          const done = this.#acks.filter((a) => a.delayMs === delayMs);
          this.#acks = this.#acks.filter((a) => a.delayMs !== delayMs);
          for (const a of done) a.resolve();
        }
      },
    });
    if (this.#proc.pid) options.onProcess(this.#proc.pid);
    void this.#proc.exited.then(() => listening(false));
  }

  get running(): boolean {
    return this.#proc.running;
  }

  get pid(): number | undefined {
    return this.#proc.running ? this.#proc.pid : undefined;
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  /** Resolves once it listens; throws when it exits or does not listen in time. */
  async ready(): Promise<void> {
    const ok = await Promise.race([this.#listening, delay(LISTENING_TIMEOUT_MS, true).then(() => false)]);
    if (!ok) throw new Error(`the WAL delay line did not listen within ${LISTENING_TIMEOUT_MS} ms`);
  }

  /** Sets the delay; resolves once the line applies it (or after a bound). */
  async setDelay(delayMs: number): Promise<void> {
    this.#delayMs = Math.max(0, Math.round(delayMs));
    const stdin = this.#proc.child.stdin;
    if (!this.#proc.running || !stdin?.writable) return;
    const acked = new Promise<void>((resolve) => this.#acks.push({ delayMs: this.#delayMs, resolve }));
    stdin.write(`${JSON.stringify({ delayMs: this.#delayMs })}\n`);
    await Promise.race([acked, delay(ACK_TIMEOUT_MS, true)]);
  }

  /** Kills it at once (SIGKILL, thawed first): what it holds is gone. */
  async kill(): Promise<void> {
    const pid = this.#proc.pid;
    if (!this.#proc.running || pid === undefined) return;
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGKILL');
    await Promise.race([this.#proc.exited, delay(2_000, true)]);
    this.#proc.closeLog();
  }
}
