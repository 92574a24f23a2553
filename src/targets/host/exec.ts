import { execFile } from 'node:child_process';

/** What a finished command printed. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A system command that failed: names the command line and what it printed. */
export class HostCommandError extends Error {
  constructor(
    readonly command: string[],
    readonly result: CommandResult,
  ) {
    const why = result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
    super(`${command.join(' ')}: ${why}${result.stderr.trim() ? `: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    this.name = 'HostCommandError';
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Runs a command to completion (bounded by `timeoutMs`); never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
      if (e && typeof e.code === 'string') {
        resolve({ code: 127, signal: null, stdout: stdout ?? '', stderr: `${stderr ?? ''}${e.message}` });
        return;
      }
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, signal: e?.signal ?? null, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}

/** Runs a command and throws {@link HostCommandError} unless it exits 0. */
export async function runOk(command: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) throw new HostCommandError([command, ...args], result);
  return result.stdout;
}

/** `ip netns exec <ns> <command> <args>`: the argument vector for `ip`. */
export function inNamespace(ns: string, command: string, args: readonly string[] = []): string[] {
  return ['netns', 'exec', ns, command, ...args];
}

/** Runs `command` inside network namespace `ns`; throws unless it exits 0. */
export function nsRunOk(ns: string, command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  return runOk('ip', inNamespace(ns, command, args), timeoutMs);
}

/** Resolves after `ms` (wall clock), without keeping the process alive on its own when `unref`. */
export function delay(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, Math.max(0, ms));
    if (unref) t.unref();
  });
}

/** Whether a process exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
