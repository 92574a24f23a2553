import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Runs from the repository append their history here, not to its reports/; runs elsewhere keep the default. */
const historyFile = join(tmpdir(), `faildrill-test-history-${process.pid}.jsonl`);
const bin = join(repoRoot, 'bin/faildrill.js');

/** Every temporary folder and file of this test file. */
const created: string[] = [historyFile];
/**
 * Removes them after the test file (vitest's workers end without a process `exit` event, so that
 * alone left a folder per test behind) and, for anything created later, when the process exits.
 */
function removeCreated(): void {
  for (const path of created.splice(0)) rmSync(path, { recursive: true, force: true });
  created.push(historyFile);
}
afterAll(removeCreated);
process.on('exit', removeCreated);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `faildrill` binary (npm test builds first) and captures everything it printed. */
export function faildrill(args: string[], cwd = repoRoot): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: cliEnv(cwd) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cliEnv = (cwd: string): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: '1', ...(cwd === repoRoot ? { FAILDRILL_HISTORY: historyFile } : {}) });

/**
 * {@link faildrill} without blocking the test's worker: for runs that take long or come in a loop (a
 * worker whose event loop is held a minute loses its line to vitest: "Timeout calling onTaskUpdate").
 * Killed outright (SIGKILL) after `timeoutMs`; `signal` says so.
 */
export function faildrillAsync(args: string[], options: { cwd?: string; nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  const cwd = options.cwd ?? repoRoot;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { cwd, env: cliEnv(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'faildrill-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes `text` to `name` in a fresh temporary folder and returns its path. */
export function tempFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

/** Runs the built `faildrill` binary without blocking (a drill on a real target takes its wall time); resolves with its exit code and everything it printed. */
export function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
