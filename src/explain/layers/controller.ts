import type { FailoverGroupSpec } from '../../controller/types.js';
import { controllerConfigOf } from '../../run/controller-config.js';
import { defaults } from '../../scenario/defaults.js';
import { lossDelay, onlySometimes, streakWindow, timeoutRule } from '../checks.js';
import type { Effect } from '../effect.js';
import { count, dur, maxOf, minus, plus, ZERO, type Expr } from '../expr.js';
import { breaking, targetsAt } from '../incident.js';
import { forwardedGroup, latencyOf } from '../topology.js';
import type { Candidate, FaultContext, LayerExplainer, SwitchLayer, Window } from '../types.js';
import { endpointRefresh } from './database.js';
import { dbVipNote, oldMasterLate } from './db-vip.js';
import { dbVipOf } from '../../scenario/db-vip.js';
import { stuckShareOf } from './route53.js';
import { masterDown } from './vrrp-timers.js';

/** The server our controller's probe of `endpoint` reaches: a load balancer's first target, else the endpoint. */
function probed(ctx: FaultContext, endpoint: string): string {
  const lb = ctx.scenario.setup.loadBalancer;
  return lb && endpoint === lb.id ? forwardedGroup(ctx.scenario)!.targets[0]! : endpoint;
}

function breaksProbe(ctx: FaultContext, effect: Effect): boolean {
  const hc = ctx.scenario.controller.healthCheck;
  return timeoutRule('timeout', hc.timeoutMs)(effect, latencyOf(ctx.scenario, effect.server)) !== null || onlySometimes(effect);
}

/** The groups our controller switches itself (controller mode), with the member endpoints as probed servers. */
function controlledGroups(ctx: FaultContext): FailoverGroupSpec[] {
  if (!ctx.scenario.controller.automaticFailover) return [];
  return controllerConfigOf(ctx.scenario).groups.filter((g) => g.mode === 'controller');
}

/** The takeover priority the controller gives a node it moves the address to: above every other node's, even lowered by the track script. */
function takeoverPriority(ctx: FaultContext, node: string): number {
  const vip = ctx.scenario.setup.vip!;
  const others = vip.nodes.filter((n) => n.server !== node).map((n) => n.priority);
  const own = vip.nodes.find((n) => n.server === node)!.priority;
  return Math.max(own, Math.min(254, Math.max(...others) + Math.abs(vip.trackScript?.weight ?? 0) + 1));
}

/** What the controller's switch of a load balancer is, by its kind. */
const LISTENER_CHANGE: Record<NonNullable<FaultContext['scenario']['setup']['loadBalancer']>['kind'], string> = {
  alb: 'ModifyListener to the other target group',
  nginx: 'the upstream rewritten to the other target group and nginx reloaded',
};

/**
 * How long the port's switch takes once the controller decided (src/controller/routing.ts, per layer);
 * `verdictMin`: the earliest verdict after the fault (the database VIP's old master may go later).
 */
function portSwitch(ctx: FaultContext, group: FailoverGroupSpec, to: 'primary' | 'secondary', verdictMin: Expr = ZERO): Window & { what: string } {
  switch (group.layer) {
    case 'dns': {
      const { min, max } = defaults.route53.propagationMs;
      return { min: dur('propagation.min', min), max: dur('INSYNC within', max), what: 'UPSERT of the record until INSYNC ("generally within 60 seconds")' };
    }
    case 'loadBalancer':
      return { min: ZERO, max: ZERO, what: LISTENER_CHANGE[ctx.scenario.setup.loadBalancer!.kind] };
    case 'vip': {
      const node = group.members[to].id;
      const down = masterDown(ctx.scenario.setup.vip!, node, takeoverPriority(ctx, node));
      return { min: down, max: down, what: `priority of ${node} raised above the others; it takes over when its master-down timer runs out` };
    }
    case 'database': {
      const db = ctx.scenario.setup.database!;
      const promotion = defaults.database[db.engine].promotionMs;
      const refresh = endpointRefresh(db);
      const promotionMax = dur('promotion.max', promotion.max);
      const max = plus(promotionMax, refresh.max!);
      const vip = dbVipOf(db);
      // endpoint mode vip: an old master that keeps the address past the standby's rise lets it go only with its priority-0 advert
      const late = vip ? oldMasterLate(ctx, verdictMin, promotionMax) : undefined;
      return {
        min: plus(dur('promotion.min', promotion.min), refresh.min),
        max: late ? maxOf(max, late) : max,
        what: `promotion of ${group.members[to].id} (${db.engine}, ${promotion.min / 1000}–${promotion.max / 1000} s)${vip ? `; ${dbVipNote(db, vip)}` : ''}`,
      };
    }
  }
}

const LAYER_OF: Record<FailoverGroupSpec['layer'], SwitchLayer> = { dns: 'dns', loadBalancer: 'loadBalancer', vip: 'vip', database: 'database' };

