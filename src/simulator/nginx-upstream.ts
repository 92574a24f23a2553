import type { LoadBalancerSpec, TargetGroupSpec } from '../scenario/schema.js';
import type { SimContext } from './context.js';
import type { Timer } from './engine.js';
import type { PathResponse, RequestSchedule } from './load.js';
import type { Response } from './server.js';

/** One `server` line of the upstream, as `nginxConfig` (src/targets/host/nginx.ts) writes it. */
export interface NginxPeerSpec {
  server: string;
  group: string;
  backup: boolean;
  maxFails: number;
  failTimeoutMs: number;
}

/** The upstream and proxy settings nginx runs with while forwarding to one target group. */
export interface NginxSettings {
  peers: NginxPeerSpec[];
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

/** nginx reads these durations in whole seconds, as `nginxConfig` writes them (at least 1 s). */
const wholeSecondsMs = (ms: number) => Math.max(1, Math.round(ms / 1000)) * 1000;

/**
 * What the host's `nginxConfig` writes for `forwardTo`: the forwarded group's targets first, every other
 * group's (by priority) as `backup`; `max_fails` = the group's unhealthy threshold, `fail_timeout` = its
 * interval; `proxy_connect_timeout` = the forwarded group's timeout; `proxy_read_timeout` = the load's timeout.
 */
export function nginxSettings(lb: LoadBalancerSpec, forwardTo: string, loadTimeoutMs: number): NginxSettings {
  const groups = [...lb.targetGroups].sort((a, b) => (a.id === forwardTo ? -1 : b.id === forwardTo ? 1 : a.priority - b.priority));
  const peers = groups.flatMap((tg, i) =>
    tg.targets.map((server) => ({
      server,
      group: tg.id,
      backup: i > 0,
      maxFails: tg.healthCheck.unhealthyThreshold,
      failTimeoutMs: wholeSecondsMs(tg.healthCheck.intervalMs),
    })),
  );
  return { peers, connectTimeoutMs: wholeSecondsMs(groups[0]!.healthCheck.timeoutMs), readTimeoutMs: wholeSecondsMs(loadTimeoutMs) };
}

/** Several streams of requests to one endpoint as one. */
export function mergedSchedule(schedules: readonly RequestSchedule[]): RequestSchedule {
  if (schedules.length === 1) return schedules[0]!;
  return {
    count: (fromMs, toMs) => schedules.reduce((n, s) => n + s.count(fromMs, toMs), 0),
    nth: (fromMs, k) => {
      const taken = schedules.map(() => 0);
      let at = Infinity;
      for (let i = 0; i < k; i++) {
        let best = -1;
        at = Infinity;
        schedules.forEach((s, j) => {
          const t = s.nth(fromMs, taken[j]! + 1);
          if (t < at) [at, best] = [t, j];
        });
        if (best < 0) return Infinity;
        taken[best]!++;
      }
      return at;
    },
  };
}

interface Peer extends NginxPeerSpec {
  /** nginx's `fails`, `checked` and `accessed` of the peer (ngx_http_upstream_round_robin.c). */
  fails: number;
  checkedMs: number;
  accessedMs: number;
  /** Its `upstream server temporarily disabled` was reported and it has not answered since (the host's `#down`). */
  reported: boolean;
}

/** One try of a peer: its answer, or how long nginx spends on it before it passes the request on. */
type Attempt = { ok: true; latencyMs: number } | { ok: false; costMs: number };

/** One request through the upstream: what the client gets, the peers whose failure nginx counts (and when, into the request), and those it frees without one. */
interface Walk {
  response: PathResponse;
  failed: Array<{ peer: Peer; atMs: number }>;
  freed: Peer[];
  /** It went on to the backup peers (every primary it tried failed), or started there. */
  reachedBackups: boolean;
}

/** Between two changes: the peers requests reach without failing there, and whether they go on to the backups. */
interface Plan {
  fromMs: number;
  freed: Set<Peer>;
  reachesBackups: boolean;
}

/**
 * Failures of one peer that requests bring: a `share` of the requests sent in [originMs, toMs) fail
 * there, each `atMs` after it was sent (a connect timeout lands later than a refusal); `landed` of
 * them have been counted.
 */
interface FailureStream {
  peer: Peer;
  originMs: number;
  toMs: number;
  share: number;
  atMs: number;
  landed: number;
}

/** A failure that lands at the same instant as the request time it was planned from counts (float noise aside). */
const LANDING_TOLERANCE_MS = 1e-3;

const PASSIVE_VERDICT = 'nginx: upstream server temporarily disabled (max_fails)';

/**
 * An open-source nginx upstream in front of the app servers (kind `nginx`), as the host target runs it,
 * after ngx_http_upstream_module and ngx_http_proxy_module: round robin over the primary peers, backup
 * peers only while no primary is available; `proxy_next_upstream error timeout` passes a request that a
 * peer refuses on at once, and one that a peer does not answer on after `proxy_connect_timeout` (or
 * `proxy_read_timeout` once connected), to the next peer within the same request; 502 when every peer
 * failed. Passive checks only: `max_fails` failures within `fail_timeout` take a peer out for
 * `fail_timeout`, then one request tries it again. A request the client gave up on first is no failure
 * to nginx (499). A reload (the controller's `forwardTo`) starts new workers with fresh peer state.
 *
 * Requests are counted, not simulated one by one: between two changes every request shares its
 * outcome, and the model asks the load when the requests that change nginx's state are sent (the
 * max_fails-th failure, the one request after fail_timeout). With several peers in a tier, a share of
 * the requests reaches each (round robin), so those moments are approximate there; with one peer per
 * group they are exact. Packet loss towards a peer is left to the client load.
 */
export class SimNginxUpstream {
  #forwardTo: string;
  #settings!: NginxSettings;
  #peers: Peer[] = [];
  #single = false;
  /** The servers new requests go to first: the available primary peers, else the available backups (the host's routable set). */
  #routable: string[] = [];
  #plan: Plan = { fromMs: 0, freed: new Set(), reachesBackups: false };
  #streams: FailureStream[] = [];
  #probing?: { peer: Peer; atMs: number };
  #timer?: Timer;
  #pending?: Timer;
  #busy = false;

