import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Lifetime guards of the helper programs: each one exits when the run that started it goes away
 * and after a lifetime it is given, so that no helper outlives its run.
 */

/** Exits as soon as the parent process is gone (the process is re-parented: `ppid` changes). */
export function exitWithParent(checkIntervalMs = 500): void {
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) process.exit(0);
  }, checkIntervalMs).unref();
}

/** Exits after `lifetimeMs`, whatever it is doing then. */
export function boundLifetime(lifetimeMs: number): void {
  setTimeout(() => process.exit(0), Math.max(0, lifetimeMs)).unref();
}

/** Whether the module at `moduleUrl` is the program node was started with (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** A number argument of a program, or an error naming it. */
export function numberArg(value: string | undefined, name: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n)) throw new Error(`${name}: expected a number, got ${JSON.stringify(value)}`);
  return n;
}
