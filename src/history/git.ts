import { execFile } from 'node:child_process';
import { dirname, basename } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function git(args: string[], cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 5_000 });
    const out = stdout.trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** The commit that last changed `file` (`git log -1 --format=%H -- file`); undefined outside git or when untracked. */
export function lastCommitOf(file: string): Promise<string | undefined> {
  return git(['log', '-1', '--format=%H', '--', basename(file)], dirname(file));
}

/** HEAD of the repository containing `cwd`; undefined when it is not one. */
export function headCommit(cwd = process.cwd()): Promise<string | undefined> {
  return git(['rev-parse', 'HEAD'], cwd);
}