  constructor(
    readonly spec: LoadBalancerSpec,
    private readonly ctx: SimContext,
    /** A request to one app server, straight. */
    private readonly respondServer: (serverId: string) => Response,
    /** The requests clients send to this load balancer now. */
    private readonly traffic: () => RequestSchedule,
    /** The clients' timeout (the first load's, as `proxy_read_timeout` on the host). */
    private readonly clientTimeoutMs: number,
  ) {
    this.#forwardTo = [...spec.targetGroups].sort((a, b) => a.priority - b.priority)[0]!.id;
    this.#configure();
    this.#routable = this.#routableNow();
    ctx.engine.at(0, () => this.#replan(), true);
  }

  get id(): string {
    return this.spec.id;
  }

  /** The target group nginx forwards to (its targets are the primary peers). */
  get forwardTo(): string {
    return this.#forwardTo;
  }

  get settings(): NginxSettings {
    return this.#settings;
  }

  group(targetGroupId: string): TargetGroupSpec | undefined {
    return this.spec.targetGroups.find((g) => g.id === targetGroupId);
  }

  /** The peers requests start at now (round robin over them); the routable set, or the one peer being tried again. */
  backends(): string[] {
    return this.#starts().map((p) => p.server);
  }

  /** A request that nginx sends to `serverId` first: the client's answer after every peer it was passed on to. */
  respond(serverId: string): PathResponse {
    const start = this.#starts().find((p) => p.server === serverId) ?? this.#peers.find((p) => p.server === serverId);
    return start ? this.#walk(start).response : { kind: 'refused', latencyMs: 1 };
  }

  /**
   * The controller rewrote the upstream to forward to `targetGroupId` and reloaded nginx: new workers
   * with the new configuration and fresh peer state (the old ones only finish their requests).
   */
  reload(targetGroupId: string): void {
    this.#busy = true;
    try {
      this.ctx.beforeRoutingChange();
      this.#forwardTo = targetGroupId;
      this.#configure();
      this.#probing = undefined;
      this.#streams = [];
      this.#routeIfChanged();
      this.#replanNow();
    } finally {
      this.#busy = false;
    }
  }

  /** Something in the world is about to change (a server, the database, DNS): look again once it has. */
  worldChanging(): void {
    if (this.#busy || this.#pending) return;
    this.#pending = this.ctx.engine.at(this.ctx.engine.nowMs, () => {
      this.#pending = undefined;
      this.#replan();
    }, true);
  }

