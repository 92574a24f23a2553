import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorMissingError } from './errors.js';
import { LOCALSTACK_VENV, MOTO_VENV, basePython, ensureVenv, requireVenv, venvDir, venvStatus, type VenvSpec } from './venv.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function cache(): NodeJS.ProcessEnv {
  const root = mkdtempSync(join(tmpdir(), 'faildrill-venv-'));
  roots.push(root);
  return { FAILDRILL_CACHE: root, PATH: '', HOME: join(root, 'home') };
}

/**
 * A venv whose `bin/python` answers the version probes like a real one holding `installed`; any other
 * command (pip) fails loudly, so a test that reaches pip shows it.
 */
function fakeVenv(spec: VenvSpec, env: NodeJS.ProcessEnv, python: string, installed: string | undefined, recorded?: string): void {
  const dir = venvDir(spec, env);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const metadata = installed ? `echo ${installed}` : 'echo "PackageNotFoundError" >&2; exit 1';
  writeFileSync(
    join(dir, 'bin/python'),
    `#!/bin/sh\ncase "$2" in\n  *version_info*) echo ${python.split('.').join(' ')} ;;\n  *importlib.metadata*) ${metadata} ;;\n  *) echo "unexpected: $*" >&2; exit 9 ;;\nesac\n`,
  );
  chmodSync(join(dir, 'bin/python'), 0o755);
  if (recorded !== undefined) writeFileSync(join(dir, 'faildrill-requirements.txt'), recorded);
}

describe('venv', () => {
  it('lives under $FAILDRILL_CACHE/venvs, named by package and pin', () => {
    const env = cache();
    expect(venvDir(MOTO_VENV, env)).toBe(join(env.FAILDRILL_CACHE!, 'venvs', `moto-${MOTO_VENV.version}`));
    expect(venvDir(LOCALSTACK_VENV, env)).toBe(join(env.FAILDRILL_CACHE!, 'venvs', `localstack-${LOCALSTACK_VENV.version}`));
  });

  it('pins what design.md §8 names: moto[server] 5.2.5; localstack-core 4.14.0 with cbor2<6, pyopenssl<26, localstack-twisted<26, on Python ≥ 3.13 (its tagging module needs warnings.deprecated)', () => {
    expect(MOTO_VENV.requirements).toContain('moto[server]==5.2.5');
    expect(LOCALSTACK_VENV.requirements).toEqual(expect.arrayContaining(['cbor2<6', 'pyopenssl<26', 'localstack-twisted<26']));
    expect(LOCALSTACK_VENV.requirements.some((r) => r.startsWith('localstack-core') && r.endsWith('==4.14.0'))).toBe(true);
    expect(LOCALSTACK_VENV.minPython).toEqual([3, 13]);
  });

  it('a missing venv is the typed error naming `npx faildrill setup aws`, exit 3', async () => {
    const env = cache();
    const error = await requireVenv(MOTO_VENV, env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorMissingError);
    expect((error as EmulatorMissingError).exitCode).toBe(3);
    expect((error as EmulatorMissingError).message).toContain('`npx faildrill setup aws`');
    expect((error as EmulatorMissingError).message).toContain('no such virtualenv');
    const localstack = await requireVenv(LOCALSTACK_VENV, env).catch((e: EmulatorMissingError) => e.message);
    expect(localstack).toContain('`npx faildrill setup aws --localstack`');
  });

  it('a venv with another version installed is not usable and says which version it has', async () => {
    const env = cache();
    fakeVenv(MOTO_VENV, env, '3.11.7', '5.1.0');
    const status = await venvStatus(MOTO_VENV, env);
    expect(status).toMatchObject({ installed: '5.1.0', pythonVersion: '3.11.7', usable: false, current: false });
    await expect(requireVenv(MOTO_VENV, env)).rejects.toThrow(`moto 5.1.0 installed instead of ${MOTO_VENV.version}`);
  });

  it('a LocalStack venv on a Python below its minimum is not usable', async () => {
    const env = cache();
    fakeVenv(LOCALSTACK_VENV, env, '3.12.1', LOCALSTACK_VENV.version);
    expect(await venvStatus(LOCALSTACK_VENV, env)).toMatchObject({ pythonOk: false, usable: false });
    await expect(requireVenv(LOCALSTACK_VENV, env)).rejects.toThrow(`its Python is 3.12.1, localstack-core needs ≥ ${LOCALSTACK_VENV.minPython.join('.')}`);
  });

  it('the pinned version is usable; current only once installed with today’s requirements', async () => {
    const env = cache();
    fakeVenv(MOTO_VENV, env, '3.11.7', MOTO_VENV.version);
    expect(await venvStatus(MOTO_VENV, env)).toMatchObject({ usable: true, current: false });
    expect(await requireVenv(MOTO_VENV, env)).toBe(join(venvDir(MOTO_VENV, env), 'bin/python'));
    fakeVenv(MOTO_VENV, env, '3.11.7', MOTO_VENV.version, `${MOTO_VENV.requirements.join('\n')}\n`);
    expect(await venvStatus(MOTO_VENV, env)).toMatchObject({ usable: true, current: true });
  });

  it('ensureVenv leaves a current venv alone (the fake python fails any pip call)', async () => {
    const env = cache();
    fakeVenv(MOTO_VENV, env, '3.11.7', MOTO_VENV.version, `${MOTO_VENV.requirements.join('\n')}\n`);
    const lines: string[] = [];
    const result = await ensureVenv(MOTO_VENV, { env, onLine: (l) => lines.push(l) });
    expect(result).toMatchObject({ action: 'present', version: MOTO_VENV.version, pythonVersion: '3.11.7' });
    expect(lines).toEqual([]);
  });

  it('ensureVenv runs pip when the recorded requirements differ, and reports pip’s failure', async () => {
    const env = cache();
    fakeVenv(MOTO_VENV, env, '3.11.7', MOTO_VENV.version, 'moto[server]==5.0.0\n');
    const lines: string[] = [];
    await expect(ensureVenv(MOTO_VENV, { env, onLine: (l) => lines.push(l) })).rejects.toThrow('-m pip install');
    expect(lines.join('\n')).toContain('unexpected: -m pip install');
  });

  it('with no Python new enough, the error names the minimum and the fix', async () => {
    const env = cache();
    const error = await basePython(LOCALSTACK_VENV, env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorMissingError);
    expect((error as Error).message).toContain(`Python ≥ ${LOCALSTACK_VENV.minPython.join('.')}`);
    expect((error as Error).message).toContain('npx faildrill setup aws --localstack');
  });
});
