import type { DatabaseFailover } from './db-port.js';
import type { HostDatabase } from './db-layer.js';
import type { DatabaseServices } from './services.js';

/**
 * The database layer as the host's services see it: client apps get their write configuration and
 * report their rows to the write log; service `postgres` on a member is its postmaster (and WAL delay
 * line) — stopped immediately (a crash as far as the data goes), started again by the failover driver
 * (a fenced member only through its rejoin; not after an interrupt), frozen and thawed with all its
 * processes.
 */
export function databaseServices(db: HostDatabase, failover: DatabaseFailover, signal: AbortSignal): DatabaseServices {
  const node = (server: string) => {
    const found = db.pair.node(server);
    if (!found) throw new Error(`${server} runs no PostgreSQL (not a member of ${db.spec.id})`);
    return found;
  };
  return {
    appArgs: (server) => db.appArgs(server),
    appStarted: (server, app) => db.appStarted(server, app),
    appLine: (server, line) => db.appLine(server, line),
    has: (server) => db.members.includes(server),
    stop: (server, onSignalled) => node(server).stop('immediate', onSignalled),
    // interrupted, the run is torn down next: nothing to start again
    start: async (server) => (signal.aborted ? undefined : failover.restart(server)),
    pids: (server) => node(server).processes(),
  };
}
