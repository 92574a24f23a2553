import { SeededRng } from '../../random/seeded-rng.js';
import { startDbChecks } from './db-checks.js';
import { HostDatabase, type HostDatabaseContext } from './db-layer.js';
import type { DbMember, DbMembers } from './db-member.js';
import { ControllerFailover } from './db-port.js';
import { databaseServices } from './db-services.js';
import { PatroniCluster } from './patroni/cluster.js';
import { PatroniFailover } from './patroni/failover.js';
import { PatroniMembers } from './patroni/member.js';
import { patroniSettings } from './patroni/settings.js';
import { PG_DATABASE, PG_SUPERUSER } from './postgres/config.js';
import { PgPair } from './postgres/pair.js';
import type { HostWorld } from './world.js';

/**
 * `setup.database` on the host, by who fails it over (`controller.layers.database`): the PostgreSQL
 * pair, the writes table, the pointer naming the primary, the write configuration of each client app,
 * service `postgres` on the members and the failover driver. Everything it starts is journaled; what
 * exists when it fails is the caller's to tear down.
 */
export async function setUpDatabase(world: HostWorld): Promise<void> {
  await (world.scenario.controller.layers.database === 'platform' ? setUpPatroni(world) : setUpControllerMode(world));
}

function databaseFor<M extends DbMember>(world: HostWorld, members: DbMembers<M>): HostDatabase<M> {
  const context: HostDatabaseContext<M> = {
    plan: world.plan,
    members,
    scenario: world.scenario,
    journal: world.journal,
    clock: world.clock,
    rng: new SeededRng(world.seed).fork('host.database'),
    emit: world.emit,
    lifetimeMs: world.lifetimeMs,
    track: (role, ns) => world.track(role, ns),
    keepalived: world.services.dbKeepalived,
    signal: world.signal,
  };
  return new HostDatabase(context);
}

/**
 * Our controller fails over: faildrill's own pair (primary by initdb, standby by pg_basebackup,
 * synchronous when the scenario says so, a WAL delay line when it has lag spikes), the controller's
 * driver and its PostgreSQL checks from the controller's namespace.
 */
async function setUpControllerMode(world: HostWorld): Promise<void> {
  const { plan, scenario, journal } = world;
  const spec = scenario.setup.database!;
  const spikes = spec.lagSpikes.length > 0 && spec.replication !== 'synchronous';
  const db = databaseFor(world, new PgPair(plan, spec, journal, spikes ? { walDelay: { lifetimeMs: world.lifetimeMs } } : {}));
  world.database = db;
  const failover = new ControllerFailover(db, {
    faulted: (server) => (world.faultsOn.get(server) ?? 0) > 0,
    nowMs: () => world.clock.nowMs(),
    onError: (message) => world.emit('db', 'error', { database: db.spec.id, message }),
  });
  world.dbFailover = failover;
  world.services.database = databaseServices(db, failover, world.signal);
  await db.setUp();
  const checks = startDbChecks(plan, { user: PG_SUPERUSER, password: db.pair.superuserPassword, database: PG_DATABASE }, world.lifetimeMs, world.track('db-prober', plan.controller.ns));
  world.dbProber = checks.process;
  world.dbProbePort = checks.port;
}

/** Patroni fails over (platform mode): etcd and Patroni on the members, watched by {@link PatroniFailover}. */
async function setUpPatroni(world: HostWorld): Promise<void> {
  const cluster = new PatroniCluster({ plan: world.plan, settings: patroniSettings(world.scenario), journal: world.journal, lifetimeMs: world.lifetimeMs, signal: world.signal });
  const members = new PatroniMembers(cluster);
  const db = databaseFor(world, members);
  world.database = db;
  const failover = new PatroniFailover(db, members, { nowMs: () => world.clock.nowMs(), emit: world.emit });
  world.dbFailover = failover;
  world.services.database = databaseServices(db, failover, world.signal);
  await db.setUp();
}