function groupCandidate(ctx: FaultContext, group: FailoverGroupSpec): Candidate | undefined {
  const { scenario, effect } = ctx;
  const hc = scenario.controller.healthCheck;
  const degraded = scenario.controller.failoverOn === 'degraded';
  const members = (endpoints: string[]) => {
    const servers = endpoints.map((e) => probed(ctx, e));
    return group.layer === 'loadBalancer' ? targetsAt(ctx, servers) : servers;
  };
  const primary = members(group.members.primary.endpoints);
  if (!primary.includes(effect.server) || !breaksProbe(ctx, effect)) return undefined;
  const hitting = (servers: string[]) => breaking(ctx, servers, (e) => breaksProbe(ctx, e));
  const broken = hitting(primary);
  if (!degraded && new Set(broken.map((c) => c.effect.server)).size < new Set(primary).size) return undefined;
  const secondary = members(group.members.secondary.endpoints);
  if (hitting(secondary).length > 0) return undefined;
  const interval = dur('interval', hc.intervalMs);
  const threshold = degraded ? count('1 (failoverOn: degraded)', 1) : count('unhealthyThreshold', hc.unhealthyThreshold);
  const verdict = (c: { effect: Effect }) => {
    const delay = timeoutRule('timeout', hc.timeoutMs)(c.effect, latencyOf(scenario, c.effect.server));
    return streakWindow(threshold, interval, delay ?? lossDelay('timeout', hc.timeoutMs));
  };
  const sometimes = broken.some((c) => onlySometimes(c.effect));
  const own = verdict({ effect });
  // the member is down once its last endpoint is: the verdicts on the others may come later
  const at = (c: (typeof broken)[number]) => {
    const w = verdict(c);
    const offset = c.offsetMs === 0 ? ZERO : dur(`offset of ${c.fault.id}`, c.offsetMs);
    return { min: plus(w.min, offset), max: plus(w.max!, offset) };
  };
  const last = { min: maxOf(...broken.map((c) => at(c).min)), max: maxOf(...broken.map((c) => at(c).max)) };
  const waitOthers: Window =
    degraded || broken.length <= 1 ? { min: ZERO, max: ZERO } : { min: last.min.ms > own.max!.ms ? minus(last.min, own.max!) : ZERO, max: minus(last.max, own.min) };
  const port = portSwitch(ctx, group, 'secondary', last.min);
  const dns = scenario.setup.dns;
  const notes = [
    `our controller: ${threshold.value} failed checks every ${interval.numbers} on ${group.members.primary.id}, then ${port.what}`,
  ];
  if (broken.length > 1) notes.push(`${group.members.primary.id} is down once every endpoint is: the switch waits for the last verdict`);
  return {
    layer: LAYER_OF[group.layer],
    decidedBy: `our controller (${group.id})`,
    detection: sometimes ? { min: own.min, max: null } : own,
    switch: { min: plus(waitOthers.min, port.min), max: sometimes ? null : plus(waitOthers.max!, port.max!) },
    ...(broken.length > 1 && !degraded ? { timeToSwitch: { min: plus(last.min, port.min), max: sometimes ? null : plus(last.max, port.max!) } } : {}),
    heals: true,
    ...(sometimes ? { maybe: true } : {}),
    catchUp: group.layer === 'dns' && dns ? { min: ZERO, max: dur('TTL', dns.ttlMs) } : { min: ZERO, max: ZERO },
    stuckShare: group.layer === 'dns' && dns ? stuckShareOf(ctx, dns) : 0,
    failback: failbackOf(ctx, group),
    notes,
  };
}

/** Removal → back on the primary: healthyThreshold good checks, the failback hold beyond them, the port's switch back. */
function failbackOf(ctx: FaultContext, group: FailoverGroupSpec): Window | 'never' {
  const { scenario, effect } = ctx;
  if (scenario.controller.failback !== 'automatic' || group.layer === 'database' || effect.terminated) return 'never';
  const hc = scenario.controller.healthCheck;
  const streak = streakWindow(count('healthyThreshold', hc.healthyThreshold), dur('interval', hc.intervalMs), dur('latency', latencyOf(scenario, effect.server)));
  const holdMs = scenario.controller.damping?.failbackHoldMs;
  const extra: Expr = holdMs !== undefined && holdMs > hc.healthyThreshold * hc.intervalMs ? dur('failbackHold − healthyThreshold × interval', holdMs - hc.healthyThreshold * hc.intervalMs) : ZERO;
  const port = portSwitch(ctx, group, 'primary');
  return { min: plus(effect.backMs, streak.min, extra, port.min), max: plus(effect.backMs, streak.max!, extra, port.max!) };
}

/**
 * Our controller (controller mode): unhealthyThreshold failed checks, one every interval, each failing
 * at once when refused or at the check's timeout when unanswered (`failoverOn: degraded`: the first
 * failed check), on every endpoint of the active member; then the port's switch (DNS UPSERT until
 * INSYNC, ModifyListener, a VIP priority change, a promotion); then clients drain to the new path
 * (the record's TTL). Back after healthyThreshold good checks (and any failback hold).
 */
export const controllerLayer: LayerExplainer = {
  key: 'controller',
  hits: (ctx) => !ctx.effect.database && controlledGroups(ctx).some((g) => g.members.primary.endpoints.map((e) => probed(ctx, e)).includes(ctx.effect.server)),
  candidates: (ctx) => controlledGroups(ctx).flatMap((g) => groupCandidate(ctx, g) ?? []),
};

/** Our controller's failback of the group on `layer` once the fault on its primary is removed (planned maintenance included). */
export function controllerFailback(ctx: FaultContext, layer: FailoverGroupSpec['layer']): Window | 'never' {
  const group = controllerConfigOf(ctx.scenario).groups.find((g) => g.layer === layer);
  return group ? failbackOf(ctx, group) : 'never';
}
