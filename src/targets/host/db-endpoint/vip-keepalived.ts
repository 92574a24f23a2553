import { join } from 'node:path';
import { DB_VIP_PRIORITY, WRITER_CHECK_SCRIPT, type DbVipSpec } from '../../../scenario/db-vip.js';
import type { DatabaseSpec } from '../../../scenario/schema.js';
import { PG_DATABASE, PG_PORT, PG_SUPERUSER } from '../postgres/config.js';
import type { HostPlan } from '../topology.js';

/** The vrrp_script's name in keepalived.conf and keepalived's log (the simulator names its model so too). */
export const WRITER_CHECK = WRITER_CHECK_SCRIPT;

/** The check script in the run's folder. */
export const writerCheckFile = (plan: HostPlan) => join(plan.dir, 'pg-writer-check.sh');

/** Where member `server`'s writer check logs its runs (one `$EPOCHREALTIME` line per run). */
export const writerCheckRunsFile = (plan: HostPlan, server: string) => join(plan.dir, `pg-writer-runs-${server}.log`);

/**
 * The writer check (`pg-writer-check.sh`), a keepalived vrrp_script with weight 0 on each member: asks
 * the member's own PostgreSQL over its Unix socket `SELECT NOT pg_is_in_recovery()` with psql; exit 0
 * only on `t` (the writer). A standby answers `f`; a stopped server refuses at once; a frozen one
 * never answers and keepalived's `timeout` kills the check. No network: a dropped port or a partition
 * does not fail it. Each run appends its start to `runsFile` (the session aligns time 0 to it).
 * argv: psql socketDir port user database runsFile
 */
export const WRITER_CHECK_PROGRAM = `#!/bin/bash
# faildrill writer check: 0 only when this member's PostgreSQL is the writer (not in recovery).
LC_ALL=C
printf '%s\\n' "$EPOCHREALTIME" >> "$6"
exec 2>/dev/null
out=$("$1" -h "$2" -p "$3" -U "$4" -d "$5" -XAtqc 'SELECT NOT pg_is_in_recovery()') || exit 1
[ "$out" = t ]
`;

/** keepalived writes seconds; integers where they are whole. */
function seconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(3).replace(/0+$/, '');
}

export interface DbVipMember {
  server: string;
  role: 'primary' | 'standby';
  socketDir: string;
}

/**
 * keepalived.conf of one database member in endpoint mode vip: the writer check tracked with weight 0
 * (failed, the instance is in FAULT and holds no address: keepalived.conf(5)), one VRRPv2 instance
 * holding the database VIP, the primary `MASTER` with priority 100 and the standby `BACKUP` with 90.
 */
export function dbKeepalivedConfig(plan: HostPlan, spec: DatabaseSpec, vip: DbVipSpec, member: DbVipMember, psql: string, priority: number = DB_VIP_PRIORITY[member.role]): string {
  const check = vip.check;
  return [
    `# written by faildrill for run ${plan.runId}: database member ${member.server} (${spec.id}'s writer address)`,
    'global_defs {',
    `  router_id fd-${member.server}`,
    '  enable_script_security',
    '  script_user root',
    '}',
    `vrrp_script ${WRITER_CHECK} {`,
    `  script "${writerCheckFile(plan)} ${psql} ${member.socketDir} ${PG_PORT} ${PG_SUPERUSER} ${PG_DATABASE} ${writerCheckRunsFile(plan, member.server)}"`,
    `  interval ${seconds(check.intervalMs)}`,
    `  timeout ${seconds(check.timeoutMs)}`,
    '  weight 0',
    `  fall ${check.fall}`,
    `  rise ${check.rise}`,
    '}',
    `vrrp_instance VI_${spec.id.replace(/[^A-Za-z0-9_]/g, '_')}_writer {`,
    `  state ${member.role === 'primary' ? 'MASTER' : 'BACKUP'}`,
    '  interface eth0',
    `  virtual_router_id ${vip.virtualRouterId}`,
    `  priority ${priority}`,
    `  advert_int ${seconds(vip.advertIntMs)}`,
    '  virtual_ipaddress {',
    `    ${plan.dbVip}/${plan.prefix} dev eth0`,
    '  }',
    '  track_script {',
    `    ${WRITER_CHECK}`,
    '  }',
    '}',
    '',
  ].join('\n');
}
