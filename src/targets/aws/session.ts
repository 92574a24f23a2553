import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FailoverController } from '../../controller/controller.js';
import type { LoadBalancerPort } from '../../controller/ports.js';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { UsageError } from '../../errors.js';
import { alarmNameOf } from '../../scenario/abort-schema.js';
import { HttpProbePort } from '../../load/http-probe.js';
import { OpenLoopLoad } from '../../load/open-loop.js';
import { EventLog, type EventDetail } from '../../measure/events.js';
import { everyFaultRemoved } from '../../measure/invariants.js';
import { SampleRecorder } from '../../measure/samples.js';
import { SeededRng } from '../../random/seeded-rng.js';
import type { FaultEffect, OpenOptions, Session, SessionRecord, TargetPorts, Undo } from '../../run/target.js';
import type { Scenario } from '../../scenario/schema.js';
import { abortError, RunTimers, sleep } from '../shared/timers.js';
import { WallClock } from '../shared/wall-clock.js';
import type { AwsService } from './clients.js';
import { connectAws, type AwsConnectionHandle } from './connect.js';
import { ObservationHold } from './dataplane/observation-hold.js';
import { ec2InstanceStates } from './dataplane/ec2-instance-states.js';
import { InstanceServers } from './dataplane/instance-servers.js';
import { normalizeName } from './dataplane/failover-records.js';
import { DnsClients } from './dataplane/resolver.js';
import { DnsPlane } from './dns-plane.js';
import { DbPlane } from './db-plane.js';
import { databaseRefusal } from './dataplane/db-limits.js';
import { injectAwsFault } from './faults/inject.js';
import { disruptedInstances } from './faults/network-acl.js';
import { LbPlane } from './lb-plane.js';
import { AsgPlane } from './asg-plane.js';
import { autoScalingGroupSource } from './dataplane/asg-group-source.js';
import { asgStandIn } from './dataplane/asg-stand-in.js';
import { AsgScalingGroupPort } from './ports/scaling-group.js';
import { NotifyPlane } from './notify-plane.js';
import type { ChannelContext, NotifyChannel } from '../../notify/channel.js';
import { SnsChannel } from '../../notify/sns.js';
import type { NotifySpec } from '../../scenario/notify-schema.js';
import { Route53DnsPort } from './ports/dns.js';
import { ElbListenerPort } from './ports/load-balancer.js';
import { RdsDatabasePort } from './ports/database.js';
import { serverOfInstance } from './ports/resources.js';
import { provision } from './provision/provision.js';
import type { AwsResources } from './provision/resources.js';
import { teardown } from './provision/teardown.js';
import { runStamp } from '../../run/run-stamp.js';

/** How long after the run's end helper loops and emulators may live at most. */
const LIFETIME_MARGIN_MS = 10 * 60_000;
/** How often the data plane reads the control plane back (instance states, record sets). */
const POLL_MS = 250;
/** How often the alarms' states are read back for the event log. */
const ALARM_POLL_MS = 2_000;
/** How long teardown waits for queued SNS notifications. */
const NOTIFY_FLUSH_MS = 5_000;
/** An HTTP(S) URL the session subscribes to the run's SNS topic (a test's receiver, a webhook relay). */
export const SNS_HTTP_ENDPOINT_ENV = 'FAILDRILL_SNS_HTTP_ENDPOINT';

/** A `notify:` entry for the run's own SNS topic. */
const onRunTopic = (spec: NotifySpec) => spec.type === 'sns' && spec.topicArn === undefined;

/** The services a scenario needs on the aws target. */
function servicesOf(scenario: Scenario): AwsService[] {
  const s = scenario.setup;
  return [
    'sts',
    'ec2',
    'sns',
    'cloudwatch',
    ...(s.dns ? (['route53'] as const) : []),
    ...(s.loadBalancer ? (['elbv2'] as const) : []),
    ...(s.database ? (['rds'] as const) : []),
    ...(s.autoscaling ? (['autoscaling'] as const) : []),
    ...(scenario.faults.some((f) => f.action.startsWith('aws:')) ? (['fis'] as const) : []),
  ];
}

