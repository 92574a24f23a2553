import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../../controller/ports.js';
import { boundedPoll } from './bounded-poll.js';
import type { RoutableListener, RoutableTarget, TargetEndpoints } from './target-group-checker.js';

/** The target group the listener forwards to now, as the control plane says (ELBv2 DescribeListeners, see `elbv2-listener-source.ts`): the scenario's group id. */
export interface ListenerSource {
  forwardedGroup(): Promise<string>;
}

/** A target group as the proxy routes to it: `TargetGroupChecker` satisfies it. */
export interface RoutingGroup {
  readonly id: string;
  routable(): readonly RoutableTarget[];
  subscribe(listener: RoutableListener): () => void;
}

/**
 * Traffic moved: what the session turns into an `lb`/`route.changed` event, as the simulator's
 * `World` emits it (`src/simulator/world.ts`): `targetGroup` when the forwarded group's routable
 * set changed (`from`/`to` are the server lists joined by commas), `loadBalancer` when the listener
 * forwards to another group (`from`/`to` are the group ids).
 */
export interface RouteChange {
  layer: 'targetGroup' | 'loadBalancer';
  /** The target group (layer `targetGroup`) or the load balancer (layer `loadBalancer`). */
  resource: string;
  from: string;
  to: string;
  fromServers: string[];
  toServers: string[];
  atMs: number;
}

export interface LoadBalancerProxyOptions {
  loadBalancerId: string;
  groups: readonly RoutingGroup[];
  endpoints: TargetEndpoints;
  listener: ListenerSource;
  clock: Clock;
  /** How often the listener's forward is read from the control plane. */
  pollIntervalMs: number;
  /** Polling ends and the proxy closes by itself this long after {@link LoadBalancerProxy.start}. */
  lifetimeMs: number;
  /**
   * No byte from the target for this long (connecting included) → 504, as an ALB answers when its
   * connection to the target times out (10 s) or the target outlives the idle timeout (60 s by default;
   * ALB guide, "Troubleshoot your Application Load Balancers", HTTP 504).
   */
  targetTimeoutMs: number;
  /** Must not throw. */
  onRouteChange: (change: RouteChange) => void;
  /** A failed listener poll (the next one tries again), or a forward to a group the proxy does not know. */
  onError?: (err: Error) => void;
}

const HOST = '127.0.0.1';
/** Hop-by-hop headers (RFC 9110 §7.6.1) a proxy does not pass on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * An HTTP reverse proxy on 127.0.0.1 standing for the load balancer's listener: each request goes to
 * the next routable target (round-robin) of the group the listener forwards to now, and the target's
 * answer, `x-faildrill-server` included, passes through. Routable targets come from the group's
 * checker (healthy, or failing open to every unhealthy one). As an ALB does (ALB guide, "Troubleshoot
 * your Application Load Balancers"): a target that refuses or resets gives the client 502, one that
 * does not answer within {@link LoadBalancerProxyOptions.targetTimeoutMs} 504, a group without routable
 * targets 503. Bounded: polling and the server end at `lifetimeMs` or {@link close}.
 */
export class LoadBalancerProxy {
  readonly #groups = new Map<string, RoutingGroup>();
  readonly #nextIndex = new Map<string, number>();
  readonly #unsubscribe: (() => void)[] = [];
  #forwarded = '';
  #servers: string[] = [];
  #closed = false;
  #closing?: Promise<void>;
  #server?: Server;
  #lastPoll: Promise<void> = Promise.resolve();

  private constructor(private readonly options: LoadBalancerProxyOptions) {
    for (const group of options.groups) {
      if (this.#groups.has(group.id)) throw new Error(`target group ${group.id} is listed twice`);
      this.#groups.set(group.id, group);
    }
  }

  /** Reads the listener's forward once, listens on a free loopback port, then follows the control plane until closed. */
  static async start(options: LoadBalancerProxyOptions): Promise<LoadBalancerProxy> {
    const proxy = new LoadBalancerProxy(options);
    proxy.#forwarded = await options.listener.forwardedGroup();
    proxy.#checkKnown(proxy.#forwarded);
    proxy.#servers = proxy.#routableServers(proxy.#forwarded);
    for (const group of options.groups) proxy.#unsubscribe.push(group.subscribe(() => proxy.#groupChanged(group.id)));
    const server = createServer((req, res) => proxy.#handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => resolve());
    });
    proxy.#server = server;
    const deadlineMs = options.clock.nowMs() + options.lifetimeMs;
    void boundedPoll({
      clock: options.clock,
      intervalMs: options.pollIntervalMs,
      deadlineMs,
      closed: () => proxy.#closed,
      poll: () => proxy.refresh(),
      ...(options.onError ? { onError: options.onError } : {}),
    }).then(() => proxy.close());
    return proxy;
  }

