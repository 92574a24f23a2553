import { execFile } from 'node:child_process';
import { HostCommandError, inNamespace, type CommandResult } from '../exec.js';
import { PG_OS_USER } from './folders.js';

/**
 * `setpriv` arguments that run a program as the postgres user with its own groups and a clean
 * environment. setpriv execs (it does not fork), so the pid of the process started through it is
 * the program's: a postmaster's pid is what the journal and signals get.
 */
export const AS_POSTGRES = [`--reuid=${PG_OS_USER}`, `--regid=${PG_OS_USER}`, '--init-groups', '--reset-env', '--'];

/**
 * Runs a PostgreSQL program as the postgres user inside namespace `ns`, from `cwd` (a folder postgres
 * may enter), bounded by `timeoutMs`; resolves with what it printed (stdout, then stderr, where
 * PostgreSQL's tools report), throws {@link HostCommandError} unless it exits 0.
 */
export function runAsPostgres(ns: string, cwd: string, program: string, args: readonly string[], timeoutMs: number): Promise<string> {
  const argv = inNamespace(ns, 'setpriv', [...AS_POSTGRES, program, ...args]);
  return new Promise((resolve, reject) => {
    execFile('ip', argv, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(`${stdout}${stderr}`);
      const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals | null };
      const result: CommandResult = { code: typeof e.code === 'number' ? e.code : 1, signal: e.signal ?? null, stdout, stderr: `${stderr}${typeof e.code === 'string' ? e.message : ''}` };
      reject(new HostCommandError(['ip', ...argv], result));
    });
  });
}
