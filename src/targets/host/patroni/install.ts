import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Patroni faildrill runs: a PyPI release in a virtualenv of its own, not Debian's 3.0.2, whose
 * etcd3 client rewrites the leader key unconditionally — a leader frozen mid-loop takes the key back
 * from the replica Patroni promoted meanwhile (patroni/patroni#2689, fixed in 3.0.3). The venv is
 * made from the system Python (`/usr/bin/python3`) under /opt, since Patroni runs as the `postgres`
 * account, which can reach neither root's home nor a pyenv build in it.
 */
export const PATRONI_PIN = {
  version: '4.1.5',
  /** etcd3: its DCS module (python-etcd); psycopg2-binary: its PostgreSQL driver. */
  requirements: ['patroni[etcd3,psycopg2-binary]==4.1.5'],
  dir: '/opt/faildrill/patroni-4.1.5',
  python: '/usr/bin/python3',
} as const;

/** The command that installs the pinned Patroni (what `npm test` runs as root when it is missing). */
export const PATRONI_INSTALL_COMMAND = `${PATRONI_PIN.python} -m venv ${PATRONI_PIN.dir} && ${PATRONI_PIN.dir}/bin/pip install '${PATRONI_PIN.requirements.join("' '")}' (Debian: apt-get install python3-venv)`;

/** The pinned `patroni` program, when its venv holds the pinned version; undefined otherwise. */
export function patroniProgram(dir: string = PATRONI_PIN.dir, version: string = PATRONI_PIN.version): string | undefined {
  const program = join(dir, 'bin', 'patroni');
  try {
    accessSync(program, constants.X_OK);
  } catch {
    return undefined;
  }
  return installedVersion(dir) === version ? program : undefined;
}

/** The Patroni version the venv was installed with, as the installer recorded its requirements. */
function installedVersion(dir: string): string | undefined {
  try {
    const record = readFileSync(join(dir, 'faildrill-requirements.txt'), 'utf8');
    return /patroni\[[^\]]*\]==([\w.]+)/.exec(record)?.[1];
  } catch {
    return undefined;
  }
}
