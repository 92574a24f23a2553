import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingEmulators } from './preflight.js';
import { LOCALSTACK_VENV, MOTO_VENV } from './venv.js';

const root = mkdtempSync(join(tmpdir(), 'faildrill-preflight-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('missingEmulators', () => {
  it('names each absent venv once, with the setup command that installs it', async () => {
    const missing = await missingEmulators(['moto', 'localstack', 'moto'], { FAILDRILL_CACHE: root });
    expect(missing.map((m) => m.name)).toEqual([`moto ${MOTO_VENV.version} virtualenv`, `localstack-core ${LOCALSTACK_VENV.version} virtualenv`]);
    expect(missing.map((m) => m.install)).toEqual(['run `npx faildrill setup aws`', 'run `npx faildrill setup aws --localstack`']);
    expect(missing[1]!.why).toContain('--aws localstack');
  });

  it('asks for nothing when no emulator is wanted (real AWS)', async () => {
    expect(await missingEmulators([], { FAILDRILL_CACHE: root })).toEqual([]);
  });
});
