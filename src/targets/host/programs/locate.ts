import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled file of a helper program, `relative` to the source root without extension
 * (`targets/host/programs/app-server`). Helpers run as `node <file>.js` inside a namespace, so they
 * always come from `dist/` (the build of `tsconfig.build.json`): beside this file when faildrill runs
 * from `dist/`, or the package's `dist/` when it runs from `src/` (vitest).
 */
export function programFile(relative: string): string {
  const here = fileURLToPath(import.meta.url);
  const codeRoot = resolve(dirname(here), '../../..');
  const distRoot = here.endsWith('.js') ? codeRoot : join(codeRoot, '..', 'dist');
  return join(distRoot, `${relative}.js`);
}

/** Every helper program the host target starts, by what it is for. */
export const HOST_PROGRAMS = {
  'app server': 'targets/host/programs/app-server',
  'health prober': 'targets/host/programs/prober',
  'open-loop load driver': 'load/open-loop-driver',
  'autocannon load driver': 'load/autocannon-driver',
  'arbiter relay': 'targets/host/arbiter-relay',
} as const;

/** Helper programs whose compiled file is missing (faildrill was not built). */
export function missingPrograms(): Array<{ what: string; file: string }> {
  return Object.entries(HOST_PROGRAMS)
    .map(([what, relative]) => ({ what, file: programFile(relative) }))
    .filter((p) => !existsSync(p.file));
}
