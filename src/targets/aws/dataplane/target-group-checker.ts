import { countCheck } from '../../../health/thresholds.js';
import type { Clock, Rng } from '../../../controller/ports.js';
import { boundedPoll } from './bounded-poll.js';
import { httpCheckTransport } from './http-check.js';
import type { CheckTransport } from './route53-checker.js';

/** ELBv2 target health states (DescribeTargetHealth `TargetHealth.State`, those a drill meets). */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused';

/** A target the control plane has registered in the group. */
export interface RegisteredTarget {
  instanceId: string;
  /** The scenario's server id standing for the instance (what events and `x-faildrill-server` name). */
  serverId: string;
  /** The control plane reports it `draining` (deregistered, within its deregistration delay). */
  draining?: boolean;
}

/**
 * The group's registered targets as the control plane lists them (ELBv2 DescribeTargetHealth, see
 * `elbv2-target-source.ts`). A target no longer listed has been deregistered.
 */
export interface TargetSource {
  registered(): Promise<readonly RegisteredTarget[]>;
}

/** Where a target's server listens: `InstanceServers` satisfies it. Throws for an instance without a server. */
export interface TargetEndpoints {
  endpoint(instanceId: string): { url: string };
}

/** A target that receives requests. */
export interface RoutableTarget {
  instanceId: string;
  serverId: string;
}

/**
 * One target group's health check settings: the scenario's `setup.loadBalancer.targetGroups[].healthCheck`
 * and `deregistrationDelay` (defaults in `src/scenario/defaults.ts`). "ALB guide" below is the Elastic
 * Load Balancing User Guide for Application Load Balancers, page "Health checks for Application Load
 * Balancer target groups" unless another page is named.
 */
export interface TargetGroupCheckSpec {
  targetGroupId: string;
  /** `HealthCheckIntervalSeconds`: each target is checked once per interval (ALB guide; 5–300 s, default 30 s). */
  intervalMs: number;
  /** `HealthCheckTimeoutSeconds`: no answer within it fails the check (ALB guide; default 5 s, must be shorter than the interval). */
  timeoutMs: number;
  /** `HealthyThresholdCount`: consecutive successes before an unhealthy or initial target is healthy (ALB guide; default 5). */
  healthyThreshold: number;
  /** `UnhealthyThresholdCount`: consecutive failures before a target is unhealthy (ALB guide; default 2). */
  unhealthyThreshold: number;
  /** `HealthCheckPath`, e.g. `/health`. */
  path: string;
  /** `deregistration_delay.timeout_seconds`: a deregistered target drains this long, then is unused (ALB guide, page "Target groups", Deregistration delay; default 300 s). */
  deregistrationDelayMs: number;
}

/** A target's health changed: what the session turns into an `lb`/`target.health` event. */
export interface TargetHealthVerdict {
  targetGroup: string;
  /** The target's server id. */
  target: string;
  instanceId: string;
  health: TargetHealthState;
  previous: TargetHealthState;
  /** Why the last check failed (`status 503`, `refused`, `timeout`, an errno code) for `unhealthy`. */
  reason?: string;
  atMs: number;
}

/** One check's outcome (progress, tests). */
export interface TargetCheckResult {
  targetGroup: string;
  instanceId: string;
  ok: boolean;
  reason?: string;
  startedAtMs: number;
  endedAtMs: number;
}

export interface TargetGroupCheckerOptions {
  spec: TargetGroupCheckSpec;
  source: TargetSource;
  endpoints: TargetEndpoints;
  /** The run's clock: wall time on the aws target. */
  clock: Clock;
  /** Draws each target's phase; fork it per group from the run's Rng (the simulator forks `targetGroup.<id>`). */
  rng: Rng;
  /** How often the control plane's registered targets are read. */
  pollIntervalMs: number;
  /** Polls and checks end by themselves this long after {@link TargetGroupChecker.start}. */
  lifetimeMs: number;
  /** Must not throw. */
  onVerdict: (verdict: TargetHealthVerdict) => void;
  onCheck?: (result: TargetCheckResult) => void;
  /** A poll of the control plane that failed; the next poll tries again. */
  onError?: (err: Error) => void;
  /** The HTTP GET of one check; default {@link httpCheckTransport}. */
  transport?: (url: string) => CheckTransport;
}

/** Called with the routable targets before and after a change. */
export type RoutableListener = (before: readonly RoutableTarget[], after: readonly RoutableTarget[]) => void;

interface Target {
  instanceId: string;
  serverId: string;
  health: TargetHealthState;
  successes: number;
  failures: number;
  /** First check at `baseMs + phaseMs`, then every interval. */
  baseMs: number;
  phaseMs: number;
}

type Outcome = { ok: true } | { ok: false; reason: string };

/** ALB's default success code (`Matcher.HttpCode` 200, ALB guide); provisioning sets the same. */
const SUCCESS_STATUS = 200;
const TIMED_OUT = Symbol('timed out');

