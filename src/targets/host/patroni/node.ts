import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { alive, delay, signal } from '../exec.js';
import { commandLine, descendants, NsProcess } from '../process.js';
import type { HostNode } from '../topology.js';
import { patroniYaml, type PatroniNodeInput, type PatroniNodePaths } from './config.js';

/** The account PostgreSQL (and so Patroni) runs as: postgres refuses to run as root. */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** A user from /etc/passwd, or undefined. */
export function osUser(name: string, passwd = '/etc/passwd'): OsUser | undefined {
  if (!existsSync(passwd)) return undefined;
  for (const line of readFileSync(passwd, 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** A node's folder and files under the run's folder: `<runDir>/patroni/<node>/`. */
export function nodePaths(runDir: string, nodeId: string): PatroniNodePaths {
  const dir = join(runDir, 'patroni', nodeId);
  return { dir, config: join(dir, 'patroni.yml'), dataDir: join(dir, 'data'), socketDir: join(dir, 'socket'), pgpass: join(dir, 'pgpass') };
}

/**
 * Lets other users pass through (not list) each folder from `dir` up to `top`: the run's folder is
 * root's and 0700, and the postgres account must reach its data directory below it.
 */
export function allowTraverse(dir: string, top: string): void {
  for (let d = dir; ; d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) chmodSync(d, mode | 0o011);
    if (d === top || dirname(d) === d) break;
  }
}

/** Grace for Patroni to stop PostgreSQL and release the leader key on SIGTERM before SIGKILL. */
const PATRONI_STOP_GRACE_MS = 15_000;
/** Grace for a postmaster left behind to finish an immediate shutdown (SIGQUIT) before SIGKILL. */
const POSTMASTER_QUIT_GRACE_MS = 5_000;

/**
 * One Patroni node: its configuration in a folder the postgres account owns, Patroni started in the
 * node's namespace as postgres, and the processes a fault acts on. Patroni starts the postmaster
 * through a detached process (patroni/postgresql/postmaster.py), so the postmaster is no descendant
 * of Patroni: it is found through `postmaster.pid` in the data directory.
 */
export class PatroniNode {
  readonly paths: PatroniNodePaths;
  readonly logFile: string;
  process?: NsProcess;

  constructor(
    readonly host: HostNode,
    readonly input: PatroniNodeInput,
    private readonly user: OsUser,
    private readonly program: string,
    runDir: string,
    private readonly onLine?: (line: string) => void,
  ) {
    this.paths = input.paths;
    this.logFile = join(runDir, `patroni-${host.id}.log`);
  }

  get id(): string {
    return this.host.id;
  }

  /** Writes the node's folder (owned by postgres, 0700) and its configuration (0600). */
  prepare(runDir: string): void {
    const { dir, socketDir, config } = this.paths;
    mkdirSync(dirname(dir), { recursive: true, mode: 0o711 });
    allowTraverse(dirname(dir), dirname(runDir));
    for (const d of [dir, socketDir]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      chownSync(d, this.user.uid, this.user.gid);
    }
    writeFileSync(config, patroniYaml(this.input), { mode: 0o600 });
    chownSync(config, this.user.uid, this.user.gid);
  }

  /** Starts Patroni as the postgres account (`setpriv` execs: the pid is Patroni's); `onPid` journals it. */
  start(onPid: (pid: number) => void): void {
    this.process = new NsProcess({
      ns: this.host.ns,
      role: `patroni:${this.host.id}`,
      command: 'setpriv',
      args: ['--reuid', String(this.user.uid), '--regid', String(this.user.gid), '--init-groups', '--reset-env', this.program, this.paths.config],
      logFile: this.logFile,
      ...(this.onLine ? { onLine: (line: string) => this.onLine!(line) } : {}),
    });
    if (this.process.pid) onPid(this.process.pid);
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** The postmaster of this node's data directory, if one runs (checked against its command line). */
  postmasterPid(): number | undefined {
    const file = join(this.paths.dataDir, 'postmaster.pid');
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
    return commandLine(pid).includes(this.paths.dataDir) ? pid : undefined;
  }

  /** Patroni's processes (it and its children). */
  patroniPids(): number[] {
    return this.process?.tree() ?? [];
  }

  /** PostgreSQL's processes: the postmaster and its children. */
  postgresPids(): number[] {
    const pm = this.postmasterPid();
    return pm === undefined ? [] : descendants(pm);
  }

  /**
   * "The database node crashed": SIGKILL to Patroni and PostgreSQL at once, so that neither runs a
   * shutdown (Patroni would release the leader key, PostgreSQL would checkpoint). The leader key stays
   * in etcd until its lease lapses, as when the machine dies.
   */
  crash(): number[] {
    const pids = [...this.patroniPids(), ...this.postgresPids()];
    for (const pid of pids) signal(pid, 'SIGKILL');
    const killed = this.process;
    void killed?.closed.then(() => killed.closeLog());
    return pids;
  }

  /**
   * Stops the node for good: SIGTERM to Patroni (it stops PostgreSQL and, as leader, releases the
   * key), then an immediate shutdown (SIGQUIT) of a postmaster left behind, then SIGKILL.
   */
  async stop(graceMs = PATRONI_STOP_GRACE_MS): Promise<void> {
    for (const pid of this.postgresPids()) signal(pid, 'SIGCONT');
    await this.process?.stop(graceMs);
    const pm = this.postmasterPid();
    if (pm === undefined) return;
    signal(pm, 'SIGCONT');
    signal(pm, 'SIGQUIT');
    for (let waited = 0; alive(pm) && waited < POSTMASTER_QUIT_GRACE_MS; waited += 100) await delay(100, true);
    for (const pid of alive(pm) ? descendants(pm) : []) signal(pid, 'SIGKILL');
  }
}
