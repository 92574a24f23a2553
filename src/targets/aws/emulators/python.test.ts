import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython, probePython, pythonCandidates } from './python.js';

const root = mkdtempSync(join(tmpdir(), 'faildrill-python-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An executable that answers the version probe like a Python of `version` would. */
function fakePython(path: string, version: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho ${version.split('.').join(' ')}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Like pyenv's shim for a version that is installed but not selected: present, exits 127. */
function brokenShim(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho "pyenv: python3.12: command not found" >&2\nexit 127\n');
  chmodSync(path, 0o755);
  return path;
}

describe('findPython', () => {
  const shims = join(root, 'shims');
  const bin = join(root, 'bin');
  const home = join(root, 'home');
  brokenShim(join(shims, 'python3.12'));
  brokenShim(join(shims, 'python3.13'));
  fakePython(join(bin, 'python3'), '3.11.7');
  fakePython(join(home, '.pyenv/versions/3.12.1/bin/python3.12'), '3.12.1');
  fakePython(join(home, '.pyenv/versions/3.13.0/bin/python3.13'), '3.13.0');
  fakePython(join(home, '.pyenv/versions/3.10.13/bin/python3.10'), '3.10.13');
  const path = [shims, bin].join(':');

  it('skips shims that do not run and finds the newest pyenv version at or above the minimum', async () => {
    const python = await findPython({ min: [3, 12], path, home });
    expect(python).toEqual({ path: join(home, '.pyenv/versions/3.13.0/bin/python3.13'), version: [3, 13, 0] });
  });

  it('takes PATH python3 at 3.11 for moto (3.11 is enough, design.md §8)', async () => {
    const python = await findPython({ min: [3, 11], path, home });
    expect(python?.path).toBe(join(bin, 'python3'));
  });

  it('finds nothing when no interpreter meets the minimum', async () => {
    expect(await findPython({ min: [3, 14], path, home })).toBeUndefined();
  });

  it('never lists a pyenv version below the minimum', () => {
    expect(pythonCandidates({ min: [3, 12], path: '', home })).toEqual([
      join(home, '.pyenv/versions/3.13.0/bin/python3.13'),
      join(home, '.pyenv/versions/3.12.1/bin/python3.12'),
    ]);
  });

  it('probes a broken interpreter as absent', async () => {
    expect(await probePython(join(shims, 'python3.12'))).toBeUndefined();
    expect(await probePython(join(root, 'nowhere/python3'))).toBeUndefined();
  });
});
