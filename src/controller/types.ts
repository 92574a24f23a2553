import type { RetryPolicy } from './backoff.js';
import type {
  Clock,
  DatabasePort,
  DnsPort,
  EventSink,
  FailoverMember,
  HealthProbePort,
  LeasePort,
  LoadBalancerPort,
  Notifier,
  Rng,
  ScalingGroupPort,
  VirtualIpPort,
} from './ports.js';

export type FailoverType = 'planned' | 'unplanned' | 'automatic' | 'manual';
export type FailoverStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'rolled_back';
export type FailoverLayer = 'dns' | 'loadBalancer' | 'vip' | 'database';

/** One switch of a failover group from one member to the other. */
export interface FailoverEvent {
  failoverId: string;
  groupId: string;
  layer: FailoverLayer;
  from: FailoverMember;
  to: FailoverMember;
  /** failover: primary → secondary; failback: secondary → primary. */
  direction: 'failover' | 'failback';
  type: FailoverType;
  status: FailoverStatus;
  reason: string;
  startMs: number;
  endMs?: number;
}

/** A resource the controller judges: one or more endpoints it health-checks. */
export interface ResourceSpec {
  id: string;
  endpoints: string[];
}

/** A primary/secondary pair on one layer, and who switches it. */
export interface FailoverGroupSpec {
  id: string;
  layer: FailoverLayer;
  /** DNS record name, load balancer id or VIP id: what the port calls act on. */
  target: string;
  /** secondary's identifier on the port: for a load balancer, the target group ids of each member. */
  members: Record<FailoverMember, ResourceSpec>;
  /** platform: the platform switches natively and the controller only observes; controller: we switch. */
  mode: 'platform' | 'controller';
}

/** Split-brain fencing of a virtual IP through an arbiter lease. */
export interface FencingSpec {
  vip: string;
  /** Lease time to live: a dead holder's lease lapses after this. */
  leaseTtlMs: number;
  /** Configured VRRP priority of each node: the weaker node is demoted. */
  priorities: Record<string, number>;
}

export interface ControllerConfig {
  healthCheck: { intervalMs: number; timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number; path: string };
  automaticFailover: boolean;
  failback: 'automatic' | 'manual';
  failoverOn: 'unhealthy' | 'degraded';
  groups: FailoverGroupSpec[];
  fencing?: FencingSpec;
  /** After an automatic failover, add this many instances to the group (seed 000's failover scale-up). */
  scaleOnFailover?: { groupId: string; step: number };
  /** How failed port calls are retried; missing fields take `DEFAULT_RETRY_POLICY`'s (backoff.ts). */
  retry?: Partial<RetryPolicy>;
  /**
   * Failback hold-down: after an automatic failover, automatic failback waits until the primary has
   * been healthy this long (doubled on each flap). Default healthyThreshold × intervalMs, i.e. no
   * wait beyond the health verdict's own; 0 turns flap damping off. Manual failback ignores it.
   * Defaults of the three damping fields: `failbackDampingPolicy` (failback-damping.ts).
   */
  failbackHoldMs?: number;
  /** An automatic failover this soon after an automatic failback doubles the hold-down; none for this long resets it. Default 10 min. */
  flapWindowMs?: number;
  /** The hold-down never exceeds this. Default 10 min, or failbackHoldMs when that is longer. */
  maxFailbackHoldMs?: number;
}

/** Everything the controller may use. Every port rejects with a PortError; the controller survives it. */
export interface ControllerPorts {
  clock: Clock;
  rng: Rng;
  probe: HealthProbePort;
  events: EventSink;
  notifier: Notifier;
  dns?: DnsPort;
  loadBalancer?: LoadBalancerPort;
  virtualIp?: VirtualIpPort;
  lease?: LeasePort;
  database?: DatabasePort;
  scalingGroup?: ScalingGroupPort;
}