  #configure(): void {
    this.#settings = nginxSettings(this.spec, this.#forwardTo, this.clientTimeoutMs);
    this.#peers = this.#settings.peers.map((p) => ({ ...p, fails: 0, checkedMs: 0, accessedMs: 0, reported: false }));
    // ngx_http_upstream_init_round_robin: one server and no backup is `single`: never taken out, never retried
    this.#single = this.#peers.length === 1;
  }

  #marked(p: Peer): boolean {
    return !this.#single && p.maxFails > 0 && p.fails >= p.maxFails;
  }

  /** The peers nginx may pick, by tier; with the peer being tried again when `probe`. */
  #tiers(probe: boolean): { primary: Peer[]; backup: Peer[] } {
    const usable = this.#peers.filter((p) => !this.#marked(p) || (probe && this.#probing?.peer === p));
    return { primary: usable.filter((p) => !p.backup), backup: usable.filter((p) => p.backup) };
  }

  #starts(): Peer[] {
    const { primary, backup } = this.#tiers(true);
    const probing = this.#probing?.peer;
    if (probing && (!probing.backup || primary.length === 0)) return [probing];
    return primary.length > 0 ? primary : backup;
  }

  #routableNow(): string[] {
    const { primary, backup } = this.#tiers(false);
    const servers = (primary.length > 0 ? primary : backup).map((p) => p.server);
    return [...new Set(this.spec.targetGroups.flatMap((g) => g.targets).filter((s) => servers.includes(s)))];
  }

  #attempt(p: Peer): Attempt {
    const response = this.respondServer(p.server);
    const { connectTimeoutMs, readTimeoutMs } = this.#settings;
    switch (response.kind) {
      case 'ok':
        return response.latencyMs < readTimeoutMs ? { ok: true, latencyMs: response.latencyMs } : { ok: false, costMs: readTimeoutMs };
      case 'refused':
        return { ok: false, costMs: response.latencyMs };
      case 'no-answer':
        return { ok: false, costMs: response.connected ? readTimeoutMs : connectTimeoutMs };
    }
  }

  /** The peers a request that starts at `start` tries, in order: the rest of its tier, then (from a primary) the backups. */
  #chain(start: Peer): Peer[] {
    if (this.#single) return [start];
    const { primary, backup } = this.#tiers(true);
    const rotate = (tier: Peer[]) => {
      const i = tier.indexOf(start);
      return i < 0 ? [start, ...tier] : [...tier.slice(i), ...tier.slice(0, i)];
    };
    return start.backup ? rotate(backup) : [...rotate(primary), ...backup];
  }

  #walk(start: Peer): Walk {
    const failed: Walk['failed'] = [];
    let spentMs = 0;
    for (const peer of this.#chain(start)) {
      const attempt = this.#attempt(peer);
      const reachedBackups = peer.backup;
      if (attempt.ok) return { response: { kind: 'ok', latencyMs: spentMs + attempt.latencyMs, answeredBy: peer.server }, failed, freed: [peer], reachedBackups };
      // the client leaves first: nginx ends the request (499) and frees the peer without counting a failure
      if (spentMs + attempt.costMs >= this.clientTimeoutMs) return { response: { kind: 'no-answer' }, failed, freed: [peer], reachedBackups };
      spentMs += attempt.costMs;
      failed.push({ peer, atMs: spentMs });
    }
    // every peer failed: 502
    return { response: { kind: 'refused', latencyMs: spentMs }, failed, freed: [], reachedBackups: !this.#single };
  }

  /** Brings nginx's peer state up to now, then plans the next moment it changes. */
  #replan(transition?: (schedule: RequestSchedule, nowMs: number) => void): void {
    this.#busy = true;
    try {
      this.ctx.beforeRoutingChange();
      const schedule = this.traffic();
      const nowMs = this.ctx.engine.nowMs;
      this.#settle(schedule, nowMs);
      transition?.(schedule, nowMs);
      this.#report();
      this.#routeIfChanged();
      this.#replanNow(schedule);
    } finally {
      this.#busy = false;
    }
  }

  /** Counts the failures that have landed and the answers of the requests sent since the plan was made. */
  #settle(schedule: RequestSchedule, nowMs: number): void {
    for (const stream of this.#streams) {
      stream.toMs = Math.min(stream.toMs, nowMs);
      const sent = this.#sentAndLanded(schedule, stream, nowMs);
      const landed = Math.floor(sent * stream.share + 1e-9);
      if (landed > stream.landed) {
        stream.peer.fails += landed - stream.landed;
        stream.peer.checkedMs = stream.peer.accessedMs = schedule.nth(stream.originMs, sent) + stream.atMs;
        stream.landed = landed;
      }
    }
    this.#streams = this.#streams.filter((stream) => nowMs - stream.atMs < stream.toMs);
    const plan = this.#plan;
    for (const peer of plan.freed) {
      // a peer picked more than fail_timeout after its last check forgets its failures once it answers
      if (peer.fails > 0 && !this.#streams.some((f) => f.peer === peer) && schedule.count(Math.max(plan.fromMs, peer.checkedMs + peer.failTimeoutMs), nowMs) > 0) peer.fails = 0;
    }
  }

  /**
   * The stream's requests whose failure has landed by `nowMs`: sent before the stream closed, at
   * least `atMs` ago. A request counts when its time as `nth` gives it lands by now — the time a
   * landing was planned for — whatever `count`'s rounding says at that very instant (with few
   * requests per client period the two can disagree by one at the boundary, and the failure would
   * never land).
   */
  #sentAndLanded(schedule: RequestSchedule, stream: FailureStream, nowMs: number): number {
    let sent = schedule.count(stream.originMs, Math.min(stream.toMs, nowMs - stream.atMs));
    for (;;) {
      const sentMs = schedule.nth(stream.originMs, sent + 1);
      if (!(sentMs < stream.toMs - LANDING_TOLERANCE_MS && sentMs + stream.atMs <= nowMs + LANDING_TOLERANCE_MS)) return sent;
      sent++;
    }
  }

  /** The host reads these from nginx's logs: a peer taken out, and a peer that answered again. */
  #report(): void {
    for (const peer of this.#peers) {
      const marked = this.#marked(peer);
      if (marked === peer.reported) continue;
      peer.reported = marked;
      this.ctx.events.emit('lb', 'target.health', {
        loadBalancer: this.spec.id,
        targetGroup: this.#groupOf(peer.server),
        target: peer.server,
        health: marked ? 'unhealthy' : 'healthy',
        reason: marked ? PASSIVE_VERDICT : 'nginx: answered again',
      });
    }
  }

  #groupOf(server: string): string {
    const own = this.group(this.#forwardTo)!;
    if (own.targets.includes(server)) return own.id;
    return this.spec.targetGroups.find((g) => g.targets.includes(server))?.id ?? '';
  }

  #routeIfChanged(): void {
    const next = this.#routableNow();
    const previous = this.#routable;
    if (next.join(',') === previous.join(',')) return;
    this.#routable = next;
    const groupsOf = (servers: string[]) => [...new Set(servers.map((s) => this.#groupOf(s)))].join(',');
    this.ctx.events.emit('lb', 'route.changed', {
      layer: 'loadBalancer',
      resource: this.spec.id,
      from: groupsOf(previous),
      to: groupsOf(next),
      fromServers: previous.join(','),
      toServers: next.join(','),
    });
  }

  /** What requests do from now on, and the next request that changes nginx's state. */
  #replanNow(schedule: RequestSchedule = this.traffic()): void {
    const nowMs = this.ctx.engine.nowMs;
    const starts = this.#starts();
    const failing = new Map<Peer, FailureStream>();
    const freed = new Set<Peer>();
    // with no peer to start at, nginx looks at every tier (and answers 502 "no live upstreams")
    let reachesBackups = starts.length === 0;
    for (const start of starts) {
      const walk = this.#walk(start);
      for (const { peer, atMs } of walk.failed) {
        const stream = failing.get(peer) ?? { peer, originMs: nowMs, toMs: Infinity, share: 0, atMs, landed: 0 };
        stream.share += 1 / starts.length;
        failing.set(peer, stream);
      }
      for (const peer of walk.freed) freed.add(peer);
      reachesBackups ||= walk.reachedBackups;
    }
    this.#streams.push(...failing.values());
    this.#plan = { fromMs: nowMs, freed, reachesBackups };

    this.#timer?.cancel();
    this.#timer = undefined;
    let nextMs = Infinity;
    let next: (() => void) | undefined;
    const consider = (atMs: number, run: () => void) => {
      if (atMs < nextMs) [nextMs, next] = [atMs, run];
    };
    const probing = this.#probing;
    if (probing) {
      // the next request no longer tries it: nginx checked it when it picked it
      consider(schedule.nth(probing.atMs, 2), () => this.#replan(() => (this.#probing = undefined)));
    }
    for (const peer of this.#peers) {
      const streams = this.#streams.filter((f) => f.peer === peer);
      if (this.#single || peer.maxFails === 0) continue;
      if (!this.#marked(peer)) {
        const landsAtMs = this.#failureLanding(schedule, streams, peer.maxFails - peer.fails);
        if (landsAtMs !== undefined) consider(landsAtMs, () => this.#replan());
        continue;
      }
      if (probing?.peer === peer || (peer.backup && !reachesBackups)) continue;
      // failures still on their way set `checked` again when they land
      const lastLandingMs = Math.max(peer.checkedMs, ...streams.map((f) => this.#lastLanding(schedule, f)));
      const probeAtMs = schedule.nth(Math.max(nowMs, lastLandingMs + peer.failTimeoutMs), 1);
      consider(probeAtMs, () => this.#replan((_, atMs) => this.#tryAgain(peer, atMs)));
    }
    if (next && Number.isFinite(nextMs)) this.#timer = this.ctx.engine.at(nextMs, next, true);
  }

  /** When the last failure of a closed stream lands (-Infinity for none). */
  #lastLanding(schedule: RequestSchedule, f: FailureStream): number {
    const sent = Number.isFinite(f.toMs) ? schedule.count(f.originMs, f.toMs) : 0;
    return sent > 0 ? schedule.nth(f.originMs, sent) + f.atMs : -Infinity;
  }

  /** When the `needed`-th failure still to come from `streams` lands; undefined when it never does. */
  #failureLanding(schedule: RequestSchedule, streams: FailureStream[], needed: number): number | undefined {
    let rest = needed;
    for (const f of streams) {
      const available = Number.isFinite(f.toMs) ? Math.floor(schedule.count(f.originMs, f.toMs) * f.share + 1e-9) - f.landed : Infinity;
      if (available < rest) {
        rest -= Math.max(0, available);
        continue;
      }
      const sentMs = schedule.nth(f.originMs, Math.ceil((f.landed + rest) / f.share - 1e-9));
      return Number.isFinite(sentMs) ? sentMs + f.atMs : undefined;
    }
    return undefined;
  }

  /** fail_timeout has passed: the next request tries the peer again (nginx sets `checked` when it picks it). */
  #tryAgain(peer: Peer, atMs: number): void {
    peer.checkedMs = atMs;
    this.#probing = { peer, atMs };
    if (this.#walk(peer).freed.includes(peer)) {
      // it answered (or the client left first, which nginx does not count): `accessed < checked` clears its failures
      peer.fails = 0;
      this.#probing = undefined;
    }
  }
}
