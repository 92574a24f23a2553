import { defaults } from '../../scenario/defaults.js';
import { lossDelay, onlySometimes, route53Rule, streakWindow } from '../checks.js';
import { count, dur, plus, ZERO } from '../expr.js';
import { forwardedGroup, latencyOf, sharesBehind, streamsOf, entryOf } from '../topology.js';
import type { Candidate, FaultContext, LayerExplainer, Window } from '../types.js';
import { breaksTargetCheck, targetBack } from './target-group.js';
import { appBroken } from '../effect.js';

type Dns = NonNullable<FaultContext['scenario']['setup']['dns']>;

/** The server Route 53's checks reach behind the primary endpoint: the endpoint itself, or a load balancer's first routable target. */
function checkedServer(ctx: FaultContext, dns: Dns): string | undefined {
  const lb = ctx.scenario.setup.loadBalancer;
  if (lb && dns.primary === lb.id) return forwardedGroup(ctx.scenario)!.targets[0];
  return ctx.scenario.setup.servers.some((s) => s.id === dns.primary) ? dns.primary : undefined;
}

/** Share of clients reaching the record that keep their first answer (they never re-resolve). */
export function stuckShareOf(ctx: FaultContext, dns: Dns): number {
  const viaDns = streamsOf(ctx.scenario).filter((s) => entryOf(ctx.scenario, s) === dns.record);
  const rate = viaDns.reduce((sum, s) => sum + s.ratePerSec, 0);
  return rate === 0 ? 0 : viaDns.reduce((sum, s) => sum + s.ratePerSec * (1 - s.honourTtlShare), 0) / rate;
}

/** Whether the failover record's secondary serves while this incident lasts. */
export function secondaryServes(ctx: FaultContext, dns: Dns): boolean {
  const behind = [...sharesBehind(ctx.scenario, dns.secondary).keys()];
  return !ctx.incident.some((c) => behind.includes(c.effect.server) && appBroken(c.effect));
}

/**
 * Route 53 DNS failover (platform mode): the health check on the primary endpoint fails over the
 * record. Each of regions × checkersPerRegion checkers runs on its own phase and turns unhealthy after
 * failureThreshold failed checks in a row, one every request interval; the endpoint is unhealthy once
 * no more than 18 % of checkers report healthy (Route 53 developer guide, "How Amazon Route 53
 * determines whether a health check is healthy"), i.e. once n − ⌊0.18 n⌋ checkers turned. Clients move
 * when their cached answer expires (TTL); those that ignore the TTL stay on the primary.
 */
export const route53Layer: LayerExplainer = {
  key: 'route53',
  hits: (ctx) => {
    const dns = ctx.scenario.setup.dns;
    return dns !== undefined && ctx.scenario.controller.layers.dns === 'platform' && checkedServer(ctx, dns) === ctx.effect.server && !ctx.effect.database;
  },
  candidates: (ctx) => {
    const dns = ctx.scenario.setup.dns!;
    const { effect, scenario } = ctx;
    const hc = dns.healthCheck;
    const latencyMs = latencyOf(scenario, effect.server);
    const delay = route53Rule(effect, latencyMs);
    const sometimes = delay === null && onlySometimes(effect);
    if (delay === null && !sometimes) return [];
    const checkers = hc.regions * hc.checkersPerRegion;
    const mustTurn = checkers - Math.floor(defaults.route53.healthyCheckerShare * checkers);
    const interval = dur('requestInterval', hc.intervalMs);
    const streak = streakWindow(count('failureThreshold', hc.failureThreshold), interval, delay ?? lossDelay('connectTimeout', defaults.route53.connectTimeoutMs));
    const ttl = dur('TTL', dns.ttlMs);
    const lb = scenario.setup.loadBalancer;
    const viaLoadBalancer = lb !== undefined && dns.primary === lb.id;
    const notes = [
      `Route 53: ${mustTurn} of ${checkers} checkers (${hc.regions} regions × ${hc.checkersPerRegion}) must turn unhealthy, ` +
        `each after ${hc.failureThreshold} failed checks every ${interval.numbers}; healthy needs more than 18 % of them`,
    ];
    if (viaLoadBalancer) notes.push(`Route 53 checks ${lb!.id} through its first target ${effect.server}: only until the target group routes around it`);
    let failback: Window;
    if (viaLoadBalancer) {
      const group = forwardedGroup(scenario)!;
      failback = breaksTargetCheck(group, effect, latencyMs) ? targetBack(group, effect, latencyMs) : { min: ZERO, max: ZERO };
    } else {
      const back = streakWindow(count('failureThreshold', hc.failureThreshold), interval, dur('latency', latencyMs));
      failback = { min: plus(effect.backMs, back.min), max: plus(effect.backMs, back.max) };
    }
    const candidate: Candidate = {
      layer: 'dns',
      decidedBy: `Route 53 health check hc-${dns.primary}`,
      detection: sometimes ? { min: streak.min, max: null } : streak,
      switch: { min: ZERO, max: ZERO },
      heals: secondaryServes(ctx, dns),
      ...(sometimes ? { maybe: true } : {}),
      catchUp: { min: ZERO, max: ttl },
      stuckShare: stuckShareOf(ctx, dns),
      failback,
      notes,
    };
    return [candidate];
  },
};

