import type { LoadBalancerSpec, TargetGroupSpec } from '../../scenario/schema.js';
import { streakWindow, timeoutRule, onlySometimes, lossDelay } from '../checks.js';
import type { Effect } from '../effect.js';
import { count, dur, plus, ZERO } from '../expr.js';
import { breaking, targetsAt } from '../incident.js';
import { forwardedGroup, latencyOf } from '../topology.js';
import type { Candidate, FaultContext, LayerExplainer, Window } from '../types.js';
import { nginxUpstreamCandidate } from './nginx-upstream.js';

/** Whether the group's checks fail on this effect (latency aside: an answer slower than the timeout fails too). */
export function breaksTargetCheck(group: TargetGroupSpec, effect: Effect, latencyMs: number): boolean {
  return timeoutRule('timeout', group.healthCheck.timeoutMs)(effect, latencyMs) !== null || onlySometimes(effect);
}

/**
 * The fault's target drops out of its target group's routable set: ELBv2 target health (ALB user guide,
 * "Health checks for your target groups"): UnhealthyThresholdCount consecutive failed checks, one every
 * HealthCheckIntervalSeconds, a check without an answer failing at HealthCheckTimeoutSeconds; back after
 * HealthyThresholdCount good checks. With no healthy target left the group fails open (routes to all):
 * dropping this one is then undone unless another layer moved traffic first.
 */
export function targetGroupCandidate(ctx: FaultContext, group: TargetGroupSpec, server: string): Candidate | undefined {
  const { scenario, effect } = ctx;
  const hc = group.healthCheck;
  const interval = dur('interval', hc.intervalMs);
  const latencyMs = latencyOf(scenario, server);
  const rule = timeoutRule('timeout', hc.timeoutMs);
  const delay = rule(effect, latencyMs);
  const sometimes = delay === null && onlySometimes(effect);
  if (delay === null && !sometimes) return undefined;
  const current = targetsAt(ctx, group.targets);
  const faulted = new Set(breaking(ctx, current, (e) => breaksTargetCheck(group, e, latencyOf(scenario, e.server))).map((c) => c.effect.server));
  const left = current.filter((t) => !faulted.has(t));
  const streak = streakWindow(count('unhealthyThreshold', hc.unhealthyThreshold), interval, delay ?? lossDelay('timeout', hc.timeoutMs));
  const asg = scenario.setup.autoscaling;
  const replacedByGroup = asg !== undefined && asg.instances.includes(server) && (asg.healthCheckType === 'ELB' || effect.hostDown);
  const notes = [`target group ${group.id}: ${hc.unhealthyThreshold} failed checks every ${dur('', hc.intervalMs).numbers}${delay && delay.ms > 1 ? `, each failing at its ${delay.numbers} timeout` : ''}`];
  if (left.length === 0) notes.push(`no healthy target left in ${group.id}: it fails open and routes to every target again`);
  return {
    layer: 'targetGroup',
    decidedBy: `target group ${group.id}`,
    detection: sometimes ? { min: streak.min, max: null } : streak,
    switch: { min: ZERO, max: ZERO },
    heals: left.length > 0,
    ...(left.length === 0 ? { provisional: true } : {}),
    ...(sometimes ? { maybe: true } : {}),
    catchUp: { min: ZERO, max: ZERO },
    stuckShare: 0,
    failback: effect.terminated || replacedByGroup ? 'never' : targetBack(group, effect, latencyMs),
    notes,
  };
}

/** Removal → the target healthy again: the host back (boot), then HealthyThresholdCount good checks. */
export function targetBack(group: TargetGroupSpec, effect: Effect, latencyMs: number): Window {
  const hc = group.healthCheck;
  const streak = streakWindow(count('healthyThreshold', hc.healthyThreshold), dur('interval', hc.intervalMs), dur('latency', latencyMs));
  return { min: plus(effect.backMs, streak.min), max: plus(effect.backMs, streak.max) };
}

/** How each kind of load balancer takes the fault's target out: an ALB's target group, an nginx upstream's passive check. */
const CANDIDATE_BY_KIND: Record<LoadBalancerSpec['kind'], (ctx: FaultContext) => Candidate | undefined> = {
  alb: (ctx) => targetGroupCandidate(ctx, forwardedGroup(ctx.scenario)!, ctx.effect.server),
  nginx: nginxUpstreamCandidate,
};

/** Target groups behind the listener (an nginx upstream's primary peers): a fault on a target of the forwarded group. */
export const targetGroupLayer: LayerExplainer = {
  key: 'targetGroup',
  hits: (ctx) => forwardedGroup(ctx.scenario)?.targets.includes(ctx.effect.server) === true && !ctx.effect.database,
  candidates: (ctx) => {
    const candidate = CANDIDATE_BY_KIND[ctx.scenario.setup.loadBalancer!.kind](ctx);
    return candidate ? [candidate] : [];
  },
};

