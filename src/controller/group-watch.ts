import type { EndpointChecks } from './endpoint-checks.js';
import { PortError } from './port-error.js';
import type { FailoverMember } from './ports.js';
import { memberOfHolders, type Routing } from './routing.js';
import type { Supervisor } from './supervise.js';
import type { ControllerPorts, FailoverGroupSpec } from './types.js';

/** The part of a group's state the watch reads and writes. */
export interface WatchedGroup {
  spec: FailoverGroupSpec;
  active: FailoverMember;
}

/** What {@link GroupWatch} needs from the controller. */
export interface GroupWatchContext<G extends WatchedGroup> {
  /** Both loops run once per health check interval. */
  intervalMs: number;
  ports: Pick<ControllerPorts, 'events' | 'loadBalancer' | 'virtualIp'>;
  supervisor: Supervisor;
  routing: Routing;
  checks: EndpointChecks;
  groups(): Iterable<G>;
  /** A target group's members changed: judge the group again. */
  onMembers(group: G): void;
  /** A platform-mode group's routing moved by itself to `to`. */
  onPlatformSwitch(group: G, to: FailoverMember): void;
  reportSplitBrain(vip: string, holders: string[]): void;
}

/**
 * Supervised loops that watch the groups between failovers: a target group's membership (an
 * autoscaling group replaces instances; targets that leave stop being probed unless another group
 * has them) and, in platform mode, where the platform routes (and whether a VIP has two holders).
 */
export class GroupWatch<G extends WatchedGroup> {
  constructor(private readonly ctx: GroupWatchContext<G>) {}

  start(): void {
    const { supervisor, intervalMs, routing, ports } = this.ctx;
    const every = { firstDelayMs: intervalMs, everyMs: intervalMs };
    for (const group of this.ctx.groups()) {
      const { spec } = group;
      if (spec.mode === 'platform' && spec.layer !== 'loadBalancer') {
        const loop = `observe:${spec.id}`;
        if (routing.has(spec)) void supervisor.loop(loop, this.#observer(group), every);
        else supervisor.report(new PortError('INVALID', spec.layer, 'observe', `no port for the ${spec.layer} layer: ${spec.id} is not observed`), loop, 1);
      }
      if (spec.layer === 'loadBalancer' && ports.loadBalancer) void supervisor.loop(`members:${spec.id}`, () => this.#members(group), every);
    }
  }

  /** Platform mode: the platform switches by itself; report what it did. */
  #observer(group: G): () => Promise<number> {
    let splitBrain = false;
    return async () => {
      const { spec } = group;
      let active: FailoverMember | undefined;
      if (spec.layer === 'vip') {
        const holders = await this.ctx.ports.virtualIp!.getHolders(spec.target);
        if (holders.length > 1 && !splitBrain) this.ctx.reportSplitBrain(spec.target, holders);
        splitBrain = holders.length > 1;
        active = memberOfHolders(spec, holders);
      } else {
        active = await this.ctx.routing.readActive(spec);
      }
      if (active && active !== group.active) this.ctx.onPlatformSwitch(group, active);
      return this.ctx.intervalMs;
    };
  }

  /** A target group's members change: judge the group by its current targets, probe only those. */
  async #members(group: G): Promise<number> {
    const lb = this.ctx.ports.loadBalancer!;
    const { members } = group.spec;
    // read both before changing anything, so a failed read leaves the group as it was
    const current = { primary: await lb.targets(members.primary.id), secondary: await lb.targets(members.secondary.id) };
    const left: string[] = [];
    let changed = false;
    for (const member of ['primary', 'secondary'] as const) {
      const spec = members[member];
      const targets = current[member];
      if (targets.join(',') === spec.endpoints.join(',')) continue;
      for (const t of targets) this.ctx.checks.add(t);
      this.ctx.ports.events.emit('controller', 'members', { group: group.spec.id, resource: spec.id, targets: targets.join(','), previous: spec.endpoints.join(',') });
      left.push(...spec.endpoints.filter((e) => !targets.includes(e)));
      spec.endpoints = targets;
      changed = true;
    }
    if (changed) {
      for (const endpoint of left) if (!this.#inAnyGroup(endpoint)) this.ctx.checks.remove(endpoint);
      this.ctx.onMembers(group);
    }
    return this.ctx.intervalMs;
  }

  #inAnyGroup(endpoint: string): boolean {
    for (const { spec } of this.ctx.groups()) {
      if (spec.members.primary.endpoints.includes(endpoint) || spec.members.secondary.endpoints.includes(endpoint)) return true;
    }
    return false;
  }
}
