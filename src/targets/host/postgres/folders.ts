import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostNode, HostPlan } from '../topology.js';
import { PG_PORT } from './config.js';

/** The OS user PostgreSQL runs as (it refuses to run as root). */
export const PG_OS_USER = 'postgres';
/** Linux's limit on a Unix socket path (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** Where one node keeps its files, all inside the run's folder. */
export interface PgNodePaths {
  /** `<run>/pg/<s0|s1…>`: the node's folder, owned by postgres; it holds the Unix socket. */
  nodeDir: string;
  dataDir: string;
  socketDir: string;
  /** `<run>/postgres-<id>.log`: the postmaster's stderr (root's, beside the run's other logs). */
  logFile: string;
}

/** `<run>/pg`: every node's folder and the password file. */
export function pgRoot(plan: HostPlan): string {
  return join(plan.dir, 'pg');
}

/** The password file the nodes share (`<run>/pg/pgpass`). */
export function passfilePath(plan: HostPlan): string {
  return join(pgRoot(plan), 'pgpass');
}

/** A node's folders: named by its namespace's role (`s0`), which is short, so the socket path fits. */
export function pgNodePaths(plan: HostPlan, node: HostNode): PgNodePaths {
  const nodeDir = join(pgRoot(plan), node.ns.slice(node.ns.lastIndexOf('-') + 1));
  const socket = join(nodeDir, `.s.PGSQL.${PG_PORT}`);
  if (socket.length > MAX_SOCKET_PATH)
    throw new Error(`PostgreSQL's socket path ${socket} is longer than ${MAX_SOCKET_PATH} bytes: set FAILDRILL_STATE_DIR to a shorter folder`);
  return { nodeDir, dataDir: join(nodeDir, 'data'), socketDir: nodeDir, logFile: join(plan.dir, `postgres-${node.id}.log`) };
}

/** uid and gid of the postgres user. */
export function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, PG_OS_USER], { encoding: 'utf8', timeout: 5_000 }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Lets the postgres user reach its folders inside the run's folder: the run's folder (root's, 0700)
 * gets group postgres with search only (0710); folders above it that others cannot search (the state
 * root, 0700) get search for others (o+x: no listing, no writing). `<run>/pg` is postgres's own (0700).
 */
export function preparePgRoot(plan: HostPlan): void {
  const { uid, gid } = postgresIds();
  chownSync(plan.dir, 0, gid);
  chmodSync(plan.dir, 0o710);
  for (let dir = dirname(plan.dir); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
  makePgDir(pgRoot(plan), uid, gid);
}

/** A folder owned by postgres, 0700 (PostgreSQL insists on it for its data folder). */
export function makePgDir(dir: string, uid = postgresIds().uid, gid = postgresIds().gid): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
}

/** Writes a file PostgreSQL reads (a config file, the password file, standby.signal): postgres's, 0600. */
export function writePgFile(file: string, text: string): void {
  const { uid, gid } = postgresIds();
  writeFileSync(file, text, { mode: 0o600 });
  chownSync(file, uid, gid);
  chmodSync(file, 0o600);
}
