import { aggregateHealth, HealthTracker, type ResourceHealth } from './health.js';
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
}

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

interface GroupState {
  spec: FailoverGroupSpec;
  active: FailoverMember;
  health: Record<FailoverMember, ResourceHealth>;
  inFlight?: FailoverEvent;
  /** Set by a planned failover until the operator ends the maintenance: no automatic failback meanwhile. */
  maintenance: boolean;
}

const other = (m: FailoverMember): FailoverMember => (m === 'primary' ? 'secondary' : 'primary');

/**
 * The failover controller: health-checks every endpoint of every group, derives resource health,
 * fails over automatically (or on request), fails back, and runs planned failovers — one failover
 * at a time per group. It sees the world only through its ports.
 */
export class FailoverController {
  readonly #trackers = new Map<string, HealthTracker>();
  readonly #groups = new Map<string, GroupState>();
  readonly #history: FailoverEvent[] = [];
  #running = false;
  #sequence = 0;
  #phases?: Rng;

  constructor(
    private readonly config: ControllerConfig,
    private readonly ports: ControllerPorts,
  ) {
    for (const configured of config.groups) {
      // membership of a target group changes at run time (replacements); keep our own copy
      const spec: FailoverGroupSpec = {
        ...configured,
        members: {
          primary: { ...configured.members.primary, endpoints: [...configured.members.primary.endpoints] },
          secondary: { ...configured.members.secondary, endpoints: [...configured.members.secondary.endpoints] },
        },
      };
      this.#groups.set(spec.id, {
        spec,
        active: 'primary',
        health: { primary: 'unknown', secondary: 'unknown' },
        maintenance: false,
      });
      for (const member of Object.values(spec.members)) {
        for (const endpoint of member.endpoints) {
          if (!this.#trackers.has(endpoint)) this.#trackers.set(endpoint, new HealthTracker(config.healthCheck));
        }
      }
    }
  }

  /** Every failover event so far, in order of start. */
  get failovers(): readonly FailoverEvent[] {
    return this.#history;
  }

  /** Health of an endpoint as the controller last judged it. */
  endpointHealth(endpointId: string): ResourceHealth {
    return this.#trackers.get(endpointId)?.health ?? 'unknown';
  }

  /** Starts one check loop per endpoint, each on its own seeded phase, and the platform observers. */
  start(): void {
    this.#running = true;
    this.#phases = this.ports.rng.fork('controller.phases');
    for (const endpoint of this.#trackers.keys()) this.#startChecking(endpoint);
    for (const group of this.#groups.values()) {
      if (group.spec.mode === 'platform' && group.spec.layer !== 'loadBalancer') void this.#observeLoop(group);
      if (group.spec.layer === 'loadBalancer' && this.ports.loadBalancer) void this.#membershipLoop(group);
    }
    if (this.config.fencing) void this.#fencingLoop(this.config.fencing);
  }

  /** Stops every loop at its next wake-up. */
  stop(): void {
    this.#running = false;
  }

  /** Operator request: fail the group over to its secondary now. */
  async manualFailover(groupId: string): Promise<FailoverEvent | undefined> {
    const group = this.#group(groupId);
    return this.#switch(group, 'secondary', 'manual', 'operator requested failover');
  }

  /** Operator request: return the group to its primary (ends any maintenance hold). */
  async manualFailback(groupId: string): Promise<FailoverEvent | undefined> {
    const group = this.#group(groupId);
    group.maintenance = false;
    return this.#switch(group, 'primary', 'manual', 'operator requested failback');
  }

  /**
   * Planned failover: switch to the secondary first, wait until the primary has drained (TTL or
   * deregistration delay), then announce that the primary may be taken down. The group stays on the
   * secondary until {@link endMaintenance}.
   */
  async plannedFailover(groupId: string): Promise<FailoverEvent | undefined> {
    const group = this.#group(groupId);
    group.maintenance = true;
    const event = await this.#switch(group, 'secondary', 'planned', 'planned maintenance of the primary', () =>
      this.#drain(group),
    );
    if (event?.status !== 'completed') group.maintenance = false;
    return event;
  }

  /** Waits until the primary has drained; false when the secondary failed meanwhile (roll back). */
  async #drain(group: GroupState): Promise<boolean> {
    const drainMs = await this.#drainMs(group, 'primary');
    const { events, clock, notifier } = this.ports;
    events.emit('controller', 'drain.start', { group: group.spec.id, member: 'primary', drainMs });
    await clock.sleep(drainMs);
    if (this.#failing(group.health.secondary)) {
      events.emit('controller', 'drain.aborted', { group: group.spec.id, reason: `secondary ${group.health.secondary}` });
      return false;
    }
    events.emit('controller', 'drain.complete', { group: group.spec.id, member: 'primary' });
    notifier.notify({
      atMs: clock.nowMs(),
      severity: 'info',
      summary: `${group.spec.id}: primary drained after ${drainMs} ms; it may be taken down`,
      failoverId: group.inFlight?.failoverId,
    });
    return true;
  }

  /** Ends the maintenance hold of a planned failover: failback follows the configured policy. */
  endMaintenance(groupId: string): void {
    const group = this.#group(groupId);
    group.maintenance = false;
    this.ports.events.emit('controller', 'maintenance.end', { group: groupId });
    void this.#evaluate(group);
  }

  #group(groupId: string): GroupState {
    const group = this.#groups.get(groupId);
    if (!group) throw new Error(`unknown failover group '${groupId}'`);
    return group;
  }

  #startChecking(endpoint: string): void {
    if (!this.#trackers.has(endpoint)) this.#trackers.set(endpoint, new HealthTracker(this.config.healthCheck));
    void this.#checkLoop(endpoint, this.#phases!.int(0, this.config.healthCheck.intervalMs - 1));
  }

  /** A target group's members change (an autoscaling group replaces instances): judge the group by its current targets. */
  async #membershipLoop(group: GroupState): Promise<void> {
    const lb = this.ports.loadBalancer!;
    while (this.#running) {
      await this.ports.clock.sleep(this.config.healthCheck.intervalMs);
      if (!this.#running) return;
      let changed = false;
      for (const member of ['primary', 'secondary'] as const) {
        const spec = group.spec.members[member];
        const targets = await lb.targets(spec.id);
        if (targets.join(',') === spec.endpoints.join(',')) continue;
        for (const t of targets.filter((t) => !this.#trackers.has(t))) this.#startChecking(t);
        this.ports.events.emit('controller', 'members', { group: group.spec.id, resource: spec.id, targets: targets.join(','), previous: spec.endpoints.join(',') });
        spec.endpoints = targets;
        changed = true;
      }
      if (changed) this.#recompute(group);
    }
  }

  async #checkLoop(endpoint: string, phaseMs: number): Promise<void> {
    const { intervalMs, timeoutMs, path } = this.config.healthCheck;
    const { clock, probe } = this.ports;
    await clock.sleep(phaseMs);
    while (this.#running) {
      const startedMs = clock.nowMs();
      const result = await probe.probe(endpoint, { path, timeoutMs });
      if (!this.#running) return;
      const ok = result.ok && result.latencyMs <= timeoutMs;
      const tracker = this.#trackers.get(endpoint)!;
      const previous = tracker.health;
      const changed = tracker.record(ok);
      if (changed) {
        this.ports.events.emit('controller', 'health', {
          target: endpoint,
          health: changed,
          previous,
          ...(result.reason ? { reason: result.reason } : {}),
        });
        this.#onEndpointChange(endpoint);
      }
      await clock.sleep(Math.max(0, startedMs + intervalMs - clock.nowMs()));
    }
  }

  /** Platform mode: the platform switches by itself; record what it did as an unplanned failover. */
  async #observeLoop(group: GroupState): Promise<void> {
    const { clock } = this.ports;
    let splitBrain = false;
    while (this.#running) {
      await clock.sleep(this.config.healthCheck.intervalMs);
      if (!this.#running) return;
      if (group.spec.layer === 'vip') {
        const holders = (await this.ports.virtualIp?.getHolders(group.spec.target)) ?? [];
        if (holders.length > 1 && !splitBrain) this.#reportSplitBrain(group.spec.target, holders);
        splitBrain = holders.length > 1;
      }
      const active = await this.#readActive(group.spec).catch(() => undefined);
      if (active && active !== group.active) {
        const event = this.#open(group, active, 'unplanned', `platform switched to the ${active}`);
        group.active = active;
        this.#close(group, event, 'completed');
      }
    }
  }

  #reportSplitBrain(vip: string, holders: string[]): void {
    const { events, notifier, clock } = this.ports;
    events.emit('controller', 'split-brain', { vip, holders: holders.join(','), fencing: this.config.fencing ? 'arbiter' : 'none' });
    notifier.notify({ atMs: clock.nowMs(), severity: 'critical', summary: `${vip}: split brain, held by ${holders.join(' and ')}` });
  }

  /**
   * Fencing: may `nodeId` take the virtual IP? Only if it holds (or can take) the arbiter lease;
   * a weaker node that cannot is kept back, so two nodes never hold the address at once.
   */
  async authorizeMaster(nodeId: string): Promise<boolean> {
    const fencing = this.config.fencing;
    const lease = this.ports.lease;
    if (!fencing || !lease) return true;
    const granted = await lease.acquire(`vip/${fencing.vip}`, nodeId, fencing.leaseTtlMs);
    this.ports.events.emit('controller', 'fencing', { vip: fencing.vip, node: nodeId, granted, by: 'arbiter lease' });
    if (!granted)
      this.ports.notifier.notify({
        atMs: this.ports.clock.nowMs(),
        severity: 'warning',
        summary: `${fencing.vip}: ${nodeId} wanted the address while another node holds the lease; kept it back`,
      });
    return granted;
  }

  /** Renews the lease for the one holder; on two holders, demotes all but the lease owner (or the strongest). */
  async #fencingLoop(fencing: FencingSpec): Promise<void> {
    const { clock, virtualIp, lease, events, notifier } = this.ports;
    if (!virtualIp || !lease) return;
    const key = `vip/${fencing.vip}`;
    const intervalMs = Math.max(1, Math.min(this.config.healthCheck.intervalMs, Math.floor(fencing.leaseTtlMs / 3)));
    while (this.#running) {
      const holders = await virtualIp.getHolders(fencing.vip);
      if (holders.length === 1) {
        await lease.acquire(key, holders[0]!, fencing.leaseTtlMs);
      } else if (holders.length > 1) {
        const owner = await lease.holder(key);
        const keep = owner && holders.includes(owner) ? owner : [...holders].sort((a, b) => (fencing.priorities[b] ?? 0) - (fencing.priorities[a] ?? 0))[0]!;
        this.#reportSplitBrain(fencing.vip, holders);
        for (const node of holders.filter((h) => h !== keep)) {
          await virtualIp.demote(fencing.vip, node);
          events.emit('controller', 'fenced', { vip: fencing.vip, node, keep });
          notifier.notify({ atMs: clock.nowMs(), severity: 'warning', summary: `${fencing.vip}: demoted ${node}, kept ${keep}` });
        }
        await lease.acquire(key, keep, fencing.leaseTtlMs);
      }
      await clock.sleep(intervalMs);
    }
  }

  #onEndpointChange(endpoint: string): void {
    for (const group of this.#groups.values()) {
      if (Object.values(group.spec.members).some((m) => m.endpoints.includes(endpoint))) this.#recompute(group);
    }
  }

  /** Derives each member's health from its endpoints' and re-evaluates the group. */
  #recompute(group: GroupState): void {
    for (const member of ['primary', 'secondary'] as const) {
      const spec = group.spec.members[member];
      const health = aggregateHealth(spec.endpoints.map((e) => this.endpointHealth(e)));
      if (health === group.health[member]) continue;
      this.ports.events.emit('controller', 'resource.health', {
        group: group.spec.id,
        resource: spec.id,
        member,
        health,
        previous: group.health[member],
      });
      group.health[member] = health;
    }
    void this.#evaluate(group);
  }

  #failing(health: ResourceHealth): boolean {
    return health === 'unhealthy' || (this.config.failoverOn === 'degraded' && health === 'degraded');
  }

  async #evaluate(group: GroupState): Promise<void> {
    if (group.spec.mode !== 'controller' || group.inFlight) return;
    const { primary, secondary } = group.health;
    if (group.active === 'primary' && this.#failing(primary) && this.config.automaticFailover) {
      if (this.#failing(secondary)) return this.#refuse(group, 'secondary', `primary ${primary}, secondary ${secondary}`);
      await this.#switch(group, 'secondary', 'automatic', `primary ${primary}`);
      return;
    }
    if (group.active === 'secondary' && !group.maintenance && primary === 'healthy') {
      // a database never fails back by itself: another promotion is another outage
      const automatic = this.config.failback === 'automatic' && group.spec.layer !== 'database';
      if (automatic || this.#failing(secondary)) {
        await this.#switch(group, 'primary', 'automatic', `primary healthy for ${this.config.healthCheck.healthyThreshold} checks`);
      } else {
        this.ports.notifier.notify({
          atMs: this.ports.clock.nowMs(),
          severity: 'info',
          summary: `${group.spec.id}: primary healthy again; manual failback pending`,
        });
      }
    }
  }

  #refuse(group: GroupState, to: FailoverMember, reason: string): void {
    if (this.#history.at(-1)?.groupId === group.spec.id && this.#history.at(-1)?.status === 'failed') return;
    const event = this.#open(group, to, 'automatic', reason);
    this.#close(group, event, 'failed', 'no healthy member to fail over to');
  }

  /**
   * Switches `group` to `to`. `settle`, when given, runs after routing changed and before the event
   * completes (a planned failover drains there); when it returns false, routing is switched back
   * and the event is rolled back.
   */
  async #switch(
    group: GroupState,
    to: FailoverMember,
    type: FailoverType,
    reason: string,
    settle?: () => Promise<boolean>,
  ): Promise<FailoverEvent | undefined> {
    if (group.inFlight) {
      this.ports.events.emit('controller', 'failover.rejected', {
        group: group.spec.id,
        reason: `failover ${group.inFlight.failoverId} in progress`,
      });
      return undefined;
    }
    if (group.active === to) return undefined;
    const from = group.active;
    const event = this.#open(group, to, type, reason);
    group.inFlight = event;
    this.#transition(event, 'in_progress');
    try {
      await this.#route(group.spec, to);
      group.active = to;
      if (settle && !(await settle())) {
        await this.#route(group.spec, from);
        group.active = from;
        this.#close(group, event, 'rolled_back', `${other(from)} unhealthy before it settled`);
        return event;
      }
      this.#close(group, event, 'completed');
    } catch (err) {
      const active = await this.#readActive(group.spec).catch(() => group.active);
      if (active !== from) {
        await this.#route(group.spec, from).catch(() => undefined);
        group.active = from;
        this.#close(group, event, 'rolled_back', (err as Error).message);
      } else {
        group.active = from;
        this.#close(group, event, 'failed', (err as Error).message);
      }
    }
    return event;
  }

  #open(group: GroupState, to: FailoverMember, type: FailoverType, reason: string): FailoverEvent {
    const event: FailoverEvent = {
      failoverId: `fo-${++this.#sequence}`,
      groupId: group.spec.id,
      layer: group.spec.layer,
      from: other(to),
      to,
      direction: to === 'secondary' ? 'failover' : 'failback',
      type,
      status: 'pending',
      reason,
      startMs: this.ports.clock.nowMs(),
    };
    this.#history.push(event);
    this.#publish(event);
    return event;
  }

  #close(group: GroupState, event: FailoverEvent, status: FailoverStatus, reason?: string): void {
    event.endMs = this.ports.clock.nowMs();
    if (reason) event.reason = `${event.reason}; ${reason}`;
    if (group.inFlight === event) group.inFlight = undefined;
    this.#transition(event, status);
    if (status === 'completed') {
      if (event.direction === 'failover' && event.type !== 'planned') void this.#scaleUp();
      void this.#evaluate(group);
    }
  }

  async #scaleUp(): Promise<void> {
    const scaling = this.config.scaleOnFailover;
    const port = this.ports.scalingGroup;
    if (!scaling || !port || scaling.step <= 0) return;
    const desired = (await port.getDesiredCapacity(scaling.groupId)) + scaling.step;
    this.ports.events.emit('controller', 'scale', { group: scaling.groupId, desired, reason: 'failover' });
    await port.setDesiredCapacity(scaling.groupId, desired);
  }

  #transition(event: FailoverEvent, status: FailoverStatus): void {
    event.status = status;
    this.#publish(event);
  }

  #publish(event: FailoverEvent): void {
    const { events, notifier, clock } = this.ports;
    events.emit('controller', 'failover', {
      failoverId: event.failoverId,
      group: event.groupId,
      layer: event.layer,
      direction: event.direction,
      from: event.from,
      to: event.to,
      type: event.type,
      status: event.status,
      reason: event.reason,
    });
    notifier.notify({
      atMs: clock.nowMs(),
      severity: event.status === 'failed' ? 'critical' : event.direction === 'failover' && event.type !== 'planned' ? 'warning' : 'info',
      summary: `${event.groupId}: ${event.direction} ${event.from} → ${event.to} (${event.type}) ${event.status}: ${event.reason}`,
      failoverId: event.failoverId,
    });
  }

  async #route(spec: FailoverGroupSpec, to: FailoverMember): Promise<void> {
    if (spec.layer === 'database') {
      if (!this.ports.database) throw new Error('no database port');
      if ((await this.ports.database.getWriter(spec.target)) !== spec.members[to].id) await this.ports.database.promote(spec.target);
      return;
    }
    if (spec.layer === 'vip') {
      if (!this.ports.virtualIp) throw new Error('no virtual IP port');
      await this.ports.virtualIp.moveTo(spec.target, spec.members[to].id);
      return;
    }
    if (spec.layer === 'dns') {
      if (!this.ports.dns) throw new Error('no DNS port');
      await this.ports.dns.setActive(spec.target, to);
      return;
    }
    if (!this.ports.loadBalancer) throw new Error('no load balancer port');
    await this.ports.loadBalancer.forwardTo(spec.target, spec.members[to].id);
  }

  async #readActive(spec: FailoverGroupSpec): Promise<FailoverMember> {
    if (spec.layer === 'database') {
      const writer = await this.ports.database!.getWriter(spec.target);
      return writer === spec.members.secondary.id ? 'secondary' : 'primary';
    }
    if (spec.layer === 'vip') {
      const holders = await this.ports.virtualIp!.getHolders(spec.target);
      if (holders.length !== 1) throw new Error(`${holders.length} holders`);
      return holders[0] === spec.members.secondary.id ? 'secondary' : 'primary';
    }
    if (spec.layer === 'dns') return this.ports.dns!.getActive(spec.target);
    const tg = await this.ports.loadBalancer!.getForwardTarget(spec.target);
    return tg === spec.members.secondary.id ? 'secondary' : 'primary';
  }

  async #drainMs(group: GroupState, member: FailoverMember): Promise<number> {
    const spec = group.spec;
    if (spec.layer === 'vip' || spec.layer === 'database') return 0;
    if (spec.layer === 'dns') return this.ports.dns!.drainMs(spec.target);
    return this.ports.loadBalancer!.drainMs(spec.members[member].id);
  }
}
