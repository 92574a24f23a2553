import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PATRONI_PIN, patroniProgram } from './install.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function venv(requirements: string | undefined, executable = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'fd-patroni-venv-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'patroni'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'patroni'), executable ? 0o755 : 0o644);
  if (requirements !== undefined) writeFileSync(join(dir, 'faildrill-requirements.txt'), `${requirements}\n`);
  return dir;
}

describe('the pinned Patroni', () => {
  it('is found only in a venv installed with the pinned requirements', () => {
    const good = venv(PATRONI_PIN.requirements.join('\n'));
    expect(patroniProgram(good)).toBe(join(good, 'bin', 'patroni'));
    // Debian's 3.0.2 (patroni#2689) or any other version is not the pin
    expect(patroniProgram(venv('patroni[etcd3,psycopg2-binary]==3.0.2'))).toBeUndefined();
    expect(patroniProgram(venv(undefined))).toBeUndefined();
    expect(patroniProgram(venv(PATRONI_PIN.requirements.join('\n'), false))).toBeUndefined();
    expect(patroniProgram(join(tmpdir(), 'fd-no-such-venv'))).toBeUndefined();
  });

  it('is a release with the etcd3 leader-key fix (≥ 3.0.3, patroni#2689), and npm test installs the same pin', () => {
    const [major, minor, patch] = PATRONI_PIN.version.split('.').map(Number) as [number, number, number];
    expect(major * 10_000 + minor * 100 + patch).toBeGreaterThanOrEqual(30_003);
    expect(PATRONI_PIN.requirements[0]).toContain(`==${PATRONI_PIN.version}`);
    const setup = readFileSync(new URL('../../../../scripts/test-setup.mjs', import.meta.url), 'utf8');
    expect(setup).toContain(`dir: '${PATRONI_PIN.dir}'`);
    for (const r of PATRONI_PIN.requirements) expect(setup).toContain(`'${r}'`);
  });
});
