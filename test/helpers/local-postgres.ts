import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/targets/aws/emulators/process.js';

/** The newest PostgreSQL's bin directory on this machine (Debian's layout, else pg_config's). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return join(root, versions[0], 'bin');
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

const asPostgres = (bin: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', join(postgresBinDir(), bin), ...args], { stdio: 'pipe', timeout: 60_000 });

/** A throwaway PostgreSQL on 127.0.0.1 (trust auth, its own folder), for tests of code that talks to one. */
export interface LocalPostgres {
  port: number;
  address: string;
  dir: string;
  /** The postmaster and its children (for SIGSTOP/SIGCONT). */
  pids(): number[];
  stop(mode?: 'immediate' | 'fast'): void;
  start(): void;
  sql(text: string): string;
  remove(): void;
}

export async function startLocalPostgres(): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'faildrill-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pg: LocalPostgres = {
    port,
    address: `127.0.0.1:${port}`,
    dir,
    pids: () => {
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
      return [postmaster, ...children];
    },
    stop: (mode = 'immediate') => void asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']),
    start: () => void asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
    sql: (text) => asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-At', '-c', text]).toString(),
    remove: () => {
      try {
        pg.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  pg.start();
  return pg;
}
