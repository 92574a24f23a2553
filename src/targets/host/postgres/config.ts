/** Journal role of a postmaster: `postgres:<server>` (`faildrill cleanup` stops these with SIGQUIT first). */
export const PG_ROLE_PREFIX = 'postgres:';
/** The port every node listens on, in its own namespace. */
export const PG_PORT = 5432;
/** The superuser faildrill administers the nodes with (and pg_rewind reads the source as). */
export const PG_SUPERUSER = 'postgres';
/** The role standbys stream WAL as. */
export const PG_REPLICATION_USER = 'faildrill_replicator';
/** The database the writes table lives in. */
export const PG_DATABASE = 'postgres';
/**
 * How often a standby reports its write/flush/replay positions (`wal_receiver_status_interval`,
 * default 10 s): the resolution of the lag figures in `pg_stat_replication` while the primary is idle.
 */
export const STATUS_INTERVAL_MS = 1_000;

/** What one node's configuration says. */
export interface PgNodeConfig {
  /** The server id: the standby's `application_name`, which `synchronous_standby_names` names. */
  id: string;
  /** The run's tag: `cluster_name` is `fd-<tag>-<id>`, so the node's processes say whose they are. */
  tag: string;
  /** The node's namespace address: the only TCP address it listens on. */
  listenAddress: string;
  /** `host:port` the node is reached at, as setting `faildrill.member_address` (an app writing through a VIP reads it back). */
  memberAddress?: string;
  /** The run's `/24`: the only network pg_hba.conf lets in. */
  subnet: string;
  /** Holds the node's Unix socket (inside the run's folder). */
  socketDir: string;
  /** The libpq password file (`host:port:db:user:password` lines) standbys and pg_rewind read. */
  passfile: string;
  /** Set on a primary with synchronous replication: commits wait until this standby flushed them. */
  synchronousStandby?: string;
  /** Set on a standby: the primary it streams from. */
  primaryHost?: string;
  /** The port it streams from (the primary's WAL delay line, or PostgreSQL's own). */
  primaryPort?: number;
}

/** A postgresql.conf string literal: single-quoted, quotes doubled. */
export function confString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A libpq connection-string value: bare when it is plain, else single-quoted with `\` and `'` escaped. */
export function conninfoValue(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A libpq connection string from its keywords, in order. */
export function conninfo(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${conninfoValue(String(value))}`)
    .join(' ');
}

/** A `synchronous_standby_names` entry: the application name double-quoted (ids may hold `-` and `.`). */
export function standbyName(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/** A custom setting naming the member a session runs on: through a VIP, the address alone does not say which. */
export const MEMBER_ADDRESS_SETTING = 'faildrill.member_address';

/** The `primary_conninfo` of a standby: the primary's address, the replication role, the password file, and the node id as application_name. */
export function primaryConninfo(config: Pick<PgNodeConfig, 'id' | 'passfile'>, primaryHost: string, primaryPort = PG_PORT): string {
  return conninfo({ host: primaryHost, port: primaryPort, user: PG_REPLICATION_USER, passfile: config.passfile, application_name: config.id, connect_timeout: 2 });
}

/**
 * postgresql.conf for one node. Streaming replication as the PostgreSQL docs set it up
 * (`wal_level = replica`, `max_wal_senders`, `hot_standby`), `wal_log_hints = on` so that pg_rewind
 * can rejoin an old primary, `synchronous_standby_names` naming the standby when replication is
 * synchronous (`synchronous_commit = on`: a commit returns once the standby flushed it), and on a
 * standby `primary_conninfo` (with `standby.signal` in the data folder). Small memory: several runs
 * share two cores. Dynamic shared memory in the data folder (`mmap`), so nothing of a killed node
 * outlives its folder in /dev/shm.
 */
export function postgresqlConf(config: PgNodeConfig): string {
  const lines = [
    `# written by faildrill: node ${config.id} of run ${config.tag}`,
    `listen_addresses = ${confString(config.listenAddress)}`,
    `port = ${PG_PORT}`,
    `unix_socket_directories = ${confString(config.socketDir)}`,
    'unix_socket_permissions = 0700',
    `cluster_name = ${confString(`fd-${config.tag}-${config.id}`)}`,
    'max_connections = 50',
    'shared_buffers = 16MB',
    'dynamic_shared_memory_type = mmap',
    'wal_level = replica',
    'wal_log_hints = on',
    'max_wal_senders = 5',
    'wal_keep_size = 64MB',
    'hot_standby = on',
    `wal_receiver_status_interval = ${STATUS_INTERVAL_MS / 1000}s`,
    'synchronous_commit = on',
    `synchronous_standby_names = ${confString(config.synchronousStandby ? standbyName(config.synchronousStandby) : '')}`,
    "recovery_target_timeline = 'latest'",
    'logging_collector = off',
    "log_destination = 'stderr'",
    "log_line_prefix = '%m [%p] '",
    ...(config.memberAddress ? [`${MEMBER_ADDRESS_SETTING} = ${confString(config.memberAddress)}`] : []),
  ];
  if (config.primaryHost) lines.push(`primary_conninfo = ${confString(primaryConninfo(config, config.primaryHost, config.primaryPort))}`);
  return `${lines.join('\n')}\n`;
}

/**
 * pg_hba.conf: the Unix socket (reachable by root and the postgres user only: its folder is theirs)
 * trusted; over TCP only the run's subnet, with passwords (SCRAM), the replication role for streaming.
 */
export function pgHbaConf(config: Pick<PgNodeConfig, 'subnet'>): string {
  return [
    '# written by faildrill',
    'local   all          all                          trust',
    `host    replication  ${PG_REPLICATION_USER}  ${config.subnet}  scram-sha-256`,
    `host    all          all                          ${config.subnet}  scram-sha-256`,
    '',
  ].join('\n');
}

/** The password file: one line per role and port, for any host of the run (libpq's `.pgpass` format, `:` and `\` escaped). */
export function passfileText(passwords: Record<string, string>, ports: readonly number[] = [PG_PORT]): string {
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return ports
    .flatMap((port) => Object.entries(passwords).map(([user, password]) => `*:${port}:*:${escape(user)}:${escape(password)}\n`))
    .join('');
}
