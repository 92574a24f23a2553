import type {
  DnsPort,
  FailoverMember,
  HealthProbePort,
  LoadBalancerPort,
  DatabasePort,
  ProbeResult,
  ScalingGroupPort,
  VirtualIpPort,
} from '../controller/ports.js';
import { EventLog } from '../measure/events.js';
import { SampleRecorder, type SampleSeries } from '../measure/samples.js';
import { defaults } from '../scenario/defaults.js';
import type { DnsSpec, Scenario } from '../scenario/schema.js';
import { VirtualClock } from './clock.js';
import type { SimContext } from './context.js';
import { Engine } from './engine.js';
import { SimTargetGroup } from './load-balancer.js';
import { ClientLoad, type PathResponse } from './load.js';
import { mergedSchedule, SimNginxUpstream } from './nginx-upstream.js';
import { SeededRng } from '../random/seeded-rng.js';
import { Route53HealthCheck } from './route53.js';
import { applySimFault, type FaultEffect } from './faults.js';
import { route53Verdict, verdictWithin, type CheckVerdict } from './checks.js';
import { APP_PORT, POSTGRES_PORT, SimServer, type Response } from './server.js';
import { SimVipLayer } from './vip-layer.js';
import { MemoryLease } from '../lease/memory-lease.js';
import { SimDatabase } from './database.js';
import { SimAutoscalingGroup } from './autoscaling.js';
import type { InvariantView } from './invariants.js';

interface DnsRecordState {
  spec: DnsSpec;
  /** Controller mode: the member the controller set; platform mode: undefined (the health check decides). */
  forced?: FailoverMember;
  /** Controller mode: the member Route 53's servers answer (the last change that reached INSYNC). */
  propagated?: FailoverMember;
  healthCheck?: Route53HealthCheck;
  answer: string;
}

interface LoadBalancerState {
  id: string;
  forwardTo: string;
  /** kind alb: the target groups; kind nginx: none (nginx has no active checks). */
  groups: Map<string, SimTargetGroup>;
  /** kind nginx: the upstream. */
  nginx?: SimNginxUpstream;
}

/**
 * The simulated world of one run: servers, Route 53 health checks and the failover record,
 * a load balancer with target groups, and the client load — plus the controller's ports onto it.
 */
export class SimWorld {
  readonly engine = new Engine();
  readonly clock = new VirtualClock(this.engine);
  readonly events = new EventLog(this.clock);
  readonly rng: SeededRng;
  readonly servers = new Map<string, SimServer>();
  readonly #recorder: SampleRecorder;
  readonly #loads: ClientLoad[];
  readonly #ctx: SimContext;
  #dns?: DnsRecordState;
  #lb?: LoadBalancerState;
  #vip?: SimVipLayer;
  #db?: SimDatabase;
  #asg?: SimAutoscalingGroup;
  /** App servers that answer 503 while they cannot write to the database (undefined: every server but its members). */
  #dbClients?: Set<string>;
  /** Packet loss met by our controller's probes; target groups and Route 53 draw from their own forks. */
  readonly #probeLossRng: SeededRng;
  readonly #propagationRng: SeededRng;
  #dnsInSyncAtMs = 0;
  /** The arbiter (etcd/Consul stand-in) the controller fences with. */
  readonly lease = new MemoryLease(this.clock);

