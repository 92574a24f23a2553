import { lstat, mkdir, open, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { EnvironmentError, UsageError, type FaildrillError } from '../errors.js';

/**
 * Checks of the paths a command writes to, made before a drill starts so that a bad path costs a
 * second, not a 30-minute drill. Which exit code (src/commands/exit-codes.ts): a path that is wrong
 * in itself — empty, too long, under /proc or /sys, a file where a folder belongs or the reverse —
 * is a usage error (2); a sound path the machine refuses — no permission, a read-only or full file
 * system — is the environment's (3).
 */

/** Linux NAME_MAX and PATH_MAX (limits.h): longer names fail with ENAMETOOLONG. */
const NAME_MAX_BYTES = 255;
const PATH_MAX_BYTES = 4095;
/** Kernel file systems: they hold no reports, and recursive mkdir under /proc never returns (Node 20). */
const PSEUDO_ROOTS = ['/proc', '/sys'];

/** Usage (2): the path is wrong in itself. The rest (3): the machine refuses a sound path. */
const USAGE_CODES = new Set(['ENOTDIR', 'EEXIST', 'EISDIR', 'ENAMETOOLONG', 'ELOOP', 'EINVAL']);

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENAMETOOLONG: 'a name in it is too long',
  ELOOP: 'too many symbolic links',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
};

/** The exit-2-or-3 error for a file system error on `path`, given as `label` (`--out reports/x`). */
export function pathError(label: string, err: unknown): FaildrillError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (err as Error).message;
  const text = `${label}: ${reason}${code ? ` (${code})` : ''}`;
  return USAGE_CODES.has(code) ? new UsageError(text) : new EnvironmentError(`${text}: cannot write there`);
}

/** Refuses what no file system takes or what lies under /proc or /sys (following symbolic links). */
async function checkPathText(path: string, label: string): Promise<string> {
  if (path.trim() === '') throw new UsageError(`${label}: an empty path; expected a path`);
  if (path.includes('\0')) throw new UsageError(`${label}: the path contains a NUL character`);
  const absolute = resolve(path);
  if (Buffer.byteLength(absolute) > PATH_MAX_BYTES) throw new UsageError(`${label}: the path is longer than ${PATH_MAX_BYTES} bytes`);
  const long = absolute.split(sep).find((name) => Buffer.byteLength(name) > NAME_MAX_BYTES);
  if (long) throw new UsageError(`${label}: the name '${long.slice(0, 40)}…' is ${Buffer.byteLength(long)} bytes; a file system allows ${NAME_MAX_BYTES}`);
  const real = await realPathOfNearest(absolute);
  const root = PSEUDO_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  if (root) throw new UsageError(`${label}: under ${root}, a kernel file system that holds no reports`);
  return absolute;
}

/**
 * mkdir -p one folder at a time: a recursive mkdir reports ENOENT for a read-only file system (and
 * never returns under /proc), one level at a time says EROFS, EACCES or ENOTDIR.
 */
async function makeDirs(absolute: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = absolute; !(await lstat(dir).then(() => true, () => false)); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** `absolute` with its longest existing prefix resolved through symbolic links. */
async function realPathOfNearest(absolute: string): Promise<string> {
  let existing = absolute;
  const rest: string[] = [];
  for (;;) {
    try {
      await lstat(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return absolute;
      rest.unshift(existing.slice(parent.length).replace(/^\//, ''));
      existing = parent;
    }
  }
  try {
    return join(await realpath(existing), ...rest);
  } catch {
    return absolute;
  }
}

/**
 * Makes sure `dir` is, or can be made, a folder this process can write into: creates it (a run
 * would) and writes and removes a probe file. Throws UsageError (2) or EnvironmentError (3).
 */
export async function prepareOutputDir(dir: string, flag: string): Promise<void> {
  const label = `${flag} ${dir}`;
  const absolute = await checkPathText(dir, label);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`${label}: is a file; expected a folder for the run's reports`);
  const probe = join(absolute, `.faildrill-write-check-${process.pid}`);
  try {
    await makeDirs(absolute);
    await writeFile(probe, 'faildrill checks it can write here\n');
    await unlink(probe);
  } catch (err) {
    throw pathError(label, err);
  }
}

/**
 * Checks a history file before a run appends to it: a regular file (or none yet) in a folder this
 * process can write to. Leaves the file as it was. Throws UsageError (2) or EnvironmentError (3).
 */
export async function checkHistoryForAppend(file: string, flag = '--history'): Promise<void> {
  const label = `${flag} ${file}`;
  const absolute = await checkHistoryPath(file, label);
  const existed = (await stat(absolute).catch(() => undefined)) !== undefined;
  try {
    await makeDirs(dirname(absolute));
    await (await open(absolute, 'a')).close();
    if (!existed) await unlink(absolute);
  } catch (err) {
    throw pathError(label, err);
  }
}

/** Checks a history file a command only reads: a missing file is an empty history. */
export async function checkHistoryForRead(file: string, flag = '--history'): Promise<void> {
  await checkHistoryPath(file, `${flag} ${file}`);
}

async function checkHistoryPath(file: string, label: string): Promise<string> {
  const absolute = await checkPathText(file, label);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${label}: is a folder; expected a history file such as reports/history.jsonl`);
  if (existing && !existing.isFile()) throw new UsageError(`${label}: is not a regular file (a device or pipe); expected a history file`);
  return absolute;
}

/**
 * Runs `write` (reporters, the history append) and turns a file system error into exit 2/3 naming
 * `label` and `outcome` (what the run found), instead of an internal error after a finished drill.
 */
export async function writingOutputs(label: string, outcome: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code !== 'string' || !(err as NodeJS.ErrnoException).syscall) throw err;
    const failure = pathError(label, err);
    failure.message = `${failure.message}; ${outcome}`;
    throw failure;
  }
}
