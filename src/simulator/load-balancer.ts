import { countCheck } from '../health/thresholds.js';
import type { Rng } from '../controller/ports.js';
import type { TargetGroupSpec } from '../scenario/schema.js';
import type { SimContext } from './context.js';
import { verdictWithin } from './checks.js';
import type { Response } from './server.js';

export type TargetHealth = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused';

interface TargetState {
  serverId: string;
  health: TargetHealth;
  successes: number;
  failures: number;
}

/**
 * An ELBv2 target group: per-target health checks with interval, timeout and thresholds (a check
 * without an answer fails when its timeout runs out, a refused one at once); routes to
 * healthy targets and fails open (to every registered target) when none is healthy; a deregistered
 * target drains for the deregistration delay.
 */
export class SimTargetGroup {
  readonly #targets: TargetState[];
  #routable: string[];
  readonly #rng: Rng;

  constructor(
    readonly spec: TargetGroupSpec,
    private readonly ctx: SimContext,
    private readonly respond: (serverId: string) => Response,
    private readonly onRoutableChange: (group: SimTargetGroup, before: string[], after: string[]) => void,
  ) {
    this.#targets = spec.targets.map((serverId) => ({ serverId, health: 'healthy', successes: 0, failures: 0 }));
    this.#routable = this.#computeRoutable();
    this.#rng = ctx.rng.fork(`targetGroup.${spec.id}`);
    for (const target of this.#targets) {
      ctx.engine.after(this.#rng.int(0, spec.healthCheck.intervalMs - 1), () => this.#check(target), true);
    }
  }

  /** Registers a new target: `initial` until it passes the healthy threshold, then routable. */
  register(serverId: string): void {
    if (this.#targets.some((t) => t.serverId === serverId && t.health !== 'unused')) return;
    const target: TargetState = { serverId, health: 'initial', successes: 0, failures: 0 };
    this.#targets.push(target);
    this.ctx.events.emit('lb', 'target.health', { targetGroup: this.id, target: serverId, health: 'initial', previous: 'unused' });
    this.ctx.engine.after(this.#rng.int(0, this.spec.healthCheck.intervalMs - 1), () => this.#check(target), true);
  }

  get id(): string {
    return this.spec.id;
  }

  /** Targets that receive new requests now. */
  get routable(): readonly string[] {
    return this.#routable;
  }

  /** Targets registered now: neither draining nor deregistered. */
  registered(): string[] {
    return this.#targets.filter((t) => t.health !== 'draining' && t.health !== 'unused').map((t) => t.serverId);
  }

  health(serverId: string): TargetHealth | undefined {
    return this.#targets.find((t) => t.serverId === serverId)?.health;
  }

  /** Stops sending new requests to `serverId`; it is `unused` after the deregistration delay. */
  deregister(serverId: string): void {
    const target = this.#targets.find((t) => t.serverId === serverId);
    if (!target || target.health === 'draining' || target.health === 'unused') return;
    this.#setHealth(target, 'draining');
    this.ctx.engine.after(this.spec.deregistrationDelayMs, () => this.#setHealth(target, 'unused'));
  }

  /** Sends one check; its verdict counts when the answer comes, or when the timeout runs out without one. */
  #check(target: TargetState): void {
    if (target.health !== 'draining' && target.health !== 'unused') {
      const verdict = verdictWithin(this.respond(target.serverId), this.spec.healthCheck.timeoutMs);
      this.ctx.engine.after(verdict.afterMs, () => this.#count(target, verdict.ok), true);
    }
    if (target.health !== 'unused') this.ctx.engine.after(this.spec.healthCheck.intervalMs, () => this.#check(target), true);
  }

  #count(target: TargetState, ok: boolean): void {
    if (target.health === 'draining' || target.health === 'unused') return;
    const next = countCheck(target, target.health, ok, this.spec.healthCheck);
    if (next) this.#setHealth(target, next);
  }

  #setHealth(target: TargetState, health: TargetHealth): void {
    const previous = target.health;
    const routable = this.#computeRoutableWith(target, health);
    const routingChanges = routable.join(',') !== this.#routable.join(',');
    if (routingChanges) this.ctx.beforeRoutingChange();
    target.health = health;
    target.successes = 0;
    target.failures = 0;
    this.ctx.events.emit('lb', 'target.health', { targetGroup: this.id, target: target.serverId, health, previous });
    if (routingChanges) {
      const before = this.#routable;
      this.#routable = routable;
      this.onRoutableChange(this, before, routable);
    }
  }

  #computeRoutableWith(changed: TargetState, health: TargetHealth): string[] {
    const saved = changed.health;
    changed.health = health;
    const routable = this.#computeRoutable();
    changed.health = saved;
    return routable;
  }

  #computeRoutable(): string[] {
    const healthy = this.#targets.filter((t) => t.health === 'healthy').map((t) => t.serverId);
    if (healthy.length > 0) return healthy;
    return this.#targets.filter((t) => t.health === 'unhealthy').map((t) => t.serverId);
  }
}