  constructor(
    readonly scenario: Scenario,
    seed: number,
  ) {
    this.rng = new SeededRng(seed);
    this.#probeLossRng = this.rng.fork('loss.probe');
    this.#propagationRng = this.rng.fork('route53.propagation');
    this.#ctx = {
      engine: this.engine,
      events: this.events,
      rng: this.rng,
      // models built before the load (the VIP elects its master at once) have nothing to count yet
      beforeRoutingChange: () => {
        for (const load of this.#loads ?? []) load.flush(this.engine.nowMs);
        this.#db?.countWrites();
        this.#lb?.nginx?.worldChanging();
      },
    };
    const { setup } = scenario;
    // a PostgreSQL member's service (the model's app) listens on PostgreSQL's port, as on the host
    const pg = setup.database?.engine === 'postgres-streaming' ? new Set([setup.database.primary, setup.database.standby]) : new Set<string>();
    for (const s of setup.servers) this.servers.set(s.id, new SimServer(s.id, s.latencyMs, s.bootMs, pg.has(s.id) ? POSTGRES_PORT : APP_PORT));
    if (setup.loadBalancer) this.#buildLoadBalancer(setup.loadBalancer);
    if (setup.autoscaling) {
      const asg = setup.autoscaling;
      const tg = asg.targetGroup !== undefined ? this.#lb?.groups.get(asg.targetGroup) : undefined;
      this.#asg = new SimAutoscalingGroup(asg, this.#ctx, this.servers, tg);
    }
    if (setup.database) {
      const db = setup.database;
      this.#db = new SimDatabase(db, this.#ctx, this.servers, scenario.controller.layers.database === 'platform', (member) => this.#serviceStarted(member));
      if (db.clients) this.#dbClients = new Set(db.clients);
    }
    if (setup.vip) {
      this.#vip = new SimVipLayer(setup.vip, this.#ctx, this.servers, (from, to) =>
        this.#routeChanged('vip', setup.vip!.id, from ?? '', to ?? '', from ? [from] : [], to ? [to] : []),
      );
    }
    if (setup.dns) this.#buildDns(setup.dns);
    this.#recorder = new SampleRecorder(scenario.measure.resolutionMs, scenario.durationMs);
    const streams = [scenario.load, ...scenario.loads];
    this.#loads = streams.map((stream, i) => {
      const entry = stream.entry ?? this.#defaultEntry();
      const viaDns = this.#dns !== undefined && entry === this.#dns.spec.record;
      return new ClientLoad(
        { ...stream, ttlMs: viaDns ? this.#dns!.spec.ttlMs : Infinity },
        {
          resolve: () => (viaDns ? this.#dns!.answer : entry),
          backends: (endpoint) => this.backends(endpoint),
          respond: (serverId, endpoint) => this.#respondVia(serverId, endpoint),
          lossRatio: (serverId) => this.servers.get(serverId)?.lossRatio ?? 0,
          // only a VIP moves between nodes: a server's or a load balancer's connections always end where they began
          connectionEnd: (endpoint) => (this.#vip && endpoint === this.#vip.spec.id ? this.#vip.backends()[0] : undefined),
          connectionsClosed: (serverId) => this.servers.get(serverId)?.serviceStopped('app') ?? false,
        },
        this.#recorder,
        // the first stream keeps the fork name it always had, so adding streams shifts no draw
        this.rng.fork(i === 0 ? 'load' : `load.${'name' in stream ? stream.name : i}`),
      );
    });
  }

