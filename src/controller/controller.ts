import { backoffDelayMs, retryPolicy, type RetryPolicy } from './backoff.js';
import { EndpointChecks } from './endpoint-checks.js';
import { FailbackDamping, failbackDampingPolicy, type FailbackHold } from './failback-damping.js';
import { FailoverLog } from './failover-log.js';
import { Fencing, type ArbiterAnswer } from './fencing.js';
import { GroupWatch } from './group-watch.js';
import { guardOptional, guardPort } from './guarded-ports.js';
import { aggregateHealth, type ResourceHealth } from './health.js';
import { PortError } from './port-error.js';
import type { FailoverMember, Notification, Rng } from './ports.js';
import { Routing } from './routing.js';
import { Supervisor } from './supervise.js';
import type { ControllerConfig, ControllerPorts, FailoverEvent, FailoverGroupSpec, FailoverType } from './types.js';

export type {
  ControllerConfig,
  ControllerPorts,
  FailoverEvent,
  FailoverGroupSpec,
  FailoverLayer,
  FailoverStatus,
  FailoverType,
  FencingSpec,
  ResourceSpec,
} from './types.js';

/** A failover group's state as the controller tracks it. */
interface GroupState {
  spec: FailoverGroupSpec;
  active: FailoverMember;
  health: Record<FailoverMember, ResourceHealth>;
  inFlight?: FailoverEvent;
  /** Set by a planned failover until the operator ends the maintenance: no automatic failback meanwhile. */
  maintenance: boolean;
  /** A refusal (no healthy member) was published; not again until the group's situation changes. */
  refused: boolean;
  /** Switches in a row that ended on a port error: how long to wait before evaluating again. */
  portFailures: number;
  /** Hold-down of automatic failback, doubled when the group flaps. */
  damping: FailbackDamping;
}

const describe = (error: PortError): string => `${error.code}: ${error.message}`;

/**
 * The failover controller: health-checks every endpoint of every group, derives resource health,
 * fails over automatically (or on request), fails back, and runs planned failovers — one failover
 * at a time per group. It sees the world only through its ports. Every background loop and failover
 * step is supervised: a port error becomes a `controller`/`port.error` event and is retried with
 * backoff; a failover step that keeps failing ends its failover as `failed` or `rolled_back`.
 * Automatic failback is flap-damped ({@link FailbackDamping}): a group that keeps failing over and
 * back waits ever longer on its secondary before it fails back.
 */
export class FailoverController {
  readonly #groups = new Map<string, GroupState>();
  readonly #ports: ControllerPorts;
  readonly #policy: RetryPolicy;
  readonly #backoffRng: Rng;
  readonly #supervisor: Supervisor;
  readonly #checks: EndpointChecks;
  readonly #routing: Routing;
  readonly #log: FailoverLog;
  readonly #watch: GroupWatch<GroupState>;
  readonly #fencing?: Fencing;
  #running = false;

