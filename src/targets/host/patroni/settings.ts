import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { patroniTimingsOf, type PatroniTimings } from '../../../scenario/patroni.js';
import type { DatabaseSpec, Scenario } from '../../../scenario/schema.js';

// the timings and the bound are the simulator's and explain's too: one definition, in src/scenario
export { failoverBoundMs, type PatroniTimings } from '../../../scenario/patroni.js';

/** What a Patroni cluster of one run is configured with, derived from the scenario. */
export interface PatroniSettings extends PatroniTimings {
  /** The database id (events name it); the Patroni `scope` is the run's tag. */
  database: string;
  primary: string;
  standby: string;
  /** `setup.database.replication: synchronous` → Patroni `synchronous_mode` (asynchronous when the key is absent). */
  synchronous: boolean;
  /** Patroni's `maximum_lag_on_failover` (bytes): its default, 1 MiB (dynamic configuration docs). */
  maximumLagOnFailoverBytes: number;
}

const MAXIMUM_LAG_ON_FAILOVER_BYTES = 1_048_576;

/** The database spec of a Patroni scenario, or an error saying what is missing. */
export function patroniDatabase(scenario: Scenario): DatabaseSpec {
  const db = scenario.setup.database;
  if (!db || db.engine !== 'postgres-streaming') throw new Error('Patroni needs setup.database with engine postgres-streaming');
  if (scenario.controller.layers.database !== 'platform') throw new Error('Patroni runs with controller.layers.database: platform');
  return db;
}

/**
 * Whether the scenario asks for synchronous replication. `setup.database.replication` comes from the
 * plain-PostgreSQL work of issue 11; until the schema has it, every scenario is asynchronous.
 */
export function wantsSynchronous(db: DatabaseSpec): boolean {
  return 'replication' in db && db.replication === 'synchronous';
}

/** The Patroni settings of a scenario (defaults: Patroni's, `PATRONI_DEFAULTS`). */
export function patroniSettings(scenario: Scenario): PatroniSettings {
  const db = patroniDatabase(scenario);
  const timings = patroniTimingsOf(db);
  return {
    database: db.id,
    primary: db.primary,
    standby: db.standby,
    ttlMs: timings.ttlMs,
    loopWaitMs: timings.loopWaitMs,
    retryTimeoutMs: timings.retryTimeoutMs,
    synchronous: wantsSynchronous(db),
    maximumLagOnFailoverBytes: MAXIMUM_LAG_ON_FAILOVER_BYTES,
  };
}

/**
 * The folder of PostgreSQL's server programs: `pg_config --bindir` when it holds `postgres`, else the
 * highest `/usr/lib/postgresql/<version>/bin` that does (Debian installs one folder per version).
 */
export function postgresBinDir(root = '/usr/lib/postgresql'): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
    if (dir && existsSync(join(dir, 'postgres'))) return dir;
  } catch {
    // no pg_config: look under root
  }
  return highestBinDir(root);
}

/** The highest `<root>/<version>/bin` that holds `postgres`. */
export function highestBinDir(root: string): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}