  /** Runs the world until `endMs` (or until `stopped`), then counts the load up to where it got. */
  async runUntil(endMs: number, onEvent?: () => void, stopped?: () => boolean): Promise<void> {
    await this.engine.runUntil(endMs, onEvent, stopped);
    for (const load of this.#loads) load.flush(this.engine.nowMs);
  }

  /** Counts the load up to the current virtual time (for progress snapshots). */
  countLoadUntilNow(): void {
    for (const load of this.#loads) load.flush(this.engine.nowMs);
  }

  /** Requests counted so far. */
  requestTotals(): { ok: number; total: number } {
    return this.#recorder.totals();
  }

  samples(): SampleSeries {
    return this.#recorder.finish();
  }

  /** Where clients go when the scenario names no entry: the DNS record, else the LB, else the VIP, else the only app server. */
  #defaultEntry(): string {
    if (this.#dns) return this.#dns.spec.record;
    if (this.#lb) return this.#lb.id;
    if (this.#vip) return this.#vip.spec.id;
    const db = this.#db?.spec;
    return [...this.servers.keys()].find((id) => id !== db?.primary && id !== db?.standby)!;
  }

  /** Servers that receive requests sent to `endpoint` now. */
  backends(endpoint: string): readonly string[] {
    if (this.servers.has(endpoint)) return [endpoint];
    if (this.#lb && endpoint === this.#lb.id) return this.#lb.nginx?.backends() ?? this.#lb.groups.get(this.#lb.forwardTo)!.routable;
    if (this.#vip && endpoint === this.#vip.spec.id) return this.#vip.backends();
    return [];
  }

  /** A request to an app server; an app that cannot reach its database answers 503 at once. */
  #respond(serverId: string): Response {
    const response = this.servers.get(serverId)?.respond() ?? { kind: 'no-answer' };
    if (response.kind === 'ok' && this.#usesDatabase(serverId) && !this.#db!.appCanWrite) return { kind: 'refused', latencyMs: 1 };
    return response;
  }

  /** A request to one of `endpoint`'s backends: through nginx's upstream when the endpoint is one. */
  #respondVia(serverId: string, endpoint: string): PathResponse {
    const nginx = this.#lb?.nginx;
    return nginx && endpoint === nginx.id ? nginx.respond(serverId) : this.#respond(serverId);
  }

  #usesDatabase(serverId: string): boolean {
    const db = this.#db;
    if (!db) return false;
    return this.#dbClients ? this.#dbClients.has(serverId) : serverId !== db.spec.primary && serverId !== db.spec.standby;
  }

  /** One health check request: like a client's, and lost with the server's packet-loss ratio (drawn from the checker's own `lossRng`). */
  #check(serverId: string, lossRng: SeededRng): Response {
    const server = this.servers.get(serverId);
    if (!server) return { kind: 'no-answer' };
    if (server.lossRatio > 0 && lossRng.next() < server.lossRatio) return { kind: 'no-answer' };
    return this.#respond(serverId);
  }

  /** A check of an endpoint: its first backend, through nginx's upstream when the endpoint is one (loss: the backend's). */
  #checkVia(endpoint: string, lossRng: SeededRng): Response {
    const backend = this.backends(endpoint)[0];
    if (backend === undefined) return { kind: 'refused', latencyMs: 1 };
    const nginx = this.#lb?.nginx;
    if (!nginx || endpoint !== nginx.id) return this.#check(backend, lossRng);
    const lossRatio = this.servers.get(backend)?.lossRatio ?? 0;
    return lossRatio > 0 && lossRng.next() < lossRatio ? { kind: 'no-answer' } : nginx.respond(backend);
  }

  #buildLoadBalancer(spec: NonNullable<Scenario['setup']['loadBalancer']>): void {
    const groups = new Map<string, SimTargetGroup>();
    const byPriority = [...spec.targetGroups].sort((a, b) => a.priority - b.priority);
    if (spec.kind === 'nginx') {
      const traffic = () => mergedSchedule(this.#loads.map((load) => load.requestsTo(spec.id)));
      const nginx = new SimNginxUpstream(spec, this.#ctx, (serverId) => this.#respond(serverId), traffic, this.scenario.load.timeoutMs);
      this.#lb = { id: spec.id, forwardTo: nginx.forwardTo, groups, nginx };
      return;
    }
    const lb: LoadBalancerState = { id: spec.id, forwardTo: byPriority[0]!.id, groups };
    for (const tgSpec of byPriority) {
      const lossRng = this.rng.fork(`loss.targetGroup.${tgSpec.id}`);
      groups.set(
        tgSpec.id,
        new SimTargetGroup(tgSpec, this.#ctx, (serverId) => this.#check(serverId, lossRng), (group, before, after) => {
          if (lb.forwardTo !== group.id) return;
          this.#routeChanged('targetGroup', group.id, before.join(','), after.join(','), before, after);
        }),
      );
    }
    this.#lb = lb;
  }

  #buildDns(spec: DnsSpec): void {
    const state: DnsRecordState = { spec, answer: spec.primary };
    if (this.scenario.controller.layers.dns === 'platform') {
      const hc = spec.healthCheck;
      const lossRng = this.rng.fork(`loss.route53.hc-${spec.primary}`);
      state.healthCheck = new Route53HealthCheck(
        {
          id: `hc-${spec.primary}`,
          target: spec.primary,
          intervalMs: hc.intervalMs,
          failureThreshold: hc.failureThreshold,
          regions: hc.regions,
          checkersPerRegion: hc.checkersPerRegion,
          healthyCheckerShare: defaults.route53.healthyCheckerShare,
        },
        this.engine,
        this.rng.fork('route53'),
        () => this.#route53Check(spec.primary, lossRng),
        (healthy, healthyCheckers, checkers) => {
          this.events.emit('route53', 'health', { healthCheck: `hc-${spec.primary}`, target: spec.primary, health: healthy ? 'healthy' : 'unhealthy', healthyCheckers, checkers });
          this.#evaluateDns();
        },
      );
    } else {
      state.forced = 'primary';
      state.propagated = 'primary';
    }
    this.#dns = state;
  }

  /** A Route 53 check against an endpoint: a server directly, or a load balancer through its routing. */
  #route53Check(endpoint: string, lossRng: SeededRng): CheckVerdict {
    return route53Verdict(this.#checkVia(endpoint, lossRng), defaults.route53.connectTimeoutMs, defaults.route53.responseTimeoutMs);
  }

  #evaluateDns(): void {
    const dns = this.#dns!;
    const member: FailoverMember = dns.propagated ?? (dns.healthCheck!.healthy ? 'primary' : 'secondary');
    const answer = dns.spec[member];
    if (answer === dns.answer) return;
    this.#ctx.beforeRoutingChange();
    const previous = dns.answer;
    dns.answer = answer;
    this.events.emit('dns', 'answer', { record: dns.spec.record, answer, previous });
    this.#routeChanged('dns', dns.spec.record, previous, answer, this.backends(previous), this.backends(answer));
  }