  get port(): number {
    return (this.#server!.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`: where clients send their requests. */
  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  /** The group the listener forwards to, as last read. */
  get forwardedGroup(): string {
    return this.#forwarded;
  }

  /** Server ids that receive requests now. */
  get servers(): readonly string[] {
    return this.#servers;
  }

  /** Reads the listener's forward now. */
  refresh(): Promise<void> {
    this.#lastPoll = this.#lastPoll.catch(() => undefined).then(async () => {
      if (this.#closed) return;
      const group = await this.options.listener.forwardedGroup();
      if (this.#closed || group === this.#forwarded) return;
      this.#checkKnown(group);
      const from = this.#forwarded;
      const fromServers = this.#servers;
      this.#forwarded = group;
      this.#servers = this.#routableServers(group);
      this.options.onRouteChange({
        layer: 'loadBalancer',
        resource: this.options.loadBalancerId,
        from,
        to: group,
        fromServers,
        toServers: this.#servers,
        atMs: this.options.clock.nowMs(),
      });
    });
    return this.#lastPoll;
  }

  /** Stops polling and closes the listener and its connections. */
  close(): Promise<void> {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const server = this.#server;
    return (this.#closing ??= new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  }

  #checkKnown(group: string): void {
    if (!this.#groups.has(group)) this.options.onError?.(new Error(`listener of ${this.options.loadBalancerId} forwards to target group ${group}, which has no checker: requests get 503`));
  }

  #routableServers(group: string): string[] {
    return (this.#groups.get(group)?.routable() ?? []).map((t) => t.serverId);
  }

  #groupChanged(group: string): void {
    if (this.#closed || group !== this.#forwarded) return;
    const fromServers = this.#servers;
    const toServers = this.#routableServers(group);
    if (fromServers.join(',') === toServers.join(',')) return;
    this.#servers = toServers;
    this.options.onRouteChange({
      layer: 'targetGroup',
      resource: group,
      from: fromServers.join(','),
      to: toServers.join(','),
      fromServers,
      toServers,
      atMs: this.options.clock.nowMs(),
    });
  }

  #pick(): RoutableTarget | undefined {
    const group = this.#forwarded;
    const targets = this.#groups.get(group)?.routable() ?? [];
    if (targets.length === 0) return undefined;
    const index = this.#nextIndex.get(group) ?? 0;
    this.#nextIndex.set(group, (index + 1) % targets.length);
    return targets[index % targets.length];
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const target = this.#pick();
    if (!target) return fail(res, 503, `target group ${this.#forwarded} has no routable target`);
    let base: URL;
    try {
      base = new URL(this.options.endpoints.endpoint(target.instanceId).url);
    } catch (err) {
      return fail(res, 502, `target ${target.serverId}: ${(err as Error).message}`);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? HOST;
    const upstream = request({ host: base.hostname, port: base.port, method: req.method, path: req.url, headers, agent: false });
    upstream.setTimeout(this.options.targetTimeoutMs, () => upstream.destroy(Object.assign(new Error('target timeout'), { code: 'ETIMEDOUT' })));
    upstream.once('response', (answer) => {
      const passed: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) passed[name] = value;
      res.writeHead(answer.statusCode ?? 502, passed);
      answer.pipe(res);
      answer.once('error', () => res.destroy());
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      if (err.code === 'ETIMEDOUT') return fail(res, 504, `target ${target.serverId} did not answer within ${this.options.targetTimeoutMs} ms`);
      fail(res, 502, `target ${target.serverId}: ${err.code ?? err.message}`);
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}

function fail(res: ServerResponse, status: 502 | 503 | 504, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(`${message}\n`);
}
