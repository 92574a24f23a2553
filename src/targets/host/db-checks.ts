import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthProbePort } from '../../controller/ports.js';
import type { DbCheckLogin } from './db-prober.js';
import { HostProbePort } from './ports.js';
import { PG_PORT } from './postgres/config.js';
import { NsProcess } from './process.js';
import { programFile } from './programs/locate.js';
import type { HostPlan } from './topology.js';

/** The compiled program of the controller's PostgreSQL checks (`db-prober.ts`). */
export const DB_PROBER_PROGRAM = 'targets/host/db-prober';

/**
 * The controller's health checks of the database members, from the controller's namespace: a
 * `db-prober` process (TCP connect, login, `SELECT 1` within the check's timeout) speaking the HTTP
 * prober's line protocol, so that {@link HostProbePort} drives it. The login is written to a file of
 * the run's folder (root's, 0600), never onto a command line.
 */
export function startDbChecks(plan: HostPlan, login: DbCheckLogin, lifetimeMs: number, track: (pid: number) => void): { process: NsProcess; port: HostProbePort } {
  const loginFile = join(plan.dir, 'db-check-login.json');
  writeFileSync(loginFile, JSON.stringify(login), { mode: 0o600 });
  const prober = new NsProcess({
    ns: plan.controller.ns,
    role: 'db-prober',
    command: process.execPath,
    args: [programFile(DB_PROBER_PROGRAM), String(lifetimeMs), loginFile],
    stdin: true,
    logFile: join(plan.dir, 'db-prober.log'),
  });
  if (prober.pid) track(prober.pid);
  const port = new HostProbePort(prober, (endpoint) => {
    const host = plan.servers.get(endpoint);
    return host ? `postgres://${host.ip}:${PG_PORT}` : undefined;
  });
  return { process: prober, port };
}

/** One probe port for the controller: database members through the PostgreSQL checks, every other endpoint over HTTP. */
export function routedProbePort(http: HealthProbePort, database: HealthProbePort, isDatabaseMember: (endpoint: string) => boolean): HealthProbePort {
  return {
    probe: (endpoint, request) => (isDatabaseMember(endpoint) ? database.probe(endpoint, request) : http.probe(endpoint, request)),
  };
}