/**
 * ELBv2 target health evaluated by faildrill, since moto derives target health from EC2 state and
 * never probes, and LocalStack community has no ELBv2 (design.md §8). The same rules as the
 * simulator's `SimTargetGroup` (`src/simulator/load-balancer.ts`), each from the ALB guide (see
 * {@link TargetGroupCheckSpec}):
 * - each target is checked once per interval from its own seeded phase (drawn in registration order);
 * - an HTTP GET of the path must answer 200 within the timeout; a refused connection fails at once, a
 *   check that gets no answer fails when its timeout runs out (the simulator settles checks at the
 *   instant they are sent: the one difference in kind);
 * - `unhealthyThreshold` failures in a row make a healthy or initial target unhealthy,
 *   `healthyThreshold` successes in a row make an unhealthy or initial target healthy;
 * - a newly registered target is `initial` until then (ALB guide, "Target health status");
 * - the targets registered when the checker starts are `healthy`, as the simulator's are at time 0;
 * - a deregistered target is `draining` (no new requests, no checks) for the deregistration delay, then `unused`;
 * - routable are the healthy targets; with none healthy, every unhealthy target ("fail open": ALB
 *   guide, "If a target group contains only unhealthy registered targets, the load balancer routes
 *   requests to all those targets").
 * Time and phases come only from the injected Clock and Rng.
 */
export class TargetGroupChecker {
  readonly #targets = new Map<string, Target>();
  readonly #listeners = new Set<RoutableListener>();
  #routable: RoutableTarget[] = [];
  #closed = false;
  #startedAtMs = 0;
  #deadlineMs = Infinity;
  #lastPoll: Promise<void> = Promise.resolve();
  readonly #transport: (url: string) => CheckTransport;

