import { describe, expect, it } from 'vitest';
import { confString, conninfo, passfileText, PG_PORT, PG_REPLICATION_USER, pgHbaConf, postgresqlConf, primaryConninfo, type PgNodeConfig } from './config.js';

const base: PgNodeConfig = {
  id: 'db-b',
  tag: 'a1b2c3',
  listenAddress: '198.18.7.102',
  subnet: '198.18.7.0/24',
  socketDir: "/run/faildrill/r'1/pg/s1",
  passfile: '/run/faildrill/r1/pg/pgpass',
};

/** `key = value` lines of a postgresql.conf, as PostgreSQL reads them (comments dropped). */
function settings(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => {
        const [key, ...rest] = l.split('=');
        return [key!.trim(), rest.join('=').trim()];
      }),
  );
}

describe('PostgreSQL configuration of a node', () => {
  it('listens on the node address only, with streaming replication and pg_rewind enabled (PostgreSQL docs: wal_level replica, wal_log_hints)', () => {
    const conf = settings(postgresqlConf(base));
    expect(conf.get('listen_addresses')).toBe("'198.18.7.102'");
    expect(conf.get('port')).toBe(String(PG_PORT));
    expect(conf.get('unix_socket_directories')).toBe("'/run/faildrill/r''1/pg/s1'");
    expect(conf.get('wal_level')).toBe('replica');
    expect(conf.get('wal_log_hints')).toBe('on');
    expect(conf.get('hot_standby')).toBe('on');
    expect(conf.get('cluster_name')).toBe("'fd-a1b2c3-db-b'");
    // a primary with asynchronous replication waits for nobody and streams from nobody
    expect(conf.get('synchronous_standby_names')).toBe("''");
    expect(conf.has('primary_conninfo')).toBe(false);
  });

  it('names the standby, double-quoted, when replication is synchronous', () => {
    const conf = settings(postgresqlConf({ ...base, id: 'db-a', synchronousStandby: 'db-b' }));
    expect(conf.get('synchronous_commit')).toBe('on');
    expect(conf.get('synchronous_standby_names')).toBe(`'"db-b"'`);
  });

  it('gives a standby primary_conninfo with the replication role, the password file and its id as application_name', () => {
    const conf = settings(postgresqlConf({ ...base, primaryHost: '198.18.7.101' }));
    const info = primaryConninfo(base, '198.18.7.101');
    expect(conf.get('primary_conninfo')).toBe(confString(info));
    expect(info).toBe(`host=198.18.7.101 port=5432 user=${PG_REPLICATION_USER} passfile=/run/faildrill/r1/pg/pgpass application_name=db-b connect_timeout=2`);
  });

  it('quotes libpq values that need it', () => {
    expect(conninfo({ host: '/a b', password: "it's" })).toBe("host='/a b' password='it\\'s'");
  });

  it('trusts only the Unix socket; TCP only from the run subnet, with SCRAM', () => {
    const hba = pgHbaConf(base)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/));
    expect(hba).toEqual([
      ['local', 'all', 'all', 'trust'],
      ['host', 'replication', PG_REPLICATION_USER, '198.18.7.0/24', 'scram-sha-256'],
      ['host', 'all', 'all', '198.18.7.0/24', 'scram-sha-256'],
    ]);
  });

  it('writes the password file with : and \\ escaped (libpq: The Password File)', () => {
    expect(passfileText({ postgres: 'a:b\\c' })).toBe('*:5432:*:postgres:a\\:b\\\\c\n');
  });
});
