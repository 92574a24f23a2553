import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { Missing } from '../../run/target.js';
import type { Scenario } from '../../scenario/schema.js';
import { missingPrograms, programFile } from './programs/locate.js';
import { patroniRequirements } from './patroni/requirements.js';
import { DB_PROBER_PROGRAM } from './db-checks.js';
import { DNS_SERVER_PROGRAM } from './db-endpoint/dns.js';
import { pgProgram } from './postgres/bin.js';
import { PG_OS_USER, postgresIds } from './postgres/folders.js';
import { WAL_RELAY_PROGRAM } from './postgres/wal-delay.js';

/** A program on PATH (or in the sbin folders root's PATH usually has). */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** One thing a host run needs, and whether this machine has it. */
export interface Requirement extends Missing {
  present: () => boolean;
}

/** What a scenario needs on this machine to run on the host target. */
export function hostRequirements(scenario: Scenario): Requirement[] {
  const program = (name: string, pkg: string, why: string): Requirement => ({
    name,
    why,
    present: () => findProgram(name) !== undefined,
    install: `apt-get install ${pkg}`,
  });
  const reqs: Requirement[] = [
    {
      name: 'root',
      why: 'network namespaces, iptables and keepalived',
      present: () => process.getuid?.() === 0,
      install: 'run as root (sudo)',
    },
    program('ip', 'iproute2', 'network namespaces, veth pairs, the bridge'),
    program('iptables', 'iptables', 'network faults'),
  ];
  const vrrp = [...(scenario.setup.vip ? ['setup.vip'] : []), ...(scenario.setup.database?.endpoint.mode === 'vip' ? ['setup.database.endpoint.mode vip'] : [])];
  if (vrrp.length > 0) reqs.push(program('keepalived', 'keepalived', `${vrrp.join(' and ')} (VRRP)`));
  if (scenario.setup.loadBalancer) reqs.push(program('nginx', 'nginx', 'setup.loadBalancer (nginx upstreams)'));
  if (scenario.setup.database) reqs.push(...databaseRequirements());
  reqs.push(...patroniRequirements(scenario, findProgram));
  reqs.push({
    name: 'autocannon',
    why: 'client load',
    present: () => {
      try {
        createRequire(import.meta.url).resolve('autocannon');
        return true;
      } catch {
        return false;
      }
    },
    install: 'npm install',
  });
  reqs.push({
    name: '/run/netns support',
    why: 'ip netns',
    present: () => existsSync('/proc/self/ns/net'),
    install: 'a kernel with network namespaces',
  });
  reqs.push({
    name: 'compiled helper programs',
    why: 'the app server, prober and load driver run as node programs from dist/',
    present: () => missingPrograms().length === 0,
    install: 'npm run build',
  });
  return reqs;
}

/** What `setup.database` needs: PostgreSQL's server programs, its OS user, setpriv, and the compiled database helpers. */
function databaseRequirements(): Requirement[] {
  const present = (check: () => unknown) => () => {
    try {
      check();
      return true;
    } catch {
      return false;
    }
  };
  return [
    {
      name: 'PostgreSQL server programs (postgres, initdb, pg_basebackup, pg_rewind, psql)',
      why: 'setup.database: the primary and the streaming standby (psql: the writer check of endpoint mode vip)',
      present: present(() => accessSync(pgProgram('psql'), constants.X_OK)),
      install: 'apt-get install postgresql',
    },
    { name: `the '${PG_OS_USER}' user`, why: 'PostgreSQL refuses to run as root', present: present(postgresIds), install: 'apt-get install postgresql' },
    { name: 'setpriv', why: 'runs PostgreSQL as its user inside a namespace', present: () => findProgram('setpriv') !== undefined, install: 'apt-get install util-linux' },
    {
      name: 'compiled database helpers',
      why: 'the PostgreSQL checks, the WAL delay line and the writer\'s DNS server (endpoint mode dns) run as node programs from dist/',
      present: () => [DB_PROBER_PROGRAM, WAL_RELAY_PROGRAM, DNS_SERVER_PROGRAM].every((p) => existsSync(programFile(p))),
      install: 'npm run build',
    },
  ];
}

/** What this machine lacks to run `scenario` on the host target (empty when nothing). Touches nothing. */
export function missingForHost(scenario: Scenario): Missing[] {
  return hostRequirements(scenario)
    .filter((r) => !r.present())
    .map(({ name, why, install }) => ({ name, why, install }));
}
