import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Runs from the repository append their history here, not to its reports/; runs elsewhere keep the default. */
const historyFile = join(tmpdir(), `faildrill-test-history-${process.pid}.jsonl`);
const bin = join(repoRoot, 'bin/faildrill.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `faildrill` binary (npm test builds first) and captures everything it printed. */
export function faildrill(args: string[], cwd = repoRoot): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...(cwd === repoRoot ? { FAILDRILL_HISTORY: historyFile } : {}) } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'faildrill-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `text` to `name` in a fresh temporary folder and returns its path. */
export function tempFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}
