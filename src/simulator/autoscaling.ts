import { PortError } from '../controller/port-error.js';
import type { ScalingGroupPort } from '../controller/ports.js';
import type { AutoscalingSpec } from '../scenario/schema.js';
import type { SimContext } from './context.js';
import type { SimTargetGroup } from './load-balancer.js';
import { SimServer } from './server.js';

export type InstanceState = 'pending' | 'in-service' | 'unhealthy' | 'terminating' | 'terminated';

interface Instance {
  id: string;
  state: InstanceState;
  launchedAtMs: number;
}

/** How often the group evaluates instance health (EC2 status checks and ELB health). An assumption. */
export const ASG_HEALTH_INTERVAL_MS = 10_000;

/**
 * An EC2 Auto Scaling group: keeps `desired` instances in service, replaces an instance whose EC2
 * status (or, with ELB health checks, target health after the grace period) is bad, launches take
 * `launchTime`, new instances register with the target group. SetDesiredCapacity ignores the cooldown
 * unless HonorCooldown is set (Auto Scaling API reference); the port sets it, like the aws target's
 * AsgScalingGroupPort, so a change inside the cooldown is refused (ScalingActivityInProgress: a
 * retryable `CONFLICT`).
 */
export class SimAutoscalingGroup {
  readonly #instances: Instance[];
  #desired: number;
  #launched = 0;
  #lastScalingMs = -Infinity;
  readonly #honorCooldown: boolean;

  constructor(
    readonly spec: AutoscalingSpec,
    private readonly ctx: SimContext,
    private readonly servers: Map<string, SimServer>,
    private readonly targetGroup: SimTargetGroup | undefined,
    /** SetDesiredCapacity's HonorCooldown as the port sends it (default true, as AsgScalingGroupPort). */
    options: { honorCooldown?: boolean } = {},
  ) {
    this.#honorCooldown = options.honorCooldown ?? true;
    this.#instances = spec.instances.map((id) => ({ id, state: 'in-service', launchedAtMs: -spec.healthCheckGracePeriodMs }));
    this.#desired = spec.desired ?? spec.instances.length;
    const phase = ctx.rng.fork(`asg.${spec.id}`).int(0, ASG_HEALTH_INTERVAL_MS - 1);
    ctx.engine.after(phase, () => this.#evaluate(), true);
  }

  get desired(): number {
    return this.#desired;
  }

  /** Instances counted towards capacity (launching or in service). */
  get inService(): string[] {
    return this.#instances.filter((i) => i.state === 'in-service').map((i) => i.id);
  }

  #active(): Instance[] {
    return this.#instances.filter((i) => i.state === 'pending' || i.state === 'in-service');
  }

  #healthy(instance: Instance): boolean {
    const server = this.servers.get(instance.id)!;
    if (!server.hostUp) return false;
    if (this.spec.healthCheckType === 'EC2' || !this.targetGroup) return true;
    if (this.ctx.engine.nowMs - instance.launchedAtMs < this.spec.healthCheckGracePeriodMs) return true;
    return this.targetGroup.health(instance.id) !== 'unhealthy';
  }

  #evaluate(): void {
    for (const instance of this.#instances.filter((i) => i.state === 'in-service')) {
      if (!this.#healthy(instance)) this.#replace(instance);
    }
    this.#fill();
    this.ctx.engine.after(ASG_HEALTH_INTERVAL_MS, () => this.#evaluate(), true);
  }

  #replace(instance: Instance): void {
    this.#set(instance, 'unhealthy');
    this.#set(instance, 'terminating');
    this.targetGroup?.deregister(instance.id);
    const server = this.servers.get(instance.id)!;
    if (!server.terminated) {
      this.ctx.beforeRoutingChange();
      server.terminate();
    }
    this.#set(instance, 'terminated');
  }

  /** Launches instances until the active count reaches the desired capacity. */
  #fill(): void {
    const missing = this.#desired - this.#active().length;
    for (let i = 0; i < missing; i++) this.#launch();
  }

  #launch(): void {
    const id = `${this.spec.id}-i${++this.#launched}`;
    const instance: Instance = { id, state: 'pending', launchedAtMs: this.ctx.engine.nowMs };
    this.#instances.push(instance);
    const server = new SimServer(id, this.spec.instanceLatencyMs);
    const bootUndo = server.stop('app');
    this.servers.set(id, server);
    this.ctx.events.emit('asg', 'instance', { group: this.spec.id, instance: id, state: 'pending', previous: 'none' });
    this.ctx.engine.after(this.spec.launchTimeMs, () => {
      if (instance.state !== 'pending') return;
      this.ctx.beforeRoutingChange();
      bootUndo();
      this.#set(instance, 'in-service');
      this.targetGroup?.register(id);
    });
  }

  #set(instance: Instance, state: InstanceState): void {
    const previous = instance.state;
    instance.state = state;
    this.ctx.events.emit('asg', 'instance', {
      group: this.spec.id,
      instance: instance.id,
      state,
      previous,
      // the group's health verdict, in the shape every checker reports (measurement reads it as detection)
      ...(state === 'unhealthy' ? { target: instance.id, health: 'unhealthy', check: this.spec.healthCheckType } : {}),
    });
  }

  /** The controller's view of the group. */
  readonly port: ScalingGroupPort = {
    setDesiredCapacity: async (_group, desired) => {
      const clamped = Math.max(this.spec.min ?? 0, Math.min(this.spec.max ?? Math.max(desired, this.#desired), desired));
      const now = this.ctx.engine.nowMs;
      if (clamped === this.#desired) return;
      if (this.#honorCooldown && now - this.#lastScalingMs < this.spec.cooldownMs) {
        this.ctx.events.emit('asg', 'scaling.rejected', { group: this.spec.id, desired: clamped, reason: 'cooldown' });
        throw new PortError('CONFLICT', 'scalingGroup', 'setDesiredCapacity', `${this.spec.id}: scaling activity inside the cooldown (HonorCooldown)`);
      }
      this.#lastScalingMs = now;
      this.ctx.events.emit('asg', 'capacity', { group: this.spec.id, desired: clamped, previous: this.#desired });
      this.#desired = clamped;
      this.#fill();
    },
    getDesiredCapacity: async () => this.#desired,
  };
}
