import { defaults } from '../scenario/defaults.js';

/** What a request to a server gets back. */
export type Response =
  | { kind: 'ok'; latencyMs: number }
  /** Connection refused: the service is stopped; the client learns it at once. */
  | { kind: 'refused'; latencyMs: number }
  /**
   * Nothing comes back (paused process, dropped packets, host down): the client waits for its timeout.
   * `connected`: the TCP handshake completed (a frozen process's kernel still accepts), only the answer is missing.
   */
  | { kind: 'no-answer'; connected?: boolean };

export type ServerState = 'up' | 'stopped' | 'unreachable' | 'slow' | 'down' | 'terminated';
export type ServiceName = 'app' | 'keepalived' | 'nginx';

/** An inbound packet filter on the host, as `iptables -I INPUT … -j DROP` would install it. */
export interface DropRule {
  port?: number;
  protocol?: 'tcp' | 'udp' | 'vrrp' | 'icmp' | 'all';
  /** Only packets from this host. */
  peer?: string;
}

/** The port the app listens on, in the model. */
export const APP_PORT = 80;

/**
 * The port PostgreSQL listens on (its default, and the host target's): a postgres-streaming member's
 * service (the model's app) answers there, so a network-drop of 5432 reaches it and one of 80 does not.
 */
export const POSTGRES_PORT = 5432;

interface ServiceState {
  /** One entry per stop in force: an undo removes its own, a supervisor's start clears them all. */
  stopped: Set<object>;
  paused: number;
}

/**
 * A host with its services (the app, keepalived, nginx), its network filters and its power state.
 * Every fault nests: two overlapping stops need two restores.
 */
export class SimServer {
  readonly #services = new Map<ServiceName, ServiceState>();
  readonly #drops: DropRule[] = [];
  #extraLatencyMs = 0;
  #lossRatio = 0;
  #isolated = 0;
  #powerOff = 0;
  #terminated = false;

  constructor(
    readonly id: string,
    readonly baseLatencyMs: number,
    /** From power-on to the services answering. */
    readonly bootMs: number = defaults.server.bootMs,
    /** The TCP port its service listens on: {@link APP_PORT}, or {@link POSTGRES_PORT} on a PostgreSQL member. */
    readonly appPort: number = APP_PORT,
  ) {}

  #service(name: ServiceName): ServiceState {
    let s = this.#services.get(name);
    if (!s) this.#services.set(name, (s = { stopped: new Set(), paused: 0 }));
    return s;
  }

  /** One word for reports: what a client would say about this host. */
  get state(): ServerState {
    if (this.#terminated) return 'terminated';
    if (this.#powerOff > 0) return 'down';
    const app = this.#service('app');
    if (this.#isolated > 0 || app.paused > 0 || this.#dropsApp()) return 'unreachable';
    if (app.stopped.size > 0) return 'stopped';
    return this.#extraLatencyMs > 0 ? 'slow' : 'up';
  }

  get hostUp(): boolean {
    return !this.#terminated && this.#powerOff === 0;
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  /** Cut off the network (FIS disrupt-connectivity): nothing in or out. */
  get isolated(): boolean {
    return this.#isolated > 0;
  }

  get lossRatio(): number {
    return this.#lossRatio;
  }

  /** Whether `service` runs and answers (not stopped, not paused, host up). */
  serviceRunning(service: ServiceName): boolean {
    const s = this.#service(service);
    return this.hostUp && s.stopped.size === 0 && s.paused === 0;
  }

  serviceStopped(service: ServiceName): boolean {
    return this.#service(service).stopped.size > 0;
  }

  /** Whether `service` is frozen (SIGSTOP), whether or not the host is up. */
  servicePaused(service: ServiceName): boolean {
    return this.#service(service).paused > 0;
  }

  stop(service: ServiceName = 'app'): () => void {
    const stop = {};
    this.#service(service).stopped.add(stop);
    return () => void this.#service(service).stopped.delete(stop);
  }

  /**
   * A supervisor on the host starts a stopped `service` again (Patroni restarting its PostgreSQL):
   * every stop in force ends; their undos then find it running.
   */
  start(service: ServiceName): void {
    this.#service(service).stopped.clear();
  }

  pause(service: ServiceName = 'app'): () => void {
    this.#service(service).paused++;
    return () => void this.#service(service).paused--;
  }

  addLatency(ms: number): () => void {
    this.#extraLatencyMs += ms;
    return () => void (this.#extraLatencyMs -= ms);
  }

  addLoss(ratio: number): () => void {
    const previous = this.#lossRatio;
    this.#lossRatio = 1 - (1 - this.#lossRatio) * (1 - ratio);
    return () => void (this.#lossRatio = previous);
  }

  addDrop(rule: DropRule): () => void {
    this.#drops.push(rule);
    return () => void this.#drops.splice(this.#drops.indexOf(rule), 1);
  }

  isolate(): () => void {
    this.#isolated++;
    return () => void this.#isolated--;
  }

  powerOff(): () => void {
    this.#powerOff++;
    return () => void this.#powerOff--;
  }

  terminate(): void {
    this.#terminated = true;
  }

  /** Inbound packets of `protocol` to `port` from `from` (a host id, or undefined for clients) are dropped. */
  drops(protocol: 'tcp' | 'vrrp', port: number | undefined, from?: string): boolean {
    return this.#isolated > 0 || this.#filtered(protocol, port, from);
  }

  /** An INPUT rule matches (isolation aside); without `from`, only rules that name no peer do. */
  #filtered(protocol: 'tcp' | 'vrrp', port: number | undefined, from?: string): boolean {
    return this.#drops.some(
      (r) =>
        (r.peer === undefined || r.peer === from) &&
        (r.protocol === undefined || r.protocol === 'all' || r.protocol === protocol) &&
        (r.port === undefined || r.port === port),
    );
  }

  #dropsApp(): boolean {
    return this.drops('tcp', this.appPort);
  }

  /**
   * A request from the host itself (a keepalived track script): loopback traffic still meets
   * INPUT rules without a peer, but not network isolation or loss.
   */
  respondLocally(): Response {
    if (!this.hostUp || this.#filtered('tcp', this.appPort)) return { kind: 'no-answer' };
    const app = this.#service('app');
    if (app.paused > 0) return { kind: 'no-answer', connected: true };
    if (app.stopped.size > 0) return { kind: 'refused', latencyMs: 1 };
    return { kind: 'ok', latencyMs: this.baseLatencyMs + this.#extraLatencyMs };
  }

  /** A request to the app from a client (or a checker), loss aside: see {@link lossRatio}. */
  respond(): Response {
    return this.#isolated > 0 ? { kind: 'no-answer' } : this.respondLocally();
  }
}