/**
 * The controller's load balancer port, whose `forwardTo` resolves once the loopback listener forwards
 * where ModifyListener pointed it (the port's contract), not at the listener's next poll. A failed read
 * is left to that poll.
 */
function followingListener(port: LoadBalancerPort, plane: LbPlane): LoadBalancerPort {
  return {
    forwardTo: async (loadBalancerId, targetGroupId) => {
      await port.forwardTo(loadBalancerId, targetGroupId);
      await plane.followListener().catch(() => undefined);
    },
    getForwardTarget: (loadBalancerId) => port.getForwardTarget(loadBalancerId),
    drainMs: (targetGroupId) => port.drainMs(targetGroupId),
    targets: (targetGroupId) => port.targets(targetGroupId),
  };
}

/**
 * One drill against the AWS API (see {@link Session}): an emulator faildrill started (or the endpoint
 * it was given), the setup provisioned through the SDK and tagged with the run id, the data plane
 * faildrill runs where the emulator has none (instance servers, Route 53 health evaluation, a DNS
 * server on loopback, target group health evaluation and a loopback listener), open-loop load
 * through clients that resolve and cache by TTL or through the listener, the controller over AWS
 * ports, faults as FIS experiments with their effects applied by faildrill. Everything it created
 * is deleted at the end.
 */
export class AwsSession implements Session {
  readonly clock = new WallClock();
  readonly events: EventLog;
  readonly rng: SeededRng;
  readonly runId: string;
  #ports?: TargetPorts;
  #connection?: AwsConnectionHandle;
  #resources?: AwsResources;
  #servers?: InstanceServers;
  #dns?: DnsPlane;
  #lb?: LbPlane;
  #asg?: AsgPlane;
  /** The data planes' polls wait while a fault's effecting call is in flight. */
  readonly #hold = new ObservationHold();
  #resolvers?: DnsClients;
  #notify?: NotifyPlane;
  #db?: DbPlane;
  /** Wall-clock epoch milliseconds of the run's time 0. */
  #epochStartMs = 0;
  #load?: OpenLoopLoad;
  #recorder?: SampleRecorder;
  #timers: RunTimers;
  #live = false;
  #torndown?: Promise<string[]>;
  readonly #runDir: string;

  private constructor(
    readonly scenario: Scenario,
    readonly options: OpenOptions,
  ) {
    this.rng = new SeededRng(options.seed);
    this.events = new EventLog(this.clock);
    this.runId = `fd-${runStamp()}-s${options.seed}-${process.pid}`;
    this.#runDir = mkdtempSync(join(tmpdir(), 'faildrill-aws-'));
    this.#timers = new RunTimers(this.clock, (err) => this.#emit('run', 'error', { message: err.message }));
  }

  /** Connects, provisions and starts the data plane; on failure or abort tears down what it made and throws. */
  static async open(scenario: Scenario, options: OpenOptions): Promise<AwsSession> {
    const session = new AwsSession(scenario, options);
    try {
      await session.#setup();
      return session;
    } catch (err) {
      await session.#teardown();
      throw err;
    }
  }

  get ports(): TargetPorts {
    return this.#ports!;
  }

  #emit = (component: string, type: string, detail: EventDetail): void => {
    if (this.#live) this.events.emit(component, type, detail);
  };