  private constructor(private readonly options: TargetGroupCheckerOptions) {
    const { spec } = options;
    if (!(spec.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${spec.intervalMs}`);
    if (!(spec.timeoutMs > 0 && spec.timeoutMs < spec.intervalMs))
      throw new RangeError(`timeoutMs must be > 0 and shorter than the interval (${spec.intervalMs} ms), as ELBv2 requires; got ${spec.timeoutMs}`);
    for (const key of ['healthyThreshold', 'unhealthyThreshold'] as const) {
      if (!Number.isInteger(spec[key]) || spec[key] < 1) throw new RangeError(`${key} must be a whole number ≥ 1, got ${spec[key]}`);
    }
    if (!(spec.deregistrationDelayMs >= 0)) throw new RangeError(`deregistrationDelayMs must be ≥ 0, got ${spec.deregistrationDelayMs}`);
    this.#transport = options.transport ?? httpCheckTransport;
  }

  /** Reads the registered targets once (they start healthy), then checks them and polls the control plane until closed or the lifetime ends. */
  static async start(options: TargetGroupCheckerOptions): Promise<TargetGroupChecker> {
    const checker = new TargetGroupChecker(options);
    checker.#startedAtMs = options.clock.nowMs();
    checker.#deadlineMs = checker.#startedAtMs + options.lifetimeMs;
    const registered = await options.source.registered();
    for (const t of registered) {
      if (t.draining || checker.#targets.has(t.instanceId)) continue;
      checker.#add(t, 'healthy', checker.#startedAtMs);
    }
    checker.#routable = checker.#computeRoutable();
    for (const target of checker.#targets.values()) void checker.#checkLoop(target);
    void boundedPoll({
      clock: options.clock,
      intervalMs: options.pollIntervalMs,
      deadlineMs: checker.#deadlineMs,
      closed: () => checker.#closed,
      poll: () => checker.refresh(),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    return checker;
  }

  get id(): string {
    return this.options.spec.targetGroupId;
  }

  /** Run time at which {@link start} was called. */
  get startedAtMs(): number {
    return this.#startedAtMs;
  }

  /** When `instanceId` is checked: first at `baseMs + phaseMs`, then every interval. */
  schedule(instanceId: string): { baseMs: number; phaseMs: number } | undefined {
    const t = this.#targets.get(instanceId);
    return t && { baseMs: t.baseMs, phaseMs: t.phaseMs };
  }

  health(instanceId: string): TargetHealthState | undefined {
    return this.#targets.get(instanceId)?.health;
  }

  /** Targets that receive new requests now (healthy, or failing open to every unhealthy one). */
  routable(): readonly RoutableTarget[] {
    return this.#routable;
  }

  /** Calls `listener` whenever {@link routable} changes; returns its removal. */
  subscribe(listener: RoutableListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the control plane's registered targets now: new ones start `initial`, missing or draining ones drain. */
  refresh(): Promise<void> {
    this.#lastPoll = this.#lastPoll.catch(() => undefined).then(() => this.#apply());
    return this.#lastPoll;
  }

  /** Stops checking and polling: no check or verdict follows. */
  close(): void {
    this.#closed = true;
  }

  async #apply(): Promise<void> {
    if (this.#closed) return;
    const registered = await this.options.source.registered();
    if (this.#closed) return;
    const nowMs = this.options.clock.nowMs();
    const active = new Set(registered.filter((t) => !t.draining).map((t) => t.instanceId));
    for (const t of registered) {
      if (t.draining) continue;
      const known = this.#targets.get(t.instanceId);
      if (known && known.health !== 'unused') continue;
      const target = this.#add(t, 'initial', nowMs);
      this.#emit(target, 'unused');
      void this.#checkLoop(target);
    }
    for (const target of this.#targets.values()) {
      if (active.has(target.instanceId) || target.health === 'draining' || target.health === 'unused') continue;
      this.#setHealth(target, 'draining');
      void this.options.clock.sleep(this.options.spec.deregistrationDelayMs).then(() => {
        if (!this.#closed && this.#targets.get(target.instanceId) === target && target.health === 'draining') this.#setHealth(target, 'unused');
      });
    }
  }

  #add(t: RegisteredTarget, health: TargetHealthState, baseMs: number): Target {
    const target: Target = {
      instanceId: t.instanceId,
      serverId: t.serverId,
      health,
      successes: 0,
      failures: 0,
      baseMs,
      phaseMs: this.options.rng.int(0, this.options.spec.intervalMs - 1),
    };
    this.#targets.set(t.instanceId, target);
    return target;
  }

  #current(target: Target): boolean {
    return !this.#closed && this.#targets.get(target.instanceId) === target && target.health !== 'draining' && target.health !== 'unused';
  }

  async #checkLoop(target: Target): Promise<void> {
    const { clock, spec } = this.options;
    for (let k = 0; ; k++) {
      const atMs = target.baseMs + target.phaseMs + k * spec.intervalMs;
      if (atMs >= this.#deadlineMs) return;
      const waitMs = atMs - clock.nowMs();
      if (waitMs > 0) await clock.sleep(waitMs);
      if (!this.#current(target)) return;
      if (waitMs <= -spec.intervalMs) continue;
      const outcome = await this.#checkOnce(target, atMs);
      if (!this.#current(target)) return;
      this.#record(target, outcome);
    }
  }

  async #checkOnce(target: Target, startedAtMs: number): Promise<Outcome> {
    const { clock, spec } = this.options;
    let outcome: Outcome;
    let abort = (): void => undefined;
    try {
      const attempt = this.#transport(`${this.options.endpoints.endpoint(target.instanceId).url}${spec.path}`).open();
      abort = () => attempt.abort();
      const status = await Promise.race([attempt.response, clock.sleep(spec.timeoutMs).then((): typeof TIMED_OUT => TIMED_OUT)]);
      if (status === TIMED_OUT) outcome = { ok: false, reason: 'timeout' };
      else if (status === SUCCESS_STATUS) outcome = { ok: true };
      else outcome = { ok: false, reason: `status ${status}` };
    } catch (err) {
      outcome = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (!outcome.ok) abort();
    if (this.#current(target)) {
      this.options.onCheck?.({
        targetGroup: spec.targetGroupId,
        instanceId: target.instanceId,
        ok: outcome.ok,
        ...(outcome.ok ? {} : { reason: outcome.reason }),
        startedAtMs,
        endedAtMs: clock.nowMs(),
      });
    }
    return outcome;
  }

  #record(target: Target, outcome: Outcome): void {
    const next = countCheck(target, target.health, outcome.ok, this.options.spec);
    if (next) this.#setHealth(target, next, outcome.ok ? undefined : outcome.reason);
  }

  #setHealth(target: Target, health: TargetHealthState, reason?: string): void {
    const previous = target.health;
    target.health = health;
    target.successes = 0;
    target.failures = 0;
    if (health === 'unused') this.#targets.delete(target.instanceId);
    this.#emit(target, previous, reason);
    const before = this.#routable;
    const after = this.#computeRoutable();
    if (serverList(before) === serverList(after)) return;
    this.#routable = after;
    for (const listener of this.#listeners) listener(before, after);
  }

  #emit(target: Target, previous: TargetHealthState, reason?: string): void {
    this.options.onVerdict({
      targetGroup: this.options.spec.targetGroupId,
      target: target.serverId,
      instanceId: target.instanceId,
      health: target.health,
      previous,
      ...(reason !== undefined ? { reason } : {}),
      atMs: this.options.clock.nowMs(),
    });
  }

  #computeRoutable(): RoutableTarget[] {
    const all = [...this.#targets.values()];
    const healthy = all.filter((t) => t.health === 'healthy');
    const chosen = healthy.length > 0 ? healthy : all.filter((t) => t.health === 'unhealthy');
    return chosen.map((t) => ({ instanceId: t.instanceId, serverId: t.serverId }));
  }
}

/** A routable set as one comparable string of server ids. */
export function serverList(targets: readonly RoutableTarget[]): string {
  return targets.map((t) => t.serverId).join(',');
}
