import { stringify } from 'yaml';
import type { PatroniSettings } from './settings.js';

/** Patroni's REST API port (its documented default, `restapi.listen: …:8008`). */
export const PATRONI_REST_PORT = 8008;
/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;
/** etcd's client port (IANA-assigned). */
export const ETCD_CLIENT_PORT = 2379;
/** etcd's peer port; a one-member cluster keeps it on the loopback of its namespace. */
export const ETCD_PEER_PORT = 2380;

/** Role names and passwords of one run's cluster (fresh for each run). */
export interface PatroniCredentials {
  superuser: { username: string; password: string };
  replication: { username: string; password: string };
}

/** Where one Patroni node lives: its folder (owned by postgres) and the files in it. */
export interface PatroniNodePaths {
  dir: string;
  config: string;
  dataDir: string;
  socketDir: string;
  pgpass: string;
}

/** Everything one node's configuration is made of. */
export interface PatroniNodeInput {
  settings: PatroniSettings;
  /** The Patroni `scope` (cluster name): the run's tag. */
  scope: string;
  name: string;
  ip: string;
  /** `198.18.37.0/24`: the only network pg_hba lets in. */
  subnet: string;
  etcdHost: string;
  paths: PatroniNodePaths;
  binDir: string;
  credentials: PatroniCredentials;
}

const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * A node's Patroni configuration (Patroni "YAML Configuration Settings"): scope and name, the REST
 * API and PostgreSQL on the node's address, etcd through its v3 API (`etcd3`: etcd 3.4 serves the
 * v2 API only with --enable-v2, which is off by default), `bootstrap.dcs` with the scenario's
 * timings and `use_pg_rewind` so that a failed leader can rejoin as a replica, and pg_hba letting in
 * the node's own socket and the run's subnet only. The Unix socket sits in the node's folder: two
 * runs (or a plain PostgreSQL node of another run) on port 5432 never share /var/run/postgresql.
 */
export function patroniConfig(input: PatroniNodeInput): Record<string, unknown> {
  const { settings, paths, credentials } = input;
  return {
    scope: input.scope,
    name: input.name,
    restapi: { listen: `${input.ip}:${PATRONI_REST_PORT}`, connect_address: `${input.ip}:${PATRONI_REST_PORT}` },
    etcd3: { hosts: `${input.etcdHost}:${ETCD_CLIENT_PORT}`, protocol: 'http' },
    bootstrap: {
      dcs: {
        ttl: seconds(settings.ttlMs),
        loop_wait: seconds(settings.loopWaitMs),
        retry_timeout: seconds(settings.retryTimeoutMs),
        maximum_lag_on_failover: settings.maximumLagOnFailoverBytes,
        synchronous_mode: settings.synchronous,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            wal_log_hints: 'on',
            max_wal_senders: 5,
            max_replication_slots: 5,
            max_connections: 50,
            shared_buffers: '16MB',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'data-checksums'],
    },
    postgresql: {
      listen: `${input.ip}:${POSTGRES_PORT}`,
      connect_address: `${input.ip}:${POSTGRES_PORT}`,
      // Patroni talks to its own PostgreSQL over the socket: a network fault on the node's address
      // cuts it from the others, not from itself (as on a real host)
      use_unix_socket: true,
      data_dir: paths.dataDir,
      bin_dir: input.binDir,
      pgpass: paths.pgpass,
      authentication: {
        superuser: credentials.superuser,
        replication: credentials.replication,
      },
      parameters: { unix_socket_directories: paths.socketDir },
      pg_hba: [
        // the socket's folder is the node's (postgres's, 0700): root and postgres alone reach it, as for
        // faildrill's own PostgreSQL nodes, and faildrill reads the write log over it without a password
        'local all all trust',
        `host replication ${credentials.replication.username} ${input.subnet} scram-sha-256`,
        `host all all ${input.subnet} scram-sha-256`,
      ],
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/** The configuration as Patroni reads it. */
export function patroniYaml(input: PatroniNodeInput): string {
  return stringify(patroniConfig(input), { lineWidth: 0 });
}

/** Where the run's one etcd member lives. */
export interface EtcdInput {
  name: string;
  ip: string;
  dataDir: string;
  /** `--initial-cluster-token`: the run's tag. */
  token: string;
}

/**
 * etcd's command line: one member, clients on the namespace's address, peers on its loopback, the
 * zap logger at warn level (capnslog, 3.4's default, is deprecated).
 */
export function etcdArgs(input: EtcdInput): string[] {
  const client = `http://${input.ip}:${ETCD_CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
  return [
    '--name', input.name,
    '--data-dir', input.dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${input.name}=${peer}`,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', input.token,
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}
