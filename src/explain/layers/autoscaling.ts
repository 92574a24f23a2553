import { ASG_HEALTH_INTERVAL_MS } from '../../simulator/autoscaling.js';
import { streakWindow } from '../checks.js';
import { count, dur, plus, ZERO } from '../expr.js';
import { forwardedGroup } from '../topology.js';
import type { Bound, Candidate, FaultContext, LayerExplainer } from '../types.js';

/**
 * An EC2 Auto Scaling group replacing an instance EC2 reports down (stopped, terminated): its health
 * check runs periodically — every 10 s here, an assumption the simulator shares (AWS documents no
 * figure) — marks the instance unhealthy, deregisters it from the target group and launches a
 * replacement at once. Replacement = detection + launch + registration: the new target passes
 * HealthyThresholdCount checks of the target group (the grace period only defers health-based
 * replacement of instances still starting).
 */
export const autoscalingLayer: LayerExplainer = {
  key: 'autoscaling',
  hits: (ctx) => ctx.scenario.setup.autoscaling?.instances.includes(ctx.effect.server) === true && ctx.effect.hostDown,
  candidates: (ctx) => {
    const asg = ctx.scenario.setup.autoscaling!;
    const group = forwardedGroup(ctx.scenario);
    if (!group || asg.targetGroup !== group.id || !group.targets.includes(ctx.effect.server)) return [];
    const others = group.targets.filter((t) => t !== ctx.effect.server && !ctx.incident.some((c) => c.effect.server === t && (c.effect.hostDown || c.effect.app !== 'ok')));
    const candidate: Candidate = {
      layer: 'targetGroup',
      decidedBy: `autoscaling group ${asg.id} (${asg.healthCheckType} health check)`,
      detection: { min: ZERO, max: dur('health check period (assumed)', ASG_HEALTH_INTERVAL_MS) },
      switch: { min: ZERO, max: ZERO },
      heals: others.length > 0,
      catchUp: { min: ZERO, max: ZERO },
      stuckShare: 0,
      failback: 'never',
      notes: [`${asg.id} sees ${ctx.effect.server} down at its next health check, deregisters it from ${group.id} and launches a replacement`],
    };
    return [candidate];
  },
  extra: (ctx) => replacementBounds(ctx),
};

function replacementBounds(ctx: FaultContext): Bound[] {
  const asg = ctx.scenario.setup.autoscaling!;
  const group = ctx.scenario.setup.loadBalancer?.targetGroups.find((g) => g.id === asg.targetGroup);
  if (!group) return [{ figure: 'replacement', occurs: 'never', decidedBy: `autoscaling group ${asg.id}`, note: 'no target group: a replacement never turns healthy in one' }];
  const hc = group.healthCheck;
  const registration = streakWindow(count('healthyThreshold', hc.healthyThreshold), dur('interval', hc.intervalMs), dur('instance latency', asg.instanceLatencyMs));
  const detection = dur('health check period (assumed)', ASG_HEALTH_INTERVAL_MS);
  const launch = dur('launchTime', asg.launchTimeMs);
  return [
    {
      figure: 'replacement',
      occurs: 'always',
      window: { min: plus(launch, registration.min), max: plus(detection, launch, registration.max) },
      decidedBy: `autoscaling group ${asg.id}`,
      note: `detection (within ${detection.numbers}) + launch ${launch.numbers} + ${hc.healthyThreshold} healthy checks of ${group.id}`,
    },
  ];
}

/** When an instance the group replaces has a healthy successor at the latest, and when it leaves the target group at the latest (ms after its fault). */
export function replacementDue(scenario: FaultContext['scenario']): { deregisteredMs: number; replacedMs: number } | undefined {
  const asg = scenario.setup.autoscaling;
  if (!asg) return undefined;
  const group = scenario.setup.loadBalancer?.targetGroups.find((g) => g.id === asg.targetGroup);
  const registrationMs = group ? group.healthCheck.healthyThreshold * group.healthCheck.intervalMs + asg.instanceLatencyMs : Infinity;
  return { deregisteredMs: ASG_HEALTH_INTERVAL_MS, replacedMs: ASG_HEALTH_INTERVAL_MS + asg.launchTimeMs + registrationMs };
}
