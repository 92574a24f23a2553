import { defaults } from '../scenario/defaults.js';
import type { Effect } from './effect.js';
import { dur, lit, minusOne, plus, times, type Count, type Expr } from './expr.js';

/**
 * A periodic check on a phase of its own (every health checker here: Route 53's checkers, a target
 * group, our controller's probes, keepalived's vrrp_script) that changes its verdict after `threshold`
 * results in a row, each known `delay` after the check was sent. After a change at t = 0 the first
 * check that sees it leaves within one interval, the verdict comes `threshold − 1` intervals later:
 * [(threshold − 1) × interval + delay, threshold × interval + delay).
 */
export function streakWindow(threshold: Count, interval: Expr, delay: Expr): { min: Expr; max: Expr } {
  return {
    min: plus(times(minusOne(threshold), interval), delay),
    max: plus(times(threshold, interval), delay),
  };
}

/** How soon a checker learns a check failed, or null when the check passes (latency aside). */
export type DelayRule = (effect: Effect, baseLatencyMs: number) => Expr | null;

/** A refused connection: the checker learns it from the RST at once (the model answers a refusal in 1 ms). */
const REFUSED_MS = 1;

/**
 * A check with one overall timeout (an ELBv2 target group's HealthCheckTimeoutSeconds, our controller's
 * `healthCheck.timeout`): a refusal fails at once, no answer or a slower one when the timeout runs out
 * (ELB user guide, "Health checks for your target groups").
 */
export function timeoutRule(name: string, timeoutMs: number): DelayRule {
  return (effect, baseLatencyMs) => {
    if (effect.app === 'refused') return lit(Math.min(REFUSED_MS, timeoutMs));
    if (effect.app !== 'ok') return dur(name, timeoutMs);
    if (effect.loss >= 1) return dur(name, timeoutMs);
    return baseLatencyMs + effect.extraLatencyMs > timeoutMs ? dur(name, timeoutMs) : null;
  };
}

/**
 * A Route 53 HTTP check (Route 53 developer guide, "How Route 53 determines whether a health check is
 * healthy"): the connection within 4 s, a 2xx/3xx within 2 s after it. A refusal fails at once, a
 * dropped SYN at the connect timeout, a frozen process whose kernel still accepts at the response timeout.
 */
export const route53Rule: DelayRule = (effect, baseLatencyMs) => {
  const { connectTimeoutMs, responseTimeoutMs } = defaults.route53;
  if (effect.app === 'refused') return lit(REFUSED_MS);
  if (effect.app === 'no-answer' || effect.loss >= 1) return dur('connectTimeout', connectTimeoutMs);
  if (effect.app === 'no-answer-connected') return dur('responseTimeout', responseTimeoutMs);
  return baseLatencyMs + effect.extraLatencyMs > responseTimeoutMs ? dur('responseTimeout', responseTimeoutMs) : null;
};

/**
 * keepalived's vrrp_script run on the host itself (keepalived.conf(5)): exit status at once for a
 * refused local connection, the script's `timeout` for one that hangs. Loopback traffic is neither
 * isolated nor lost.
 */
export function scriptRule(timeoutMs: number): DelayRule {
  return (effect, baseLatencyMs) => {
    if (effect.local === 'refused') return lit(0);
    if (effect.local !== 'ok') return dur('timeout', timeoutMs);
    return baseLatencyMs + effect.extraLatencyMs > timeoutMs ? dur('timeout', timeoutMs) : null;
  };
}

/** The check fails only sometimes (packet loss below 1): a streak of failures may never come. */
export function onlySometimes(effect: Effect): boolean {
  return effect.loss > 0 && effect.loss < 1 && effect.app === 'ok';
}

/** A failed check under loss arrives when the check times out. */
export function lossDelay(name: string, timeoutMs: number): Expr {
  return dur(name, timeoutMs);
}


