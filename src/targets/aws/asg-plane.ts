import type { Clock } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import type { AutoscalingSpec } from '../../scenario/schema.js';
import { WallClock } from '../shared/wall-clock.js';
import type { AsgGroupSource, AsgMember, AsgSnapshot } from './dataplane/asg-group-source.js';
import type { AsgStandIn } from './dataplane/asg-stand-in.js';
import { boundedPoll } from './dataplane/bounded-poll.js';
import type { ObservationHold } from './dataplane/observation-hold.js';
import type { AddedInstanceSpec } from './dataplane/instance-servers.js';
import type { TargetHealthState } from './dataplane/target-group-checker.js';

/** An instance's state in the `asg`/`instance` events: the simulator's words (`src/simulator/autoscaling.ts`). */
export type AsgInstanceState = 'pending' | 'in-service' | 'unhealthy' | 'terminating' | 'terminated';

export interface AsgPlaneOptions {
  /** Held while a fault's effecting call is in flight: the poll reads nothing then. */
  hold?: ObservationHold;
  spec: AutoscalingSpec;
  source: AsgGroupSource;
  /** The scenario's server id for an instance id (an instance the group launched is named by its own id). */
  serverOf: (instanceId: string) => string;
  /** The run's clock: new instances' boot deadlines are in its time, as the instance servers read it. */
  clock: Clock;
  /** Gives each instance the group launches a server (`InstanceServers.add`). */
  servers: { add(spec: AddedInstanceSpec): Promise<void> };
  /**
   * The emulator's name when faildrill stands in for what Auto Scaling does on AWS: the boot time
   * (`launchTime`) before a new instance serves, its registration with the target group, and the
   * health replacement of `healthCheckType: ELB`. Absent (real AWS): the plane only observes.
   */
  emulator?: string;
  standIn?: AsgStandIn;
  /** The target group's health of an instance, by faildrill's checks (the ELB health the group consults). */
  targetHealth?: (instanceId: string) => TargetHealthState | undefined;
  /** The group's target group changed (a registration or deregistration): read it now. Must not throw. */
  targetsChanged?: () => void;
  /** An instance the group launched: teardown deletes it with the run's resources. */
  track: (instanceId: string) => void;
  /** Must not throw; the session drops what is emitted before the run starts. */
  emit: (component: string, type: string, detail: EventDetail) => void;
  pollIntervalMs: number;
  /** The poll and the boot timers end by themselves this long after {@link AsgPlane.run}. */
  lifetimeMs: number;
}

interface Tracked {
  instanceId: string;
  serverId: string;
  state: AsgInstanceState;
  /** Run time it entered service (grace period start); -Infinity for the instances in service at the start. */
  inServiceAtMs: number;
  /** faildrill's health replacement is under way. */
  replacing?: boolean;
}

const terminatingLifecycle = (m: AsgMember | undefined) => m === undefined || m.lifecycle.startsWith('Terminat');
const gone = (m: AsgMember | undefined) => m === undefined || m.lifecycle === 'Terminated';

/**
 * The autoscaling layer's data plane: follows the Auto Scaling group (DescribeAutoScalingGroups every
 * poll) and emits what the measurement reads, as the simulator's group does: `asg`/`instance`
 * (`pending`, `in-service`, `unhealthy` with the group's verdict, `terminating`, `terminated`) and
 * `asg`/`capacity` when the desired capacity changes. An instance that leaves the group while the
 * desired capacity did not drop was replaced for its health: that is the group's verdict (`check:
 * EC2`, what it observed). Each instance the group launches gets a server.
 *
 * On an emulator the instance the group launches runs at once, so faildrill's server stands for it
 * and waits the scenario's `launchTime` (the boot) before serving; then it is in service and, where
 * the emulator did not, faildrill registers it with the target group. With `healthCheckType: ELB`
 * faildrill also stands in for the group's health replacement after the grace period (the emulator
 * evaluates no ASG health). Every such call is said in the event (`appliedBy`).
 */
