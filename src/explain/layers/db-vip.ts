import { DB_VIP_PRIORITY, dbVipOf, type DbVipSpec } from '../../scenario/db-vip.js';
import type { DatabaseSpec, FaultSpec } from '../../scenario/schema.js';
import type { Effect } from '../effect.js';
import { count, dur, minus, minusOne, plus, times, type Expr } from '../expr.js';
import type { FaultContext, Window } from '../types.js';
import { masterDown, skew, type VipSpec } from './vrrp-timers.js';

/**
 * The database VIP as the VRRP timers read it: VRRPv2 (RFC 3768), the primary at priority 100, the
 * standby at 90, preempt without delay (keepalived's defaults).
 */
export function dbVipTimers(db: DatabaseSpec, vip: DbVipSpec): VipSpec {
  return {
    advertIntMs: vip.advertIntMs,
    vrrpVersion: 2,
    preemptDelayMs: 0,
    nodes: [
      { server: db.primary, priority: DB_VIP_PRIORITY.primary },
      { server: db.standby, priority: DB_VIP_PRIORITY.standby },
    ],
  };
}

/**
 * Endpoint mode `vip`, from the writer change (the standby promoted) to the apps writing to it: the
 * standby's writer check (`SELECT NOT pg_is_in_recovery()` on its own PostgreSQL) passes at its next
 * run, within one check interval, and after `rise` passed runs in a row keepalived takes it out of FAULT
 * to BACKUP. The old master is in FAULT by then (its PostgreSQL stopped, or fenced — immediate
 * shutdown — as the failover started): no advert resets the standby's timer, and it becomes master
 * Master_Down_Interval = 3 × advert_int + (256 − 90)/256 s later (RFC 3768 §6.1), its gratuitous ARPs
 * moving the apps. If the old master's priority-0 advert comes only after the standby left FAULT, the
 * standby takes over Skew_Time after it (RFC 3768 §6.4.2) instead:
 *
 *   min = (rise − 1) × interval + skew(standby)   — the priority-0 advert right as it leaves FAULT
 *   max = rise × interval + masterDown(standby)    — it leaves FAULT after the old master went, then waits
 *
 * ({@link oldMasterLate} bounds a priority-0 advert that comes later still).
 */
export function dbVipFollow(db: DatabaseSpec, vip: DbVipSpec): Window {
  const timers = dbVipTimers(db, vip);
  const rise = count('rise', vip.check.rise);
  const interval = dur('check interval', vip.check.intervalMs);
  return {
    min: plus(times(minusOne(rise), interval), skew(timers, db.standby, DB_VIP_PRIORITY.standby)),
    max: plus(times(rise, interval), masterDown(timers, db.standby, DB_VIP_PRIORITY.standby)),
  };
}

/** How the primary's writer check fares under the fault: over the Unix socket, only PostgreSQL itself (or the host) matters. */
export function writerCheckUnder(fault: FaultSpec, effect: Effect): 'refused' | 'timeout' | 'gone' | 'passes' {
  if (effect.hostDown) return 'gone';
  const postgres = fault.service === undefined || fault.service === 'app' || fault.service === 'postgres';
  if (fault.action === 'service-stop' && postgres) return 'refused';
  if (fault.action === 'process-pause' && postgres) return 'timeout';
  return 'passes';
}

/**
 * The latest the old master's priority-0 advert can come after our controller's verdict, plus the
 * standby's skew, when that is later than {@link dbVipFollow}'s max after the promotion: its check
 * fails `fall` runs in a row, one per interval, from the fault when PostgreSQL stopped (refused at once)
 * or froze (the last run killed at the timeout), else from the fence at the verdict (the check passed
 * until then: network faults do not reach it). Undefined when it never binds.
 */
export function oldMasterLate(ctx: FaultContext, verdictMin: Expr, promotionMax: Expr): Expr | undefined {
  const db = ctx.scenario.setup.database!;
  const vip = dbVipOf(db)!;
  const how = writerCheckUnder(ctx.fault, ctx.effect);
  if (how === 'gone') return undefined;
  const fall = times(count('fall', vip.check.fall), dur('check interval', vip.check.intervalMs));
  const failed = how === 'passes' ? fall : minus(how === 'timeout' ? plus(fall, dur('check timeout', vip.check.timeoutMs)) : fall, verdictMin);
  const late = plus(failed, skew(dbVipTimers(db, vip), db.standby, DB_VIP_PRIORITY.standby));
  const follow = dbVipFollow(db, vip);
  return late.ms > promotionMax.ms + follow.max!.ms ? late : undefined;
}

/** What the apps' way to the writer is in endpoint mode `vip`, for notes. */
export function dbVipNote(db: DatabaseSpec, vip: DbVipSpec): string {
  const follow = dbVipFollow(db, vip);
  return (
    `endpoint mode vip: the address follows the writer — ${db.standby}'s writer check passes within rise × interval, keepalived takes it out of FAULT and it takes the address ` +
    `${follow.min.formula} = ${follow.min.numbers} to ${follow.max!.formula} = ${follow.max!.numbers} after the promotion (Master_Down_Interval once ${db.primary} is in FAULT, its skew if ${db.primary}'s priority-0 advert comes later)`
  );
}

/**
 * keepalived stopped on the member holding the database VIP (the primary): it sends priority 0 and
 * releases the address, and the standby, in FAULT (its check fails: it is in recovery), cannot take
 * it — writes fail until keepalived on the primary starts again, which waits Master_Down_Interval at
 * priority 100 (keepalived.conf(5): "between 3 and 4 advert intervals") before it takes the address back.
 */
export function dbVipReleased(ctx: Pick<FaultContext, 'scenario' | 'effect'>): boolean {
  const db = ctx.scenario.setup.database;
  return dbVipOf(db) !== undefined && ctx.effect.server === db!.primary && ctx.effect.keepalived === 'stopped';
}

/** From keepalived's restart on the primary until it holds the database VIP again: its Master_Down_Interval. */
export function dbVipBack(db: DatabaseSpec, vip: DbVipSpec): Expr {
  return masterDown(dbVipTimers(db, vip), db.primary, DB_VIP_PRIORITY.primary);
}

/** Why the database VIP leaves the apps without a writer, or moves nothing, for the explanation's notes. */
export function dbVipQuiet(ctx: Pick<FaultContext, 'scenario' | 'effect'>): string | undefined {
  const db = ctx.scenario.setup.database;
  const vip = dbVipOf(db);
  if (!vip || !db) return undefined;
  if (dbVipReleased(ctx))
    return `keepalived on ${db.primary} sends priority 0 and releases the database VIP; ${db.standby} is in FAULT (its PostgreSQL is in recovery) and cannot take it: writes fail until keepalived on ${db.primary} starts again and waits ${dbVipBack(db, vip).formula} = ${dbVipBack(db, vip).numbers}`;
  if (ctx.effect.server === db.standby) return `${db.standby} is in FAULT (its writer check fails: it is in recovery): the database VIP stays on ${db.primary}`;
  return undefined;
}
