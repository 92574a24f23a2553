import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Python interpreter that answered for itself. */
export interface Python {
  path: string;
  /** `[major, minor, micro]` as the interpreter reports it. */
  version: [number, number, number];
}

/** Where to look: PATH and the home folder (pyenv); the process's own by default. */
export interface PythonSearch {
  /** Lowest acceptable `[major, minor]`. */
  min: [number, number];
  path?: string;
  home?: string;
}

const VERSION_SCRIPT = 'import sys; print(*sys.version_info[:3])';
const PROBE_TIMEOUT_MS = 10_000;

export function formatVersion(version: readonly number[]): string {
  return version.join('.');
}

/** `version` is at least `[major, minor]`. */
export function atLeast(version: readonly number[], min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version;
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/** The interpreter's own version, or undefined when it does not run (a pyenv shim for a version not selected, say). */
export async function probePython(path: string): Promise<Python | undefined> {
  try {
    const { stdout } = await run(path, ['-c', VERSION_SCRIPT], { timeout: PROBE_TIMEOUT_MS });
    const parts = stdout.trim().split(' ').map(Number);
    if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n))) return undefined;
    return { path, version: parts as [number, number, number] };
  } catch {
    return undefined;
  }
}

/** Minor versions worth trying, newest first, from `min` up to 3.13 (or `min` itself when newer). */
function minorsFrom(min: [number, number]): number[] {
  const newest = Math.max(13, min[1]);
  return Array.from({ length: newest - min[1] + 1 }, (_, i) => newest - i);
}

/** Candidate paths in the order they are tried: `python3.N` on PATH (newest first), `python3`, then pyenv's versions. */
export function pythonCandidates(search: PythonSearch): string[] {
  const minors = minorsFrom(search.min);
  const dirs = (search.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const names = [...minors.map((m) => `python3.${m}`), 'python3'];
  const onPath = names.flatMap((name) => dirs.map((dir) => join(dir, name)));
  const versionsDir = join(search.home ?? homedir(), '.pyenv', 'versions');
  let pyenv: string[] = [];
  try {
    pyenv = readdirSync(versionsDir)
      .map((name) => ({ name, parts: name.split('.').map(Number) }))
      .filter(({ parts }) => parts.length === 3 && parts.every(Number.isInteger) && parts[0] === 3 && atLeast(parts, search.min))
      .sort((a, b) => b.parts[1]! - a.parts[1]! || b.parts[2]! - a.parts[2]!)
      .map(({ name, parts }) => join(versionsDir, name, 'bin', `python3.${parts[1]}`));
  } catch {
    // no pyenv
  }
  return [...onPath, ...pyenv];
}

/**
 * The first Python at least `search.min` that really runs: PATH's `python3.N` (newest first) and
 * `python3`, then `~/.pyenv/versions/3.N.*`. Pyenv's shims exist on PATH for versions that are not
 * selected and fail when run; they are probed, not trusted.
 */
export async function findPython(search: PythonSearch): Promise<Python | undefined> {
  for (const candidate of pythonCandidates(search)) {
    const python = await probePython(candidate);
    if (python && atLeast(python.version, search.min)) return python;
  }
  return undefined;
}
