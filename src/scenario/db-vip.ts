import type { DatabaseSpec } from './schema.js';

/** `endpoint.vip` of a database in endpoint mode `vip`: the VRRP instance on its members and their writer check. */
export type DbVipSpec = NonNullable<DatabaseSpec['endpoint']['vip']>;

/**
 * keepalived's priorities on the database members (both targets configure them so): the primary
 * `state MASTER` with priority 100, the standby `state BACKUP` with 90; preempt on (keepalived's default).
 */
export const DB_VIP_PRIORITY = { primary: 100, standby: 90 } as const;

/** The name of the members' weight-0 vrrp_script asking their own PostgreSQL `SELECT NOT pg_is_in_recovery()`. */
export const WRITER_CHECK_SCRIPT = 'check_writer';

/** The database's VIP when its endpoint mode is `vip`. */
export function dbVipOf(db: DatabaseSpec | undefined): DbVipSpec | undefined {
  return db?.endpoint.mode === 'vip' ? db.endpoint.vip : undefined;
}