  #routeChanged(layer: string, resource: string, from: string, to: string, fromServers: readonly string[], toServers: readonly string[]): void {
    this.events.emit(layer === 'dns' ? 'dns' : layer === 'vip' ? 'vip' : 'lb', 'route.changed', {
      layer,
      resource,
      from,
      to,
      fromServers: fromServers.join(','),
      toServers: toServers.join(','),
    });
  }

  /** Applies a fault's effect; returns its undo. */
  applyFault(fault: FaultEffect): () => void {
    this.#ctx.beforeRoutingChange();
    const before = this.#states();
    const db = this.#db;
    const undo = applySimFault(
      {
        server: (id) => this.servers.get(id)!,
        later: (delayMs, fn) =>
          this.engine.after(delayMs, () => {
            this.#ctx.beforeRoutingChange();
            const previous = this.#states();
            fn();
            this.#statesChanged(previous);
            this.#db?.memberChanged();
          }),
        vrrpOf: (id) => (this.#vip?.spec.nodes.some((n) => n.server === id) ? this.#vip.vrrp : this.#db?.vrrpOf(id)),
        ...(db
          ? {
              databaseFault: (f) => {
                if (f.action === 'aws:rds:failover-db-cluster' || f.forceFailover) void db.startFailover(`FIS ${f.action}`);
                else db.reboot();
                return () => undefined;
              },
            }
          : {}),
      },
      fault,
    );
    this.#statesChanged(before);
    this.#db?.memberChanged();
    return () => {
      this.#ctx.beforeRoutingChange();
      const previous = this.#states();
      undo();
      this.#statesChanged(previous);
      this.#db?.memberChanged();
    };
  }

  /** A supervisor on `serverId` (Patroni) started its stopped PostgreSQL (the model's app) again: a change of the world like a fault's undo. */
  #serviceStarted(serverId: string): void {
    this.#ctx.beforeRoutingChange();
    const previous = this.#states();
    this.servers.get(serverId)!.start('app');
    this.#statesChanged(previous);
    this.#db?.memberChanged();
  }

  #states(): Map<string, string> {
    return new Map([...this.servers.values()].map((s) => [s.id, s.state]));
  }

  #statesChanged(before: Map<string, string>): void {
    for (const server of this.servers.values()) {
      const previous = before.get(server.id)!;
      if (server.state !== previous) this.events.emit('server', 'state', { server: server.id, state: server.state, previous });
    }
  }

  /** The health checks our controller sends, answered from the model after the response time or the timeout. */
  readonly probePort: HealthProbePort = {
    probe: (endpointId, { timeoutMs }) => {
      const verdict = verdictWithin(this.#checkVia(endpointId, this.#probeLossRng), timeoutMs);
      const result: ProbeResult = { ok: verdict.ok, latencyMs: verdict.afterMs, ...(verdict.reason ? { reason: verdict.reason } : {}) };
      return new Promise((resolve) => this.engine.after(result.latencyMs, () => resolve(result)));
    },
  };

  #answerDownSinceMs: number | undefined;

  /** What the invariant monitor reads after every event. */
  invariantView(): InvariantView {
    const serving = (endpoint: string) => this.backends(endpoint).some((id) => this.#respondVia(id, endpoint).kind === 'ok');
    return {
      vipHolders: () => (this.#vip ? [{ vip: this.#vip.spec.id, holders: this.#vip.vrrp.holders }] : []),
      dnsAnswer: () => {
        const dns = this.#dns;
        if (!dns) return undefined;
        const now = this.engine.nowMs;
        if (serving(dns.answer)) this.#answerDownSinceMs = undefined;
        else this.#answerDownSinceMs ??= now;
        const other = dns.answer === dns.spec.primary ? dns.spec.secondary : dns.spec.primary;
        const hc = this.scenario.controller.healthCheck;
        const detectionBoundMs = dns.healthCheck
          ? dns.spec.healthCheck.intervalMs * (dns.spec.healthCheck.failureThreshold + 1) + defaults.route53.connectTimeoutMs // a check without an answer fails at its timeout
          : hc.intervalMs * (hc.unhealthyThreshold + 1) + hc.timeoutMs + defaults.route53.propagationMs.max; // the UPSERT's INSYNC
        return {
          record: dns.spec.record,
          answer: dns.answer,
          downForMs: this.#answerDownSinceMs === undefined ? 0 : now - this.#answerDownSinceMs,
          alternativeUp: serving(other),
          graceMs: detectionBoundMs + dns.spec.ttlMs,
        };
      },
      demotedWrites: () => {
        this.#db?.countWrites();
        return this.#db?.demotedWrites() ?? [];
      },
    };
  }

  /** The VIP as the controller sees it (undefined without setup.vip). */
  get virtualIpPort(): VirtualIpPort | undefined {
    return this.#vip?.port;
  }

  /** The autoscaling group as the controller sees it (undefined without setup.autoscaling). */
  get scalingGroupPort(): ScalingGroupPort | undefined {
    return this.#asg?.port;
  }

  /** The database as the controller sees it (undefined without setup.database). */
  get databasePort(): DatabasePort | undefined {
    return this.#db?.port;
  }

  /** The database member a fault on `target` hits: the writer at that moment for a database-wide fault. */
  faultAffects(target: string): string | undefined {
    return this.#db && target === this.#db.spec.id ? this.#db.writer : undefined;
  }

  /** Writes the app sent to the database so far. */
  databaseWrites(): { acked: number; failed: number; lost: number } | undefined {
    this.#db?.countWrites();
    return this.#db ? { ...this.#db.tally } : undefined;
  }

  /** Fencing: every keepalived node's fencing script asks `ask` (the controller's arbiter) whether it may hold the VIP. */
  setVipArbiter(ask: (node: string) => Promise<{ granted: boolean }>): void {
    this.#vip?.setArbiter(ask);
  }

  /** Route 53 as the controller drives it: UPSERT of the failover record. */
  readonly dnsPort: DnsPort = {
    setActive: async (recordName, member) => {
      const dns = this.#requireRecord(recordName);
      if (dns.forced === undefined) throw new Error(`record ${recordName} is evaluated by Route 53 (platform mode)`);
      dns.forced = member;
      // UPSERT: PENDING until Route 53's servers all have it (INSYNC); clients see it then, and the
      // port resolves then, like the aws one that waits for GetChange INSYNC. Changes apply in order.
      const { min, max } = defaults.route53.propagationMs;
      const inSyncAtMs = Math.max(this.#dnsInSyncAtMs, this.engine.nowMs + this.#propagationRng.int(min, max));
      this.#dnsInSyncAtMs = inSyncAtMs;
      this.events.emit('route53', 'change', { record: recordName, member, status: 'PENDING', inSyncAfterMs: Math.round(inSyncAtMs - this.engine.nowMs) });
      await new Promise<void>((resolve) =>
        this.engine.at(inSyncAtMs, () => {
          dns.propagated = member;
          this.#evaluateDns();
          resolve();
        }),
      );
    },
    getActive: async (recordName) => {
      const dns = this.#requireRecord(recordName);
      // the record set as the API reads it (a PENDING change included), not what resolvers answer yet
      if (dns.forced) return dns.forced;
      return dns.answer === dns.spec.primary ? 'primary' : 'secondary';
    },
    drainMs: async (recordName) => this.#requireRecord(recordName).spec.ttlMs,
  };

  #requireRecord(recordName: string): DnsRecordState {
    if (!this.#dns || this.#dns.spec.record !== recordName) throw new Error(`no failover record ${recordName}`);
    return this.#dns;
  }

  /** The load balancer's listener as the controller drives it. */
  readonly loadBalancerPort: LoadBalancerPort = {
    forwardTo: async (loadBalancerId, targetGroupId) => {
      const lb = this.#requireLb(loadBalancerId);
      if (lb.nginx) {
        if (!lb.nginx.group(targetGroupId)) throw new Error(`no target group ${targetGroupId}`);
        // the host rewrites nginx.conf and reloads, also when the group stays the same
        lb.forwardTo = targetGroupId;
        lb.nginx.reload(targetGroupId);
        return;
      }
      const next = lb.groups.get(targetGroupId);
      if (!next) throw new Error(`no target group ${targetGroupId}`);
      if (lb.forwardTo === targetGroupId) return;
      this.#ctx.beforeRoutingChange();
      const previous = lb.groups.get(lb.forwardTo)!;
      lb.forwardTo = targetGroupId;
      this.#routeChanged('loadBalancer', lb.id, previous.id, next.id, previous.routable, next.routable);
    },
    getForwardTarget: async (loadBalancerId) => this.#requireLb(loadBalancerId).forwardTo,
    drainMs: async (targetGroupId) => (this.#lb?.nginx ? this.#nginxGroup(targetGroupId) : this.#requireGroup(targetGroupId).spec).deregistrationDelayMs,
    targets: async (targetGroupId) => (this.#lb?.nginx ? [...this.#nginxGroup(targetGroupId).targets] : this.#requireGroup(targetGroupId).registered()),
  };

  #nginxGroup(targetGroupId: string) {
    const group = this.#lb?.nginx?.group(targetGroupId);
    if (!group) throw new Error(`no target group ${targetGroupId}`);
    return group;
  }

  #requireGroup(targetGroupId: string): SimTargetGroup {
    const group = this.#lb?.groups.get(targetGroupId);
    if (!group) throw new Error(`no target group ${targetGroupId}`);
    return group;
  }

  #requireLb(loadBalancerId: string): LoadBalancerState {
    if (!this.#lb || this.#lb.id !== loadBalancerId) throw new Error(`no load balancer ${loadBalancerId}`);
    return this.#lb;
  }
}
