import type { FaultSpec, LayerName, Scenario } from '../scenario/schema.js';
import { effectOf, type Effect } from './effect.js';
import { replacementDue } from './layers/autoscaling.js';
import type { Concurrent, FaultContext } from './types.js';

/** A fault with its place in the run; planned maintenance stops are synthesised from planned failovers. */
export interface ScheduledFault {
  fault: FaultSpec;
  planned: boolean;
  /** A planned stop: the layer of its planned failover. */
  layer?: LayerName;
}

/** When a fault stops acting: its removal, or the end of the run. */
function endOf(f: FaultSpec, durationMs: number): number {
  return f.durationMs !== undefined ? f.atMs + f.durationMs : durationMs;
}

/**
 * The faults acting when `f` strikes (`f` included, offset 0): those injected with it or before it and
 * not yet removed. A fault injected later is left out: it meets what `f` started.
 */
export function activeAt(scenario: Scenario, all: readonly ScheduledFault[], f: FaultSpec): Concurrent[] {
  return all
    .filter(({ fault: g }) => g === f || (g.atMs <= f.atMs && endOf(g, scenario.durationMs) > f.atMs))
    .map(({ fault: g }) => ({ fault: g, effect: effectOf(scenario, g), offsetMs: g.atMs - f.atMs }));
}

/**
 * Incidents as the measurement forms them (src/measure/incidents.ts): a fault joins the open incident
 * when it is injected before every fault of it has been removed and its clients recovered, here at the
 * latest (`settleMs` per fault). Returns the incident number of each fault.
 */
export function incidentsOf(all: readonly ScheduledFault[], settleMs: readonly number[]): number[] {
  const order = all.map((_, i) => i).sort((a, b) => all[a]!.fault.atMs - all[b]!.fault.atMs || a - b);
  const incident: number[] = new Array<number>(all.length).fill(0);
  let current = -1;
  let openUntil = -Infinity;
  for (const i of order) {
    const at = all[i]!.fault.atMs;
    if (current < 0 || at > openUntil) {
      current++;
      openUntil = at;
    }
    incident[i] = current;
    openUntil = Math.max(openUntil, settleMs[i]!);
  }
  return incident;
}

/**
 * A target group's targets when the fault strikes: an instance an earlier fault took down and its
 * autoscaling group replaces has left the group once the group's health check ran, and counts as a
 * healthy successor once its replacement is due.
 */
export function targetsAt(ctx: FaultContext, targets: readonly string[]): string[] {
  const asg = ctx.scenario.setup.autoscaling;
  const due = replacementDue(ctx.scenario);
  if (!asg || !due) return [...targets];
  const current: string[] = [];
  for (const t of targets) {
    const earlier = ctx.incident.find((c) => c.effect.server === t && c.offsetMs < 0 && c.effect.hostDown && asg.instances.includes(t));
    const sinceMs = earlier ? -earlier.offsetMs : 0;
    if (!earlier || sinceMs < due.deregisteredMs) current.push(t);
    else if (sinceMs >= due.replacedMs) current.push(`successor of ${t}`);
  }
  return current;
}

/** The incident's faults that hit one of `servers` and break it by `breaks`. */
export function breaking(ctx: FaultContext, servers: readonly string[], breaks: (e: Effect) => boolean): Concurrent[] {
  return ctx.incident.filter((c) => servers.includes(c.effect.server) && breaks(c.effect));
}
