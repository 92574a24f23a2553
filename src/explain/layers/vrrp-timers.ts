import type { Scenario } from '../../scenario/schema.js';
import { count, dur, maxOf, minus, plus, times, type Expr } from '../expr.js';

/**
 * What the timers read of a VRRP instance: the app VIP (`setup.vip`), or the database VIP of endpoint
 * mode `vip` described the same way (./db-vip.ts).
 */
export type VipSpec = Pick<NonNullable<Scenario['setup']['vip']>, 'advertIntMs' | 'vrrpVersion' | 'preemptDelayMs'> & {
  nodes: ReadonlyArray<{ server: string; priority: number }>;
};

/**
 * keepalived's vrrp_garp_master_delay default (keepalived.conf(5), global_defs): a second set of
 * gratuitous ARPs 5 s after a node becomes master.
 */
export const GARP_MASTER_DELAY_MS = 5_000;

/** advert_int of the VIP. */
export function advert(vip: VipSpec): Expr {
  return dur('advert_int', vip.advertIntMs);
}

/**
 * Skew_Time of a node with `priority`: (256 − priority)/256 s in VRRPv2 (RFC 3768 §6.1, keepalived's
 * default version), (256 − priority) × advert_int / 256 in VRRPv3 (RFC 5798 §6.1).
 */
export function skew(vip: VipSpec, node: string, priority: number): Expr {
  const ms = ((256 - priority) * (vip.vrrpVersion === 3 ? vip.advertIntMs : 1000)) / 256;
  const formula = vip.vrrpVersion === 3 ? `(256 − ${priority})/256 × advert_int` : `(256 − ${priority})/256 s`;
  return { ms, formula: `skew(${node})`, numbers: `${formula.replace('advert_int', dur('', vip.advertIntMs).numbers)}` };
}

/** Master_Down_Interval = 3 × advert_int + Skew_Time (RFC 3768 §6.1, RFC 5798 §6.1): how long a backup waits for adverts. */
export function masterDown(vip: VipSpec, node: string, priority: number): Expr {
  const e = plus(times(count('3', 3), advert(vip)), skew(vip, node, priority));
  const configured = vip.nodes.find((n) => n.server === node)?.priority === priority;
  return { ms: e.ms, formula: configured ? `masterDown(${node})` : `masterDown(${node} at ${priority})`, numbers: `(${e.numbers})` };
}

/**
 * A backup's takeover after the master's last advert it accepted: its master-down timer ran from that
 * advert, which came up to one advert_int before the moment that matters (adverts are not aligned to it).
 */
export function afterLastAdvert(vip: VipSpec, down: Expr): { min: Expr; max: Expr } {
  return { min: minus(down, advert(vip)), max: down };
}

/**
 * A restarted or recovered higher-priority node preempting (keepalived.conf(5) `preempt`, `preempt_delay`):
 * it discards the lower master's adverts and takes over when its master-down timer runs out, not before
 * preempt_delay after the first lower advert it heard (within one advert_int).
 */
export function preemptWindow(vip: VipSpec, down: Expr, timerStartsUpToOneAdvertEarly: boolean): { min: Expr; max: Expr } {
  const adv = advert(vip);
  const delay = dur('preempt_delay', vip.preemptDelayMs);
  const timer = timerStartsUpToOneAdvertEarly ? afterLastAdvert(vip, down) : { min: down, max: down };
  if (vip.preemptDelayMs === 0) return timer;
  return { min: maxOf(timer.min, delay), max: maxOf(timer.max, plus(adv, delay)) };
}

