import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { hostRequirements } from './preflight.js';

const scenario = (database: string, mode = 'controller') =>
  parseScenario(
    ['name: pre', 'duration: 30s', 'setup:', '  servers: [{ id: app-1 }, { id: db-a }, { id: db-b }]', database, `controller: { layers: { database: ${mode} } }`, 'load: { rate: 1, clients: 1 }', ''].join('\n'),
    'pre.yaml',
  ).scenario;

describe('what the host target needs for a database', () => {
  it("asks for PostgreSQL's server programs, its user, setpriv and the compiled database helpers only when the scenario has setup.database", () => {
    const names = (yaml: string) => hostRequirements(scenario(yaml)).map((r) => r.name);
    const withDb = names('  database: { engine: postgres-streaming, primary: db-a, standby: db-b }');
    const without = names('  dns: { record: a.example, primary: app-1, secondary: db-a }');
    const added = withDb.filter((n) => !without.includes(n));
    expect(added).toEqual(['PostgreSQL server programs (postgres, initdb, pg_basebackup, pg_rewind, psql)', "the 'postgres' user", 'setpriv', 'compiled database helpers']);
    // platform mode (Patroni) adds Patroni's own: patroni, etcd and its relay
    const platform = hostRequirements(scenario('  database: { engine: postgres-streaming, primary: db-a, standby: db-b }', 'platform')).map((r) => r.name);
    expect(platform.filter((n) => !withDb.includes(n))).toEqual(expect.arrayContaining(['patroni', 'etcd', 'compiled Patroni relay']));
    const pg = hostRequirements(scenario('  database: { engine: postgres-streaming, primary: db-a, standby: db-b }')).find((r) => r.name.startsWith('PostgreSQL'))!;
    expect(pg.install).toBe('apt-get install postgresql');
  });
});
