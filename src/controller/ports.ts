/**
 * The controller's view of the world. Every target (simulator, host, AWS) implements these ports;
 * the controller imports nothing else that touches time, randomness, processes or cloud APIs.
 *
 * Failure contract: a port operation that fails rejects with a `PortError` (port-error.ts: stable `code`,
 * `retryable`); anything else it throws is treated as a non-retryable `INTERNAL` PortError. The
 * controller reports each one as a `controller`/`port.error` event and retries with backoff.
 */

/** Time, as a service: the simulator's virtual clock or the wall clock. */
export interface Clock {
  /** Milliseconds since the start of the run. */
  nowMs(): number;
  /** Resolves once `ms` have passed on this clock. */
  sleep(ms: number): Promise<void>;
}

/** Seeded randomness, as a service. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** An independent generator for a named subsystem: adding draws to one never shifts another's. */
  fork(name: string): Rng;
}

/** Outcome of one health check request. */
export interface ProbeResult {
  ok: boolean;
  /** Time to answer, or the timeout when there was no answer. */
  latencyMs: number;
  /** Why it failed: `refused`, `timeout`, `status 503`, … */
  reason?: string;
}

/** Sends health checks to endpoints (an HTTP GET of `path` on the real targets). Rejects with a PortError when it cannot check at all. */
export interface HealthProbePort {
  /**
   * Checks `endpointId`; resolves at the latest after `timeoutMs`, with `ok: false` for a check that
   * failed. Rejects with a PortError only when the check could not be made; the controller counts
   * that as a failed check whose reason is the error's code.
   */
  probe(endpointId: string, request: { path: string; timeoutMs: number }): Promise<ProbeResult>;
}

export type FailoverMember = 'primary' | 'secondary';

/** A DNS failover record pair (Route 53 `Failover: PRIMARY|SECONDARY`, or a DNS server of our own). Every method rejects with a PortError on failure. */
export interface DnsPort {
  /** Makes the record answer with `member`'s value, as an UPSERT of the record set would; resolves when in sync. */
  setActive(recordName: string, member: FailoverMember): Promise<void>;
  /** Which member the record answers with now. */
  getActive(recordName: string): Promise<FailoverMember>;
  /** How long clients may keep the previous answer: the record's TTL. */
  drainMs(recordName: string): Promise<number>;
}

/** A load balancer listener that forwards to one of several target groups (ALB/NLB, nginx upstream). Every method rejects with a PortError on failure. */
export interface LoadBalancerPort {
  /** Points the listener of `loadBalancerId` at `targetGroupId`; resolves when new requests go there. */
  forwardTo(loadBalancerId: string, targetGroupId: string): Promise<void>;
  /** The target group the listener forwards to now. */
  getForwardTarget(loadBalancerId: string): Promise<string>;
  /** How long requests already sent to `targetGroupId` may still run: its deregistration delay. */
  drainMs(targetGroupId: string): Promise<number>;
  /** Targets registered with the group now (neither draining nor deregistered). */
  targets(targetGroupId: string): Promise<string[]>;
}

/** Database primary/standby (RDS Multi-AZ, replica promotion, PostgreSQL). Every method rejects with a PortError on failure. */
export interface DatabasePort {
  /** Promotes the standby (or fails over the cluster); resolves when it accepts writes. */
  promote(databaseId: string): Promise<void>;
  /** The member that accepts writes now. */
  getWriter(databaseId: string): Promise<string>;
  /** Replication lag of the standby, in milliseconds. */
  replicationLagMs(databaseId: string): Promise<number>;
}

/** A virtual IP held by one node (keepalived/VRRP). Every method rejects with a PortError on failure. */
export interface VirtualIpPort {
  /** The nodes that hold the address now: one normally, none during a takeover, two in split brain. */
  getHolders(vipId: string): Promise<string[]>;
  /** Moves the address to `nodeId` (priority change, or taking it with gratuitous ARP). */
  moveTo(vipId: string, nodeId: string): Promise<void>;
  /** Demotes `nodeId`: it releases the address (fencing after split brain). */
  demote(vipId: string, nodeId: string): Promise<void>;
}

/** A lease in a consistent store (etcd, Consul, ZooKeeper): the arbiter of who may lead. Every method rejects with a PortError on failure. */
export interface LeasePort {
  /** Takes or renews `key` for `owner` for `ttlMs`; false while another owner's lease is live. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** The live owner of `key`, if any. */
  holder(key: string): Promise<string | undefined>;
  /** Ends `owner`'s lease on `key` (etcd lease revoke, Consul session destroy); nothing when another owns it. */
  release(key: string, owner: string): Promise<void>;
}

/** An autoscaling group. Every method rejects with a PortError on failure. */
export interface ScalingGroupPort {
  /** Sets the group's desired capacity (idempotent: the same value twice is one change). */
  setDesiredCapacity(groupId: string, desired: number): Promise<void>;
  /** The group's desired capacity now. */
  getDesiredCapacity(groupId: string): Promise<number>;
}

/** Where failover events go for people: a log now, PagerDuty/SNS/Alertmanager later. `notify` should not throw; if it does, the controller reports a `port.error` and goes on. */
export interface Notifier {
  notify(notification: Notification): void;
}

export interface Notification {
  atMs: number;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  /** The failover event this notification is about, when there is one. */
  failoverId?: string;
}

/** The run's event log: every decision and state change of the controller lands here. */
export interface EventSink {
  emit(component: string, type: string, detail: Record<string, string | number | boolean>): void;
}
