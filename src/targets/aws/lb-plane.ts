import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Rng } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import type { LoadBalancerSpec } from '../../scenario/schema.js';
import { WallClock } from '../shared/wall-clock.js';
import { elbv2ListenerSource } from './dataplane/elbv2-listener-source.js';
import { elbv2TargetSource } from './dataplane/elbv2-target-source.js';
import { LoadBalancerProxy, type RouteChange } from './dataplane/load-balancer-proxy.js';
import {
  TargetGroupChecker,
  type TargetEndpoints,
  type TargetHealthState,
  type TargetHealthVerdict,
  type TargetSource,
} from './dataplane/target-group-checker.js';
import type { LoadBalancerResources } from './provision/resources.js';

/**
 * ALB's connection timeout to a target: no answer within 10 s gives the client 504 (Elastic Load
 * Balancing User Guide for Application Load Balancers, "Troubleshoot your Application Load Balancers", HTTP 504).
 */
export const TARGET_CONNECT_TIMEOUT_MS = 10_000;

export interface LbPlaneOptions {
  elbv2: ElasticLoadBalancingV2Client;
  spec: LoadBalancerSpec;
  resources: LoadBalancerResources;
  /** Where each instance's server listens (`InstanceServers`). */
  endpoints: TargetEndpoints;
  /** The scenario's server id for an instance id (an instance the Auto Scaling group launched keeps its own id). */
  serverOf: (instanceId: string) => string;
  /** The run's Rng: each group's checker draws its phases from the fork `targetGroup.<id>`, as the simulator's groups do. */
  rng: Rng;
  /** Must not throw; the session drops what is emitted before the run starts. */
  emit: (component: string, type: string, detail: EventDetail) => void;
  /** How often the registered targets and the listener's forward are read back from ELBv2. */
  pollIntervalMs: number;
  /** Checks, polls and the proxy end by themselves this long after {@link LbPlane.start}. */
  lifetimeMs: number;
  /**
   * Awaited after each read of a group's registered targets, before the checker applies it: the session
   * follows the Auto Scaling group there, so that the group's verdict on an instance it replaced comes
   * before the target group drains its target, as on AWS where the group deregisters what it terminates.
   * A rejection is ignored.
   */
  afterTargetsRead?: () => Promise<void>;
}

/**
 * The load balancer layer's data plane on an emulator (moto never probes targets; LocalStack
 * community has no ELBv2; design.md §8): one {@link TargetGroupChecker} per target group with the
 * scenario's health check settings, and a {@link LoadBalancerProxy} on loopback that routes like
 * the listener the control plane holds. It emits what the measurement reads, as the simulator's
 * world does: `lb`/`target.health` per verdict and `lb`/`route.changed` when traffic moves (layer
 * `targetGroup` within the forwarded group, `loadBalancer` when the listener forwards elsewhere;
 * `fromServers`/`toServers` comma-joined server ids).
 *
 * It runs from setup on a clock of its own, as a real load balancer checks its targets before a
 * drill begins: the checks keep their seeded phases across the run's start, and verdicts before it
 * are dropped by the session (every target starts healthy).
 */
export class LbPlane {
  readonly #clock = new WallClock();
  readonly #checkers: TargetGroupChecker[] = [];
  #proxy?: LoadBalancerProxy;
  #closing?: Promise<void>;

  private constructor(private readonly options: LbPlaneOptions) {}

  /** Starts the checkers and the proxy; on failure closes what it started and throws. */
  static async start(options: LbPlaneOptions): Promise<LbPlane> {
    const plane = new LbPlane(options);
    try {
      await plane.#start();
      return plane;
    } catch (err) {
      await plane.close();
      throw err;
    }
  }

  /** `http://127.0.0.1:<port>`: the listener, where the load balancer's clients send. */
  get url(): string {
    return this.#proxy!.url;
  }

  /** Scenario id of the load balancer. */
  get id(): string {
    return this.options.resources.id;
  }

