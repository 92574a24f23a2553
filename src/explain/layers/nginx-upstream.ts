import type { LoadSpec, Scenario } from '../../scenario/schema.js';
import { nginxSettings, type NginxPeerSpec, type NginxSettings } from '../../simulator/nginx-upstream.js';
import type { Effect } from '../effect.js';
import { dur, lit, plus, times, ZERO, type Expr } from '../expr.js';
import { breaking } from '../incident.js';
import { entryOf, forwardedGroup, latencyOf, periodMsOf, streamsOf } from '../topology.js';
import type { Candidate, FaultContext, Window } from '../types.js';
import { controllerLayer } from './controller.js';

/** A refused connection costs nginx the refusal's round trip (the model answers a refusal in 1 ms). */
const REFUSED_MS = 1;

/** The upstream nginx runs at the start, as the host's nginx.conf writes it (the forwarded group's targets primary, the others backup). */
export function upstreamOf(scenario: Scenario): NginxSettings {
  const lb = scenario.setup.loadBalancer!;
  return nginxSettings(lb, forwardedGroup(scenario)!.id, scenario.load.timeoutMs);
}

/**
 * How long nginx spends on one try of a peer under `effect` before it counts a failure and passes the
 * request on (ngx_http_proxy_module, `proxy_next_upstream error timeout`): a refusal at once, no
 * connection at `proxy_connect_timeout`, no answer on a connection (or one slower than it) at
 * `proxy_read_timeout`; null when the peer answers. Packet loss is the clients' (nginx sees no failure).
 */
export function tryCost(settings: NginxSettings, effect: Effect, latencyMs: number): Expr | null {
  switch (effect.app) {
    case 'refused':
      return lit(REFUSED_MS);
    case 'no-answer':
      return dur('proxy_connect_timeout', settings.connectTimeoutMs);
    case 'no-answer-connected':
      return dur('proxy_read_timeout', settings.readTimeoutMs);
    case 'ok':
      return latencyMs + effect.extraLatencyMs >= settings.readTimeoutMs ? dur('proxy_read_timeout', settings.readTimeoutMs) : null;
  }
}

/** The load streams whose requests nginx forwards (their entry is the load balancer). */
function streamsThrough(scenario: Scenario): LoadSpec[] {
  const lb = scenario.setup.loadBalancer!;
  return streamsOf(scenario).filter((s) => entryOf(scenario, s) === lb.id);
}

/** Whether the stream's requests go through an nginx upstream. */
export function viaNginx(scenario: Scenario, stream: LoadSpec): boolean {
  const lb = scenario.setup.loadBalancer;
  return lb?.kind === 'nginx' && entryOf(scenario, stream) === lb.id;
}

/**
 * When the `k`-th request to the upstream since the fault is sent: each of `clients` clients sends once
 * per client period (clients / rate) from its own phase, so any period holds one request of each; the
 * k-th lies in [⌊(k − 1) / clients⌋, ⌈k / clients⌉) periods. Several streams: the earliest stream's
 * latest (their merged requests come no later), from 0.
 */
export function nthRequest(streams: readonly LoadSpec[], k: number, kName: string): Window {
  const windows = streams.map((s) => {
    const period = dur('client period', periodMsOf(s));
    const before = Math.floor((k - 1) / s.clients);
    const within = Math.ceil(k / s.clients);
    return {
      min: before === 0 ? ZERO : times({ value: before, formula: `⌊(${kName} − 1) / clients⌋`, numbers: `⌊(${k} − 1) / ${s.clients}⌋` }, period),
      max: times({ value: within, formula: `⌈${kName} / clients⌉`, numbers: `⌈${k} / ${s.clients}⌉` }, period),
    };
  });
  const latest = windows.reduce((a, w) => (w.max.ms < a.max.ms ? w : a));
  return { min: windows.length === 1 ? windows[0]!.min : ZERO, max: latest.max };
}

/** The peers a request that starts at `peer` goes on to when it fails there: the rest of its tier, then (from a primary) the backups. */
function nextPeers(settings: NginxSettings, peer: NginxPeerSpec): NginxPeerSpec[] {
  const others = settings.peers.filter((p) => p !== peer);
  return peer.backup ? others.filter((p) => p.backup) : [...others.filter((p) => !p.backup), ...others.filter((p) => p.backup)];
}

/** The peers that still answer while the incident lasts. */
function answering(ctx: FaultContext, settings: NginxSettings): NginxPeerSpec[] {
  const broken = new Set(
    breaking(ctx, settings.peers.map((p) => p.server), (e) => tryCost(settings, e, latencyOf(ctx.scenario, e.server)) !== null).map((c) => c.effect.server),
  );
  return settings.peers.filter((p) => !broken.has(p.server));
}

/**
 * Share of a client's requests that nginx starts at the faulted peer and that fail for the client:
 * those nginx gives up on only after the client's timeout (it leaves first), and those whose next
 * answering peer answers too late. A refused primary with an answering backup costs nothing.
 */
export function failingThroughNginx(ctx: FaultContext, stream: LoadSpec): number {
  const { scenario, effect } = ctx;
  const settings = upstreamOf(scenario);
  const peer = settings.peers.find((p) => p.server === effect.server);
  const latencyMs = latencyOf(scenario, effect.server);
  if (!peer) return 0;
  const cost = tryCost(settings, effect, latencyMs);
  if (cost === null) return latencyMs + effect.extraLatencyMs > stream.timeoutMs ? 1 : effect.loss;
  // nginx gives up on the try no sooner than the client (the first load's timeout, as proxy_read_timeout): 499, an error
  if (cost.ms >= scenario.load.timeoutMs) return 1;
  const alive = new Set(answering(ctx, settings).map((p) => p.server));
  const next = nextPeers(settings, peer).find((p) => alive.has(p.server));
  return next && cost.ms + latencyOf(scenario, next.server) <= stream.timeoutMs ? 0 : 1;
}