  constructor(
    private readonly config: ControllerConfig,
    ports: ControllerPorts,
  ) {
    this.#ports = {
      ...ports,
      probe: guardPort(ports.probe, 'probe'),
      dns: guardOptional(ports.dns, 'dns'),
      loadBalancer: guardOptional(ports.loadBalancer, 'loadBalancer'),
      virtualIp: guardOptional(ports.virtualIp, 'virtualIp'),
      lease: guardOptional(ports.lease, 'lease'),
      database: guardOptional(ports.database, 'database'),
      scalingGroup: guardOptional(ports.scalingGroup, 'scalingGroup'),
    };
    const { clock, events } = this.#ports;
    this.#policy = retryPolicy(config.retry);
    this.#backoffRng = ports.rng.fork('controller.backoff');
    const running = () => this.#running;
    this.#supervisor = new Supervisor({ clock, events, rng: this.#backoffRng, policy: this.#policy, running });
    const notify = (n: Notification) => this.#notify(n);
    this.#log = new FailoverLog({ clock, events, notify });
    this.#routing = new Routing(this.#ports);
    this.#checks = new EndpointChecks({
      config: config.healthCheck,
      clock,
      events,
      probe: this.#ports.probe,
      supervisor: this.#supervisor,
      running,
      onChange: (endpoint) => this.#onEndpointChange(endpoint),
    });
    this.#watch = new GroupWatch({
      intervalMs: config.healthCheck.intervalMs,
      ports: this.#ports,
      supervisor: this.#supervisor,
      routing: this.#routing,
      checks: this.#checks,
      groups: () => this.#groups.values(),
      onMembers: (group) => this.#recompute(group),
      onPlatformSwitch: (group, to) => this.#platformSwitched(group, to),
      reportSplitBrain: (vip, holders) => this.#reportSplitBrain(vip, holders),
    });
    if (config.fencing)
      this.#fencing = new Fencing({
        spec: config.fencing,
        checkIntervalMs: config.healthCheck.intervalMs,
        clock,
        events,
        notify,
        supervisor: this.#supervisor,
        virtualIp: this.#ports.virtualIp,
        lease: this.#ports.lease,
      });
    const damping = failbackDampingPolicy(config);
    const verdictMs = config.healthCheck.healthyThreshold * config.healthCheck.intervalMs;
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
        refused: false,
        portFailures: 0,
        damping: new FailbackDamping(damping, verdictMs),
      });
      for (const member of Object.values(spec.members)) for (const endpoint of member.endpoints) this.#checks.add(endpoint);
    }
  }

  /** Every failover event so far, in order of start. */
  get failovers(): readonly FailoverEvent[] {
    return this.#log.history;
  }

  /** Health of an endpoint as the controller last judged it; `unknown` for one it does not check. */
  endpointHealth(endpointId: string): ResourceHealth {
    return this.#checks.health(endpointId);
  }

  /** Starts one check loop per endpoint, each on its own seeded phase, the platform observers, membership and fencing. */
  start(): void {
    this.#running = true;
    this.#checks.start(this.#ports.rng.fork('controller.phases'));
    this.#watch.start();
    this.#fencing?.start();
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

  /** Ends the maintenance hold of a planned failover: failback follows the configured policy. */
  endMaintenance(groupId: string): void {
    const group = this.#group(groupId);
    group.maintenance = false;
    this.#ports.events.emit('controller', 'maintenance.end', { group: groupId });
    this.#supervisor.detach(`evaluate:${groupId}`, this.#evaluate(group));
  }

  /**
   * The arbiter's answer to a node's fencing script: may `nodeId` hold the virtual IP now? (See
   * {@link Fencing.mayHold}.) Without fencing every node may. Never rejects.
   */
  async mayHoldAddress(nodeId: string): Promise<ArbiterAnswer> {
    return this.#fencing ? this.#fencing.mayHold(nodeId) : { granted: true, reason: 'no fencing' };
  }

  #group(groupId: string): GroupState {
    const group = this.#groups.get(groupId);
    if (!group) throw new Error(`unknown failover group '${groupId}'`);
    return group;
  }

  #notify(notification: Notification): void {
    try {
      this.#ports.notifier.notify(notification);
    } catch (err) {
      this.#supervisor.report(PortError.from(err, 'notifier', 'notify'), 'notify', 1);
    }
  }

  #reportSplitBrain(vip: string, holders: string[]): void {
    const { events, clock } = this.#ports;
    events.emit('controller', 'split-brain', { vip, holders: holders.join(','), fencing: this.config.fencing ? 'arbiter' : 'none' });
    this.#notify({ atMs: clock.nowMs(), severity: 'critical', summary: `${vip}: split brain, held by ${holders.join(' and ')}` });
  }

  /** Platform mode: the platform switched by itself; record it as an unplanned failover. */
  #platformSwitched(group: GroupState, to: FailoverMember): void {
    const event = this.#log.open(group.spec, to, 'unplanned', `platform switched to the ${to}`);
    group.active = to;
    this.#close(group, event, 'completed');
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
      this.#ports.events.emit('controller', 'resource.health', {
        group: group.spec.id,
        resource: spec.id,
        member,
        health,
        previous: group.health[member],
      });
      group.health[member] = health;
      if (member === 'primary') group.damping.primaryHealth(health, this.#ports.clock.nowMs());
    }
    this.#supervisor.detach(`evaluate:${group.spec.id}`, this.#evaluate(group));
  }

  #failing(health: ResourceHealth): boolean {
    return health === 'unhealthy' || (this.config.failoverOn === 'degraded' && health === 'degraded');
  }

  async #evaluate(group: GroupState): Promise<void> {
    if (group.spec.mode !== 'controller' || group.inFlight) return;
    const { primary, secondary } = group.health;
    const primaryDown = group.active === 'primary' && this.#failing(primary) && this.config.automaticFailover;
    if (!primaryDown || !this.#failing(secondary)) group.refused = false;
    if (primaryDown) {
      if (this.#failing(secondary)) return this.#refuse(group, 'secondary', `primary ${primary}, secondary ${secondary}`);
      await this.#switch(group, 'secondary', 'automatic', `primary ${primary}`);
      return;
    }
    if (group.active === 'secondary' && !group.maintenance && primary === 'healthy') {
      // a database never fails back by itself: another promotion is another outage
      const automatic = this.config.failback === 'automatic' && group.spec.layer !== 'database';
      const reason = `primary healthy for ${this.config.healthCheck.healthyThreshold} checks`;
      // a failing secondary is worse than a flapping primary: no hold then
      if (this.#failing(secondary)) {
        await this.#switch(group, 'primary', 'automatic', reason);
      } else if (automatic) {
        const hold = group.damping.hold(this.#ports.clock.nowMs());
        if (hold) return this.#holdFailback(group, hold);
        const { holdMs, flaps } = group.damping;
        const held = holdMs > this.config.healthCheck.healthyThreshold * this.config.healthCheck.intervalMs;
        await this.#switch(group, 'primary', 'automatic', held ? `${reason}, held ${holdMs} ms (${flaps} flap${flaps === 1 ? '' : 's'})` : reason);
      } else {
        this.#notify({
          atMs: this.#ports.clock.nowMs(),
          severity: 'info',
          summary: `${group.spec.id}: primary healthy again; manual failback pending`,
        });
      }
    }
  }

  /** Publishes a held failback once per hold and evaluates the group again when the hold ends. */
  #holdFailback(group: GroupState, hold: FailbackHold): void {
    if (!group.damping.announce(hold)) return;
    const { events, clock } = this.#ports;
    const { holdMs, untilMs, reason } = hold;
    events.emit('controller', 'failback.held', { group: group.spec.id, holdMs, untilMs, reason });
    this.#notify({
      atMs: clock.nowMs(),
      severity: 'info',
      summary: `${group.spec.id}: automatic failback held until ${untilMs} ms (hold-down ${holdMs} ms): ${reason}`,
    });
    const task = clock.sleep(untilMs - clock.nowMs()).then(() => (this.#running ? this.#evaluate(group) : undefined));
    this.#supervisor.detach(`evaluate:${group.spec.id}`, task);
  }

  /** Publishes a failed failover (no healthy member), once per spell in which the group cannot fail over. */
  #refuse(group: GroupState, to: FailoverMember, reason: string): void {
    if (group.refused) return;
    group.refused = true;
    const event = this.#log.open(group.spec, to, 'automatic', reason);
    this.#close(group, event, 'failed', 'no healthy member to fail over to');
  }

  /**
   * Switches `group` to `to`. `settle`, when given, runs after routing changed and before the event
   * completes (a planned failover drains there); when it returns false or keeps failing, routing is
   * switched back and the event is rolled back. Never rejects.
   */
  async #switch(
    group: GroupState,
    to: FailoverMember,
    type: FailoverType,
    reason: string,
    settle?: () => Promise<boolean>,
  ): Promise<FailoverEvent | undefined> {
    if (group.inFlight) {
      this.#ports.events.emit('controller', 'failover.rejected', {
        group: group.spec.id,
        reason: `failover ${group.inFlight.failoverId} in progress`,
      });
      return undefined;
    }
    if (group.active === to) return undefined;
    const from = group.active;
    const event = this.#log.open(group.spec, to, type, reason);
    group.inFlight = event;
    group.refused = false;
    this.#log.transition(event, 'in_progress');
    try {
      await this.#routeStep(group.spec, to);
    } catch (err) {
      this.#close(group, event, 'failed', describe(PortError.from(err, 'controller', this.#loopOf(group))));
      this.#evaluateLater(group);
      return event;
    }
    group.active = to;
    let settled = true;
    let cause: PortError | undefined;
    if (settle) {
      try {
        settled = await settle();
      } catch (err) {
        settled = false;
        cause = PortError.from(err, 'controller', this.#loopOf(group));
      }
    }
    if (settled) {
      this.#close(group, event, 'completed');
      return event;
    }
    const why = cause ? describe(cause) : `${to} unhealthy before it settled`;
    try {
      await this.#routeStep(group.spec, from);
      group.active = from;
      this.#close(group, event, 'rolled_back', why);
      if (cause) this.#evaluateLater(group);
    } catch (err) {
      this.#close(group, event, 'failed', `${why}; moving back failed: ${describe(PortError.from(err, 'controller', this.#loopOf(group)))}`);
      this.#evaluateLater(group);
    }
    return event;
  }

  #loopOf(group: GroupState): string {
    return `failover:${group.spec.id}`;
  }

  /**
   * Moves routing with retries. When the call keeps failing, reads where routing is: a change that
   * took effect although its call failed (a timeout after the change was applied) counts as done.
   */
  async #routeStep(spec: FailoverGroupSpec, to: FailoverMember): Promise<void> {
    const loop = `failover:${spec.id}`;
    try {
      await this.#supervisor.retry(loop, () => this.#routing.route(spec, to));
    } catch (err) {
      const active = await this.#supervisor.retry(loop, () => this.#routing.readActive(spec)).catch(() => undefined);
      if (active !== to) throw err;
    }
  }

  /** Waits until the primary has drained; false when the secondary failed meanwhile (roll back). */
  async #drain(group: GroupState): Promise<boolean> {
    const drainMs = await this.#supervisor.retry(this.#loopOf(group), () => this.#routing.drainMs(group.spec, 'primary'));
    const { events, clock } = this.#ports;
    events.emit('controller', 'drain.start', { group: group.spec.id, member: 'primary', drainMs });
    await clock.sleep(drainMs);
    if (this.#failing(group.health.secondary)) {
      events.emit('controller', 'drain.aborted', { group: group.spec.id, reason: `secondary ${group.health.secondary}` });
      return false;
    }
    events.emit('controller', 'drain.complete', { group: group.spec.id, member: 'primary' });
    this.#notify({
      atMs: clock.nowMs(),
      severity: 'info',
      summary: `${group.spec.id}: primary drained after ${drainMs} ms; it may be taken down`,
      failoverId: group.inFlight?.failoverId,
    });
    return true;
  }

  #close(group: GroupState, event: FailoverEvent, status: FailoverEvent['status'], reason?: string): void {
    if (group.inFlight === event) group.inFlight = undefined;
    this.#log.close(event, status, reason);
    if (status === 'completed') {
      group.portFailures = 0;
      const automatic = event.type === 'automatic';
      if (event.direction === 'failover') group.damping.failedOver(this.#ports.clock.nowMs(), automatic);
      else group.damping.failedBack(this.#ports.clock.nowMs(), automatic);
      if (event.direction === 'failover' && event.type !== 'planned') this.#supervisor.detach('scale', this.#scaleUp());
      this.#supervisor.detach(`evaluate:${group.spec.id}`, this.#evaluate(group));
    }
  }

  /** After a switch that a port error ended, evaluates the group again after backoff: the error may clear. */
  #evaluateLater(group: GroupState): void {
    const delayMs = backoffDelayMs(this.#policy, ++group.portFailures, this.#backoffRng);
    const task = this.#ports.clock.sleep(delayMs).then(() => (this.#running ? this.#evaluate(group) : undefined));
    this.#supervisor.detach(`evaluate:${group.spec.id}`, task);
  }

  /** Seed 000's scale-up after a failover: desired capacity + step, each call retried as a failover step. */
  async #scaleUp(): Promise<void> {
    const scaling = this.config.scaleOnFailover;
    const port = this.#ports.scalingGroup;
    if (!scaling || !port || scaling.step <= 0) return;
    try {
      const desired = (await this.#supervisor.retry('scale', () => port.getDesiredCapacity(scaling.groupId))) + scaling.step;
      this.#ports.events.emit('controller', 'scale', { group: scaling.groupId, desired, reason: 'failover' });
      await this.#supervisor.retry('scale', () => port.setDesiredCapacity(scaling.groupId, desired));
    } catch (err) {
      this.#notify({
        atMs: this.#ports.clock.nowMs(),
        severity: 'warning',
        summary: `${scaling.groupId}: scale-up after failover failed: ${describe(PortError.from(err, 'scalingGroup', 'scale'))}`,
      });
    }
  }
}
