import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian installs each PostgreSQL major version: `/usr/lib/postgresql/<major>/bin`. */
export const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** The PostgreSQL server programs are missing: the host target's database cannot run here. */
export class PgNotInstalledError extends Error {
  readonly code = 'postgres.not-installed';
  constructor() {
    super(`no PostgreSQL server found (pg_config --bindir, ${DEBIAN_PG_ROOT}/<version>/bin): install the Debian package 'postgresql'`);
    this.name = 'PgNotInstalledError';
  }
}

/** The highest major version among Debian's version folders (`15`, `16`, …); undefined when none is numeric. */
export function highestVersion(names: readonly string[]): string | undefined {
  const versions = names.filter((n) => /^\d+(\.\d+)?$/.test(n)).sort((a, b) => Number(b) - Number(a));
  return versions[0];
}

/** Whether `dir` holds the server programs faildrill runs. */
function serverBinDir(dir: string): boolean {
  return ['postgres', 'initdb', 'pg_basebackup', 'pg_rewind'].every((p) => existsSync(join(dir, p)));
}

let cached: string | undefined;

/**
 * The folder of the PostgreSQL server programs: `pg_config --bindir` when it names one that holds the
 * server, else the highest version under /usr/lib/postgresql (Debian's pg_config belongs to the
 * client package and may point at /usr/bin). Never a hard-coded version.
 */
export function pgBinDir(): string {
  if (cached) return cached;
  let fromConfig: string | undefined;
  try {
    fromConfig = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    fromConfig = undefined;
  }
  if (fromConfig && serverBinDir(fromConfig)) return (cached = fromConfig);
  const version = existsSync(DEBIAN_PG_ROOT) ? highestVersion(readdirSync(DEBIAN_PG_ROOT).filter((v) => serverBinDir(join(DEBIAN_PG_ROOT, v, 'bin')))) : undefined;
  if (!version) throw new PgNotInstalledError();
  return (cached = join(DEBIAN_PG_ROOT, version, 'bin'));
}

/** The path of one PostgreSQL program (`postgres`, `initdb`, `pg_rewind`, …). */
export function pgProgram(name: string): string {
  return join(pgBinDir(), name);
}