export class AsgPlane {
  readonly #tracked = new Map<string, Tracked>();
  readonly #loopClock = new WallClock();
  #desired = 0;
  #closed = false;
  #deadlineMs = Infinity;
  #lastRead: Promise<void> = Promise.resolve();

  private constructor(private readonly options: AsgPlaneOptions) {}

  /** Reads the group once: its members are in service (no events), its desired capacity the baseline. */
  static async start(options: AsgPlaneOptions): Promise<AsgPlane> {
    const plane = new AsgPlane(options);
    const first = await options.source.read();
    plane.#desired = first.desired;
    for (const m of first.members) {
      if (terminatingLifecycle(m)) continue;
      plane.#tracked.set(m.instanceId, { instanceId: m.instanceId, serverId: options.serverOf(m.instanceId), state: 'in-service', inServiceAtMs: -Infinity });
    }
    return plane;
  }

  /** The group's scenario id. */
  get id(): string {
    return this.options.spec.id;
  }

  /** Instances and their states now, by instance id. */
  get instances(): ReadonlyMap<string, AsgInstanceState> {
    return new Map([...this.#tracked.values()].map((t) => [t.instanceId, t.state]));
  }

  /** Starts following the group every poll interval until {@link close} or the lifetime ends. */
  run(): void {
    if (this.#closed || this.#deadlineMs !== Infinity) return;
    this.#deadlineMs = this.#loopClock.nowMs() + this.options.lifetimeMs;
    void boundedPoll({
      clock: this.#loopClock,
      intervalMs: this.options.pollIntervalMs,
      deadlineMs: this.#deadlineMs,
      closed: () => this.#closed,
      poll: () => (this.options.hold?.held ? Promise.resolve() : this.refresh()),
      onError: (err) => this.#error(err),
    });
  }

  /** Reads the group now (after every earlier read) and emits what changed. */
  refresh(): Promise<void> {
    this.#lastRead = this.#lastRead.catch(() => undefined).then(() => this.#read());
    return this.#lastRead;
  }

  /** Stops following the group: no read, boot or replacement follows. */
  close(): void {
    this.#closed = true;
    this.#loopClock.close();
  }

  async #read(): Promise<void> {
    if (this.#closed) return;
    const snapshot = await this.options.source.read();
    if (!this.#closed) this.#apply(snapshot);
  }

  #apply(snapshot: AsgSnapshot): void {
    const { spec } = this.options;
    const previousDesired = this.#desired;
    if (snapshot.desired !== previousDesired) {
      this.#desired = snapshot.desired;
      this.options.emit('asg', 'capacity', { group: spec.id, desired: snapshot.desired, previous: previousDesired });
    }
    const scaledIn = snapshot.desired < previousDesired;
    const members = new Map(snapshot.members.map((m) => [m.instanceId, m]));
    for (const t of this.#tracked.values()) {
      if (t.state === 'terminated') continue;
      const m = members.get(t.instanceId);
      if (terminatingLifecycle(m)) {
        if (t.state === 'in-service' && (!scaledIn || m?.health === 'Unhealthy'))
          this.#set(t, 'unhealthy', { target: t.serverId, health: 'unhealthy', check: 'EC2', observed: m ? `HealthStatus ${m.health}, ${m.lifecycle}` : 'left the group' });
        if (t.state !== 'terminating') this.#set(t, 'terminating');
        if (gone(m)) this.#set(t, 'terminated');
      } else if (t.state === 'in-service' && m!.health === 'Unhealthy' && !t.replacing) {
        this.#set(t, 'unhealthy', { target: t.serverId, health: 'unhealthy', check: spec.healthCheckType, observed: `HealthStatus ${m!.health}` });
      } else if (t.state === 'pending' && !this.options.emulator && m!.lifecycle === 'InService') {
        this.#inService(t);
      }
    }
    for (const m of snapshot.members) {
      if (this.#tracked.has(m.instanceId) || terminatingLifecycle(m)) continue;
      this.#launched(m);
    }
    this.#standInForHealth();
  }

  #launched(m: AsgMember): void {
    const { clock, spec, emulator } = this.options;
    const t: Tracked = { instanceId: m.instanceId, serverId: this.options.serverOf(m.instanceId), state: 'pending', inServiceAtMs: Infinity };
    this.#tracked.set(m.instanceId, t);
    this.options.track(m.instanceId);
    const launchedAtMs = clock.nowMs();
    this.#set(t, 'pending', { ...(emulator ? { boot: `${spec.launchTimeMs} ms (launchTime), stood in by faildrill: ${emulator} runs the instance at once` } : {}) });
    const readyAtMs = emulator ? launchedAtMs + spec.launchTimeMs : undefined;
    this.options.servers
      .add({ instanceId: m.instanceId, serverId: t.serverId, ...(readyAtMs !== undefined ? { readyAtMs } : {}) })
      .catch((err: unknown) => this.#error(err));
    if (!emulator) {
      if (m.lifecycle === 'InService') this.#inService(t);
      return;
    }
    if (this.#loopClock.nowMs() + spec.launchTimeMs >= this.#deadlineMs) return;
    void this.#loopClock.sleep(spec.launchTimeMs).then(() => {
      if (!this.#closed && t.state === 'pending') this.#inService(t);
    });
  }

  /** Pending → in service; on an emulator faildrill registers it with the target group where the emulator did not. */
  #inService(t: Tracked): void {
    t.inServiceAtMs = this.options.clock.nowMs();
    this.#set(t, 'in-service');
    const { standIn, emulator, spec } = this.options;
    if (!standIn || !emulator) return;
    standIn
      .register(t.instanceId)
      .then((registered) => {
        if (registered && !this.#closed)
          this.options.emit('asg', 'registration', {
            group: spec.id,
            instance: t.serverId,
            instanceId: t.instanceId,
            ...(spec.targetGroup ? { targetGroup: spec.targetGroup } : {}),
            appliedBy: `faildrill: ${emulator} did not register the instance its group launched`,
          });
        this.options.targetsChanged?.();
      })
      .catch((err: unknown) => this.#error(err));
  }

  /** `healthCheckType: ELB` on an emulator: an in-service instance past its grace period that its target group judges unhealthy is replaced by faildrill. */
  #standInForHealth(): void {
    const { spec, standIn, emulator, targetHealth, clock } = this.options;
    if (spec.healthCheckType !== 'ELB' || !standIn || !emulator || !targetHealth) return;
    const nowMs = clock.nowMs();
    for (const t of this.#tracked.values()) {
      if (t.state !== 'in-service' || t.replacing || nowMs - t.inServiceAtMs < spec.healthCheckGracePeriodMs) continue;
      if (targetHealth(t.instanceId) !== 'unhealthy') continue;
      t.replacing = true;
      this.#set(t, 'unhealthy', {
        target: t.serverId,
        health: 'unhealthy',
        check: 'ELB',
        ...(spec.targetGroup ? { targetGroup: spec.targetGroup } : {}),
        appliedBy: `faildrill: ${emulator} evaluates no ASG health`,
      });
      standIn
        .replace(t.instanceId)
        .then((calls) => {
          if (!this.#closed) this.options.emit('asg', 'replacement', { group: spec.id, instance: t.serverId, instanceId: t.instanceId, calls: calls.join(','), appliedBy: 'faildrill' });
          this.options.targetsChanged?.();
          return this.refresh();
        })
        .catch((err: unknown) => {
          // the next read tries again
          t.replacing = false;
          t.state = 'in-service';
          this.#error(err);
        });
    }
  }

  #set(t: Tracked, state: AsgInstanceState, extra: EventDetail = {}): void {
    const previous = t.state === state && state === 'pending' ? 'none' : t.state;
    t.state = state;
    this.options.emit('asg', 'instance', { group: this.options.spec.id, instance: t.serverId, instanceId: t.instanceId, state, previous, ...extra });
  }

  #error(err: unknown): void {
    if (this.#closed) return;
    this.options.emit('asg', 'error', { group: this.options.spec.id, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
}