/** Our controller's switch of this load balancer (controller mode), as its own layer module explains it. */
function controllerSwitch(ctx: FaultContext): Window | undefined {
  const c = controllerLayer.hits(ctx) ? controllerLayer.candidates(ctx).find((x) => x.layer === 'loadBalancer') : undefined;
  if (!c || c.maybe) return undefined;
  if (c.timeToSwitch) return c.timeToSwitch;
  return c.detection ? { min: plus(c.detection.min, c.switch.min), max: c.detection.max && c.switch.max ? plus(c.detection.max, c.switch.max) : null } : c.switch;
}

/**
 * Removal → the peer back in nginx's rotation. nginx alone: the first request at least `fail_timeout`
 * after the peer's last failed try tries it again (ngx_http_upstream_round_robin.c sets `checked` on each
 * failure), so within fail_timeout plus one client period of the removal. Once our controller has
 * rewritten the upstream (the peer then a backup), only its switch back brings it back.
 */
function failbackOf(ctx: FaultContext, peer: NginxPeerSpec, latencyMs: number): Window | 'never' {
  const { effect, fault } = ctx;
  if (effect.terminated) return 'never';
  const streams = streamsThrough(ctx.scenario);
  const period = streams.reduce((a, s) => Math.max(a, periodMsOf(s)), 0);
  const own: Window = { min: effect.backMs, max: plus(effect.backMs, dur('fail_timeout', peer.failTimeoutMs), dur('client period', period), dur('latency', latencyMs)) };
  const controller = controllerSwitch(ctx);
  const lasting = fault.durationMs ?? Infinity;
  if (!controller || controller.min.ms >= lasting) return own;
  const back = controllerLayer.candidates(ctx).find((x) => x.layer === 'loadBalancer')!.failback;
  if (controller.max !== null && controller.max.ms < lasting) return back;
  if (back === 'never') return own;
  return { min: back.min.ms < own.min.ms ? back.min : own.min, max: back.max && own.max ? (back.max.ms > own.max.ms ? back.max : own.max) : null };
}

/**
 * An open-source nginx upstream (kind `nginx`), ngx_http_upstream_module: passive checks only. A peer
 * is taken out at its `max_fails`-th failed try within `fail_timeout` (a failure sets `checked`; a
 * success resets the count only after fail_timeout), so the verdict waits for the requests clients
 * send: the max_fails-th request nginx starts at the peer (round robin: every `tier`-th of the
 * requests), plus what the failed try costs. The routing change is the verdict itself. Each failed try
 * is passed to the next peer within the same request (`proxy_next_upstream error timeout`): a refusal
 * costs the client nothing, a silent peer costs `proxy_connect_timeout` per request until the verdict
 * (a client error when that reaches the client's timeout — and then nginx, whose client left first,
 * counts no failure at all: 499).
 */
export function nginxUpstreamCandidate(ctx: FaultContext): Candidate | undefined {
  const { scenario, effect } = ctx;
  const settings = upstreamOf(scenario);
  const peer = settings.peers.find((p) => p.server === effect.server && !p.backup);
  if (!peer || peer.maxFails === 0 || settings.peers.length === 1) return undefined;
  const latencyMs = latencyOf(scenario, effect.server);
  const cost = tryCost(settings, effect, latencyMs);
  const streams = streamsThrough(scenario);
  if (cost === null || streams.length === 0) return undefined;
  // the client leaves before nginx gives up on the try: nginx counts no failure (499); the first load's timeout, as the host's proxy_read_timeout
  if (cost.ms >= scenario.load.timeoutMs) return undefined;
  const tier = settings.peers.filter((p) => !p.backup).length;
  const k = peer.maxFails * tier;
  const kName = tier === 1 ? 'max_fails' : 'max_fails × primary peers';
  const request = nthRequest(streams, k, kName);
  const detection = { min: plus(request.min, cost), max: plus(request.max!, cost) };
  const alive = answering(ctx, settings).filter((p) => p !== peer);
  const lb = scenario.setup.loadBalancer!;
  const notes = [
    `nginx upstream ${lb.id}: ${peer.server} out at its max_fails = ${peer.maxFails}-th failed request (fail_timeout ${dur('', peer.failTimeoutMs).numbers}), each failing after ${cost.numbers}; requests every ${dur('', periodMsOf(streams[0]!)).numbers} per client`,
  ];
  if (cost.ms > REFUSED_MS) notes.push(`until then each request to ${peer.server} waits ${cost.numbers} before nginx passes it on`);
  if (alive.length === 0) notes.push(`no peer of ${lb.id} answers: every request gets 502`);
  return {
    layer: 'loadBalancer',
    decidedBy: `nginx upstream ${lb.id} (max_fails)`,
    detection,
    switch: { min: ZERO, max: ZERO },
    heals: alive.length > 0,
    ...(alive.length === 0 ? { provisional: true } : {}),
    catchUp: { min: ZERO, max: ZERO },
    stuckShare: 0,
    failback: failbackOf(ctx, peer, latencyMs),
    notes,
  };
}