  async #setup(): Promise<void> {
    const { scenario, options } = this;
    const lifetimeMs = scenario.durationMs + LIFETIME_MARGIN_MS;
    this.#connection = await connectAws({ settings: options.settings ?? {}, services: servicesOf(scenario), runDir: this.#runDir, lifetimeMs });
    this.#abortPoint();
    const clients = this.#connection.clients;
    const dbRefusal = databaseRefusal(scenario, this.#connection.emulated);
    if (dbRefusal) throw new UsageError(`${options.file ?? 'scenario'}: the aws target cannot drill this on the ${this.#connection.mode} endpoint: ${dbRefusal}`);
    const result = await provision(clients, scenario, { runId: this.runId });
    if (!result.complete) {
      await teardown(clients, result).catch(() => undefined);
      // the subjects are scenario parts (`setup.loadBalancer.targetGroups.tg-blue`), not positions in a file: no line to name
      const lines = result.problems.map(
        (p) =>
          `  ${p.subject}: ${p.service} ${p.operation} refused by the ${this.#connection!.mode} endpoint: ${p.errorName}: ${p.message}${p.skipped.length ? ` (so not created: ${p.skipped.join(', ')})` : ''}`,
      );
      throw new UsageError(`${options.file ?? 'scenario'}: the aws target cannot set this scenario up:\n${lines.join('\n')}`);
    }
    const resources = result.resources;
    this.#resources = resources;
    this.#abortPoint();
    await this.#checkStopAlarms(clients);
    const bootMsOf = (serverId: string) => scenario.setup.servers.find((s) => s.id === serverId)?.bootMs;
    const instances = Object.entries(resources.instances).map(([serverId, r]) => ({ instanceId: r.instanceId, serverId, address: r.privateIp, bootMs: bootMsOf(serverId) }));
    this.#servers = await InstanceServers.start({
      instances,
      // the instances the Auto Scaling group launches get servers during the run: ask for every one that has a server
      source: {
        states: () => ec2InstanceStates(clients.ec2, this.#servers?.instanceIds ?? instances.map((i) => i.instanceId)).states(),
        // a deny-all network ACL on an instance's subnet (aws:network:disrupt-connectivity): its server answers nothing
        cutOff: () => disruptedInstances(clients.ec2, this.#servers?.instanceIds ?? instances.map((i) => i.instanceId)),
      },
      clock: this.clock,
      pollIntervalMs: POLL_MS,
      lifetimeMs,
      onChange: (c) =>
        this.#emit('server', 'service', {
          server: c.serverId,
          service: 'app',
          state: c.serving ? 'started' : c.cutOff ? 'unreachable' : 'stopped',
          instanceState: c.state,
          ...(c.cutOff ? { network: 'deny-all network ACL: connections get no answer' } : {}),
        }),
      onError: (err) => this.#emit('aws', 'error', { message: err.message }),
      canServe: (serverId) => this.#db?.canServe(serverId) ?? true,
    });
    if (scenario.setup.database && resources.database) {
      this.#db = await DbPlane.start({
        rds: clients.rds,
        scenario,
        resources: resources.database,
        clock: this.clock,
        rng: this.rng,
        emit: this.#emit,
        pollIntervalMs: POLL_MS,
        lifetimeMs,
        emulated: this.#connection.emulated,
        hold: this.#hold,
      });
      this.#abortPoint();
    }
    if (scenario.setup.loadBalancer && resources.loadBalancer) {
      this.#lb = await LbPlane.start({
        elbv2: clients.elbv2,
        spec: scenario.setup.loadBalancer,
        resources: resources.loadBalancer,
        endpoints: this.#servers,
        serverOf: (instanceId) => serverOfInstance(resources, instanceId),
        rng: this.rng,
        emit: this.#emit,
        pollIntervalMs: POLL_MS,
        lifetimeMs,
        afterTargetsRead: () => (this.#hold.held ? Promise.resolve() : (this.#asg?.refresh() ?? Promise.resolve())),
      });
      this.#abortPoint();
    }
    if (scenario.setup.autoscaling && resources.autoscaling) {
      const targetGroup = resources.autoscaling.targetGroup;
      const targetGroupArn = targetGroup ? resources.loadBalancer?.targetGroups[targetGroup]?.arn : undefined;
      const emulator = this.#connection.emulated ? this.#connection.mode : undefined;
      this.#asg = await AsgPlane.start({
        hold: this.#hold,
        spec: scenario.setup.autoscaling,
        source: autoScalingGroupSource(clients.autoscaling, resources.autoscaling.name),
        serverOf: (instanceId) => serverOfInstance(resources, instanceId),
        clock: this.clock,
        servers: this.#servers,
        ...(emulator ? { emulator } : {}),
        standIn: asgStandIn({ autoscaling: clients.autoscaling, elbv2: clients.elbv2, ...(targetGroupArn ? { targetGroupArn } : {}) }),
        ...(targetGroup && this.#lb ? { targetHealth: (instanceId: string) => this.#lb!.health(targetGroup, instanceId) } : {}),
        targetsChanged: () => void this.#lb?.refresh().catch(() => undefined),
        track: (instanceId) => resources.inventory.push({ kind: 'ec2:instance', id: instanceId, runId: this.runId }),
        emit: this.#emit,
        pollIntervalMs: POLL_MS,
        lifetimeMs,
      });
      this.#abortPoint();
    }
    const urlOf = (endpoint: string) => {
      if (this.#lb && endpoint === this.#lb.id) return this.#lb.url;
      const member = this.#db?.urlOf(endpoint);
      if (member) return member;
      const instance = resources.instances[endpoint];
      return instance ? this.#servers!.endpoint(instance.instanceId).url : undefined;
    };
    if (scenario.setup.dns && resources.dns) {
      this.#dns = await DnsPlane.start({
        clients,
        spec: scenario.setup.dns,
        resources: resources.dns,
        clock: this.clock,
        rng: this.rng.fork('route53'),
        urlOf,
        emit: this.#emit,
        refreshMs: POLL_MS,
        stopAtMs: scenario.durationMs + LIFETIME_MARGIN_MS,
        serversOf: (endpoint) => (this.#lb && endpoint === this.#lb.id ? this.#lb.servers : [endpoint]),
      });
      this.#resolvers = new DnsClients({
        server: this.#dns.address,
        clients: scenario.load.clients,
        honourTtlShare: scenario.load.honourTtlShare,
        rng: this.rng.fork('load.ttl'),
        clock: this.clock,
      });
    }
    const emulated = this.#connection.emulated;
    const httpEndpoint = process.env[SNS_HTTP_ENDPOINT_ENV];
    this.#notify = await NotifyPlane.start({
      clients,
      resources,
      scenarioName: scenario.name,
      emit: this.#emit,
      epochMsAt: (atMs) => this.#epochStartMs + atMs,
      ...(httpEndpoint ? { httpEndpoint } : {}),
      // `notify: [{ type: sns }]` publishes to the run's topic through the run's notifier instead
      publishFailovers: !scenario.notify.some(onRunTopic),
      // LocalStack's CloudWatch evaluates alarms and fires their actions, but nobody there publishes Route 53 metrics
      writeHealthMetric: this.#connection.mode === 'localstack' && this.#dns !== undefined,
      healthOf: (id) => this.#dns?.health(id),
      metricIntervalMs: scenario.setup.dns?.healthCheck.intervalMs ?? 10_000,
      alarmPollMs: ALARM_POLL_MS,
      stopAlarms: this.#stopAlarms,
    });
    const notify = this.#notify;
    this.events.subscribe((event) => notify.observe(event));
    this.#ports = {
      probe: new HttpProbePort(urlOf),
      ...(this.#dns ? { dns: new Route53DnsPort(clients.route53, resources, emulated ? { health: (id) => this.#dns!.health(id) } : {}) } : {}),
      ...(this.#lb ? { loadBalancer: followingListener(new ElbListenerPort(clients.elbv2, resources), this.#lb) } : {}),
      ...(this.#asg ? { scalingGroup: new AsgScalingGroupPort(clients.autoscaling, resources) } : {}),
      ...(this.#db
        ? { database: this.#db.port(new RdsDatabasePort(clients.rds, clients.cloudwatch, resources, { emit: this.#emit }, emulated ? { replicaPromotion: 'recorded' } : {})) }
        : {}),
    };
  }

  /** The CloudWatch alarms of the scenario's stop conditions, by name. */
  get #stopAlarms(): string[] {
    return (this.scenario.abort?.alarms ?? []).map(alarmNameOf);
  }

  /** A stop condition that names no alarm on this endpoint could never trip: refused (exit 2) before the drill begins. */
  async #checkStopAlarms(clients: AwsConnectionHandle['clients']): Promise<void> {
    const names = this.#stopAlarms;
    if (names.length === 0) return;
    const answer = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    const found = new Set((answer.MetricAlarms ?? []).map((a) => a.AlarmName));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length > 0)
      throw new UsageError(`${this.options.file ?? 'scenario'}: abort.alarms: no CloudWatch alarm named ${missing.join(', ')} on the ${this.#connection!.mode} endpoint (a stop condition must watch an alarm that exists)`);
  }

  #abortPoint(): void {
    if (this.options.signal.aborted) throw abortError(this.options.signal);
  }

  attach(_controller: FailoverController): void {
    // nothing here consults the controller
  }

  /** `type: sns` without a topic: the run's topic, through this session's SNS client. */
  notifyChannel(spec: NotifySpec, context: ChannelContext): NotifyChannel | undefined {
    return onRunTopic(spec) ? new SnsChannel(context.name, this.#connection!.clients.sns, this.#resources!.topic.arn) : undefined;
  }

  async start(detail: EventDetail): Promise<void> {
    const { scenario } = this;
    this.clock.startAt(process.hrtime.bigint());
    this.#epochStartMs = Date.now();
    this.#live = true;
    this.#emit('run', 'start', {
      ...detail,
      aws: this.#connection!.mode,
      runId: this.runId,
      resolutionMs: scenario.load.probeIntervalMs,
      ...(this.#connection!.accountId ? { account: this.#connection!.accountId } : {}),
    });
    for (const note of this.#resources!.notes) this.#emit('aws', 'note', { message: note });
    this.#dns?.run();
    this.#asg?.run();
    this.#db?.run();
    this.#notify?.run();
    this.#recorder = new SampleRecorder(scenario.load.probeIntervalMs, scenario.durationMs);
    const entry = scenario.load.entry ?? scenario.setup.dns?.record ?? scenario.setup.loadBalancer?.id ?? scenario.setup.servers[0]!.id;
    this.#load = new OpenLoopLoad({
      clock: this.clock,
      rng: this.rng.fork('load'),
      ratePerSec: scenario.load.ratePerSec,
      clients: scenario.load.clients,
      timeoutMs: scenario.load.timeoutMs,
      durationMs: scenario.durationMs,
      maxRequests: Math.ceil((scenario.load.ratePerSec * scenario.durationMs) / 1000) + scenario.load.clients,
      target: (client) => this.#targetOf(client, entry),
      recorder: this.#recorder,
      entryId: entry,
    });
    this.#load.start();
  }

  /** Where client `client` sends now: through its resolver to the server the DNS answer names, to the load balancer's listener, or straight to the entry server. */
  async #targetOf(client: number, entry: string): Promise<{ url: string; via: string } | { error: string }> {
    const servers = this.#servers!;
    if (this.#resolvers && entry === this.scenario.setup.dns?.record) {
      try {
        const answer = await this.#resolvers.resolve(client, entry);
        const server = answer.addresses.map((a) => servers.byAddress(a)).find((s) => s !== undefined);
        if (server) return { url: `${server.url}/`, via: server.serverId };
        // a CNAME member: the load balancer's DNS name, or an instance's private DNS name
        const cname = answer.cnames.at(-1);
        if (cname !== undefined && this.#lb && cname === normalizeName(this.#resources!.loadBalancer!.dnsName)) return { url: `${this.#lb.url}/`, via: this.#lb.id };
        const named = Object.values(this.#resources!.instances).find((i) => normalizeName(i.privateDnsName) === cname);
        if (named) return { url: `${servers.endpoint(named.instanceId).url}/`, via: servers.endpoint(named.instanceId).serverId };
        return { error: `no server at ${[...answer.cnames, ...answer.addresses].join(',') || 'an empty answer'}` };
      } catch (err) {
        return { error: `dns: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    if (this.#lb && entry === this.#lb.id) return { url: `${this.#lb.url}/`, via: entry };
    const instance = this.#resources!.instances[entry];
    return instance ? { url: `${servers.endpoint(instance.instanceId).url}/`, via: entry } : { error: `no entry ${entry}` };
  }

  schedule(atMs: number, fn: () => void | Promise<void>): void {
    this.#timers.schedule(atMs, fn);
  }

  async inject(fault: FaultEffect, onEffect: (detail: EventDetail) => void): Promise<Undo> {
    const connection = this.#connection!;
    const spec = this.scenario.faults.find((f) => f.id === fault.id);
    if (fault.action === 'service-stop' && this.#db?.urlOf(fault.target)) {
      const undo = await this.#db.stopMember(fault.target);
      onEffect({ effect: 'applied by faildrill', call: 'database store stopped', member: fault.target, database: this.#db.spec.id });
      return undo;
    }
    const release = this.#hold.hold();
    try {
      return await this.#injectAws(connection, fault, spec?.durationMs, onEffect, release);
    } finally {
      release();
    }
  }

  #injectAws(connection: AwsConnectionHandle, fault: FaultEffect, durationMs: number | undefined, onEffect: (detail: EventDetail) => void, release: () => void): Promise<Undo> {
    return injectAwsFault(
      {
        clients: connection.clients,
        resources: this.#resources!,
        events: { emit: (c, t, d) => this.#emit(c, t, d) },
        ...(connection.mode === 'moto' || connection.mode === 'localstack' ? { emulator: connection.mode } : {}),
        track: (resource) => this.#resources!.inventory.push(resource),
      },
      { ...fault, ...(durationMs !== undefined ? { durationMs } : {}) },
      (detail) => {
        onEffect(detail);
        release();
        // the data plane follows the control plane at once rather than at its next poll
        void this.#servers?.refresh();
        void this.#lb?.refresh();
        void this.#db?.refresh();
        void this.#asg?.refresh();
      },
    );
  }

  requestTotals(): { ok: number; total: number } {
    return this.#recorder?.totals() ?? { ok: 0, total: 0 };
  }

  async runUntil(endMs: number, signal: AbortSignal): Promise<void> {
    await sleep(Math.max(0, endMs - this.clock.nowMs()), signal);
  }

  async finish(aborted: string | undefined): Promise<SessionRecord> {
    this.#timers.close();
    await this.#timers.settle(aborted ? 300 : 15_000);
    await this.#load?.stop();
    await this.#notify?.flush(aborted ? 300 : NOTIFY_FLUSH_MS);
    const totals = this.#load?.totals();
    await this.#db?.stop();
    this.#emit('run', 'end', { ...(totals ? { requests: totals.sent, peakInFlight: totals.peakInFlight } : {}), ...(aborted ? { aborted } : {}) });
    this.#live = false;
    const samples = this.#recorder?.finish() ?? new SampleRecorder(this.scenario.load.probeIntervalMs, this.scenario.durationMs).finish();
    const left = await this.#teardown();
    return {
      samples,
      invariants: [
        everyFaultRemoved(this.events.events),
        left.length === 0
          ? { name: 'nothing-left-behind', pass: true, message: `deleted everything tagged faildrill:run-id=${this.runId}` }
          : { name: 'nothing-left-behind', pass: false, message: `left: ${left.join('; ')}` },
      ],
      engineEvents: 0,
      extra: { aws: { runId: this.runId, mode: this.#connection?.mode ?? 'unknown' } },
    };
  }

  /** Stops the data plane, deletes what was provisioned and stops the emulators; what it could not remove. */
  #teardown(): Promise<string[]> {
    this.#torndown ??= (async () => {
      const left: string[] = [];
      this.#timers.close();
      this.#resolvers?.close();
      await this.#notify?.close();
      await this.#dns?.close().catch((err: Error) => left.push(`dns plane: ${err.message}`));
      this.#asg?.close();
      await this.#lb?.close().catch((err: Error) => left.push(`load balancer plane: ${err.message}`));
      await this.#servers?.close().catch((err: Error) => left.push(`instance servers: ${err.message}`));
      await this.#db?.close().catch((err: Error) => left.push(`database plane: ${err.message}`));
      const connection = this.#connection;
      if (connection && this.#resources) {
        try {
          const report = await teardown(connection.clients, this.#resources);
          for (const f of report.failed) left.push(`${f.resource.kind} ${f.resource.id}: ${f.errorName}: ${f.message}`);
        } catch (err) {
          left.push(`teardown: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      await connection?.close();
      rmSync(this.#runDir, { recursive: true, force: true });
      return left;
    })();
    return this.#torndown;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#teardown();
  }
}