  /** Server ids that receive requests now. */
  get servers(): readonly string[] {
    return this.#proxy?.servers ?? [];
  }

  /** faildrill's verdict on `instanceId` in target group `targetGroupId` (scenario id), if it is registered there. */
  health(targetGroupId: string, instanceId: string): TargetHealthState | undefined {
    return this.#checkers.find((c) => c.id === targetGroupId)?.health(instanceId);
  }

  /** Reads the registered targets and the listener's forward now rather than at the next poll. */
  async refresh(): Promise<void> {
    await Promise.all(this.#checkers.map((c) => c.refresh()));
    await this.followListener();
  }

  /** Reads the listener's forward now: after a ModifyListener, so that new requests go where it points. */
  async followListener(): Promise<void> {
    await this.#proxy?.refresh();
  }

  async #start(): Promise<void> {
    const { elbv2, spec, resources, endpoints, serverOf, rng, emit, pollIntervalMs, lifetimeMs } = this.options;
    const groupIdsByArn = new Map<string, string>();
    for (const tg of spec.targetGroups) {
      const resource = resources.targetGroups[tg.id];
      if (!resource) throw new Error(`target group ${tg.id} of ${spec.id} was not provisioned`);
      groupIdsByArn.set(resource.arn, tg.id);
      const checker = await TargetGroupChecker.start({
        spec: {
          targetGroupId: tg.id,
          intervalMs: tg.healthCheck.intervalMs,
          timeoutMs: tg.healthCheck.timeoutMs,
          healthyThreshold: tg.healthCheck.healthyThreshold,
          unhealthyThreshold: tg.healthCheck.unhealthyThreshold,
          path: tg.healthCheck.path,
          deregistrationDelayMs: tg.deregistrationDelayMs,
        },
        source: followedBy(elbv2TargetSource(elbv2, resource.arn, serverOf), this.options.afterTargetsRead),
        endpoints,
        clock: this.#clock,
        rng: rng.fork(`targetGroup.${tg.id}`),
        pollIntervalMs,
        lifetimeMs,
        onVerdict: (v) => emit('lb', 'target.health', healthDetail(v)),
        onError: (err) => emit('lb', 'error', { targetGroup: tg.id, message: err.message }),
      });
      this.#checkers.push(checker);
    }
    this.#proxy = await LoadBalancerProxy.start({
      loadBalancerId: spec.id,
      groups: this.#checkers,
      endpoints,
      listener: elbv2ListenerSource(elbv2, resources.listenerArn, groupIdsByArn),
      clock: this.#clock,
      pollIntervalMs,
      lifetimeMs,
      targetTimeoutMs: TARGET_CONNECT_TIMEOUT_MS,
      onRouteChange: (change) => emit('lb', 'route.changed', routeDetail(change)),
      onError: (err) => emit('lb', 'error', { loadBalancer: spec.id, message: err.message }),
    });
  }

  /** Stops the checks and polls and closes the proxy and its connections. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      for (const checker of this.#checkers) checker.close();
      await this.#proxy?.close();
      this.#clock.close();
    })());
  }
}

function followedBy(source: TargetSource, after: (() => Promise<void>) | undefined): TargetSource {
  if (!after) return source;
  return {
    async registered() {
      const targets = await source.registered();
      await after().catch(() => undefined);
      return targets;
    },
  };
}

function healthDetail(v: TargetHealthVerdict): EventDetail {
  return {
    targetGroup: v.targetGroup,
    target: v.target,
    health: v.health,
    previous: v.previous,
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
    evaluatedBy: 'faildrill (the emulator does not probe targets)',
  };
}

function routeDetail(c: RouteChange): EventDetail {
  return {
    layer: c.layer,
    resource: c.resource,
    from: c.from,
    to: c.to,
    fromServers: c.fromServers.join(','),
    toServers: c.toServers.join(','),
  };
}
