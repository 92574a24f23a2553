import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { etcdArgs, patroniYaml, type PatroniNodeInput } from './config.js';
import { nodePaths } from './node.js';

const input = (synchronous: boolean): PatroniNodeInput => ({
  settings: { database: 'db', primary: 'db-a', standby: 'db-b', ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 5_000, synchronous, maximumLagOnFailoverBytes: 1_048_576 },
  scope: 'a1b2c3',
  name: 'db-a',
  ip: '198.18.7.101',
  subnet: '198.18.7.0/24',
  etcdHost: '198.18.7.12',
  paths: nodePaths('/run/faildrill/r1', 'db-a'),
  binDir: '/usr/lib/postgresql/15/bin',
  credentials: { superuser: { username: 'postgres', password: 'p: "w#' }, replication: { username: 'replicator', password: 'r' } },
});

describe('patroniYaml', () => {
  it('says what the scenario says, in the units Patroni takes (seconds)', () => {
    const c = parse(patroniYaml(input(false)));
    expect(c.scope).toBe('a1b2c3');
    expect(c.name).toBe('db-a');
    expect(c.restapi).toEqual({ listen: '198.18.7.101:8008', connect_address: '198.18.7.101:8008' });
    expect(c.etcd3).toEqual({ hosts: '198.18.7.12:2379', protocol: 'http' });
    expect(c.bootstrap.dcs).toMatchObject({ ttl: 20, loop_wait: 2, retry_timeout: 5, maximum_lag_on_failover: 1_048_576, synchronous_mode: false });
    expect(c.bootstrap.dcs.postgresql.use_pg_rewind).toBe(true);
    expect(c.postgresql).toMatchObject({
      listen: '198.18.7.101:5432',
      connect_address: '198.18.7.101:5432',
      data_dir: '/run/faildrill/r1/patroni/db-a/data',
      bin_dir: '/usr/lib/postgresql/15/bin',
      parameters: { unix_socket_directories: '/run/faildrill/r1/patroni/db-a/socket' },
    });
    // a password with YAML's special characters survives the round trip
    expect(c.postgresql.authentication.superuser).toEqual({ username: 'postgres', password: 'p: "w#' });
    expect(c.postgresql.use_unix_socket).toBe(true);
    expect(c.postgresql.pg_hba).toEqual(['local all all trust', 'host replication replicator 198.18.7.0/24 scram-sha-256', 'host all all 198.18.7.0/24 scram-sha-256']);
  });

  it('turns synchronous replication into synchronous_mode', () => {
    expect(parse(patroniYaml(input(true))).bootstrap.dcs.synchronous_mode).toBe(true);
  });
});

describe('etcdArgs', () => {
  it('serves clients on the node address and keeps the peer port on loopback', () => {
    const args = etcdArgs({ name: 'dcs', ip: '198.18.7.12', dataDir: '/run/faildrill/r1/etcd', token: 'a1b2c3' });
    const opt = (name: string) => args[args.indexOf(name) + 1];
    expect(opt('--listen-client-urls')).toBe('http://198.18.7.12:2379');
    expect(opt('--advertise-client-urls')).toBe('http://198.18.7.12:2379');
    expect(opt('--listen-peer-urls')).toBe('http://127.0.0.1:2380');
    expect(opt('--initial-cluster')).toBe('dcs=http://127.0.0.1:2380');
    expect(opt('--data-dir')).toBe('/run/faildrill/r1/etcd');
    expect(opt('--initial-cluster-token')).toBe('a1b2c3');
  });
});
