import type { Clock } from '../../../controller/ports.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { SERVER_HEADER, startAppServer, type AppServer } from '../../host/programs/app-server.js';
import { freePort } from '../emulators/process.js';

/** EC2 instance states (DescribeInstances `State.Name`). */
export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/**
 * Where the instance servers learn whether each instance runs: the control plane's
 * DescribeInstances, polled by the session. An instance missing from the map is gone (terminated).
 */
export interface InstanceStateSource {
  states(): Promise<ReadonlyMap<string, InstanceState>>;
  /**
   * The instances whose network the control plane cuts off now (a deny-all network ACL on the subnet,
   * aws:network:disrupt-connectivity); absent: none ever are.
   */
  cutOff?(): Promise<ReadonlySet<string>>;
}

/** One instance that gets a server. */
export interface InstanceSpec {
  instanceId: string;
  /** The scenario's server id: what `/` answers and `x-faildrill-server` names. */
  serverId: string;
  /** The instance's address in the control plane (EC2 `PrivateIpAddress`): what DNS answers and target groups hold. */
  address?: string;
  /**
   * From StartInstances to the services answering (scenario `bootTime`): after a stop, the server serves
   * this long after the control plane says `running` again; the emulator's instance runs at once.
   */
  bootMs?: number;
}

/** Where an instance's server listens. */
export interface InstanceEndpoint {
  instanceId: string;
  serverId: string;
  host: string;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

export interface InstanceServersOptions {
  instances: readonly InstanceSpec[];
  source: InstanceStateSource;
  clock: Clock;
  /** How often the control plane is asked. */
  pollIntervalMs: number;
  /** The servers close by themselves this long after {@link InstanceServers.start}, whatever happens. */
  lifetimeMs: number;
  /** An instance started or stopped serving. */
  onChange?: (change: { instanceId: string; serverId: string; serving: boolean; state: InstanceState | 'gone'; cutOff?: boolean; atMs: number }) => void;
  /** A poll or a listen that failed; the next poll tries again. */
  onError?: (err: Error) => void;
  /** Whether a server's app can serve now (an app whose database writes fail answers 503, as the simulator's apps do); default always. */
  canServe?: (serverId: string) => boolean;
}

interface Instance extends InstanceEndpoint {
  server?: AppServer;
  /** Holds the port while the instance runs cut off: connections get no answer. */
  silent?: SilentListener;
  address?: string;
  /** Run time before which it does not serve, even when running (an instance still booting). */
  readyAtMs?: number;
  bootMs?: number;
  /** The control plane's state at the last poll. */
  lastState?: InstanceState | 'gone';
}

/** An instance added during the run ({@link InstanceServers.add}). */
export interface AddedInstanceSpec extends InstanceSpec {
  /** Run time from which it serves while running: its launch plus the boot time (scenario `launchTime`). */
  readyAtMs?: number;
}

const HOST = '127.0.0.1';

/**
 * One small HTTP server per instance on 127.0.0.1, each on a port of its own that stays the same
 * for the run: `/` answers with the server id, `/health` 200 while it serves (the host target's app
 * server). It serves while the control plane says the instance is `running`; in any other state
 * its listener is closed and open connections dropped, so connections are refused, as a stopped
 * instance's would be. A running instance the control plane cuts off (`cutOff`) answers nothing. Bounded: the poll loop and the servers end at `lifetimeMs` or {@link close}.
 */
export class InstanceServers {
  readonly #instances = new Map<string, Instance>();
  #closed = false;
  #retryPending = false;
  #closing?: Promise<void>;
  #deadlineMs = Infinity;
  #lastPoll: Promise<void> = Promise.resolve();

  private constructor(private readonly options: InstanceServersOptions) {}

  /** Gives every instance a free port, applies the control plane's states once, then polls them until closed. */
  static async start(options: InstanceServersOptions): Promise<InstanceServers> {
    const ids = new Set<string>();
    for (const spec of options.instances) {
      if (ids.has(spec.instanceId)) throw new Error(`instance ${spec.instanceId} is listed twice`);
      ids.add(spec.instanceId);
    }
    const servers = new InstanceServers(options);
    servers.#deadlineMs = options.clock.nowMs() + options.lifetimeMs;
    try {
      for (const spec of options.instances) {
        const server = servingWhen(await startAppServer({ id: spec.serverId, port: 0, host: HOST }), spec.serverId, options.canServe);
        servers.#instances.set(spec.instanceId, {
          instanceId: spec.instanceId,
          serverId: spec.serverId,
          host: HOST,
          port: server.port,
          url: `http://${HOST}:${server.port}`,
          server,
          ...(spec.address ? { address: spec.address } : {}),
          ...(spec.bootMs !== undefined ? { bootMs: spec.bootMs } : {}),
        });
      }
      await servers.refresh();
    } catch (err) {
      await servers.close();
      throw err;
    }
    void servers.#pollLoop();
    return servers;
  }

  /** Every instance's endpoint. */
  get endpoints(): InstanceEndpoint[] {
    return [...this.#instances.values()].map(endpointOf);
  }

  /** The endpoint of `instanceId`; throws for an instance without a server. */
  endpoint(instanceId: string): InstanceEndpoint {
    const instance = this.#instances.get(instanceId);
    if (!instance) throw new Error(`instance ${instanceId} has no server`);
    return endpointOf(instance);
  }

  /** The endpoint of the instance with control-plane address `address` (a DNS answer, a target's IP), if any. */
  byAddress(address: string): InstanceEndpoint | undefined {
    const instance = [...this.#instances.values()].find((i) => i.address === address);
    return instance && endpointOf(instance);
  }

  /**
   * Gives an instance that appeared during the run (one an Auto Scaling group launched) a port of its
   * own; it serves while the control plane says it runs, from `readyAtMs` on. Adding a known instance
   * does nothing.
   */
  async add(spec: AddedInstanceSpec): Promise<void> {
    if (this.#closed || this.#instances.has(spec.instanceId)) return;
    // a free port, the instance's from now on (its listener opens when it is ready)
    const port = await freePort();
    if (this.#closed || this.#instances.has(spec.instanceId)) return;
    const instance: Instance = {
      instanceId: spec.instanceId,
      serverId: spec.serverId,
      host: HOST,
      port,
      url: `http://${HOST}:${port}`,
      ...(spec.address ? { address: spec.address } : {}),
    };
    this.#instances.set(spec.instanceId, instance);
    if (spec.readyAtMs !== undefined) this.#holdUntil(instance, spec.readyAtMs);
    await this.refresh();
  }

  /** Ids of every instance with a server (started with or added since). */
  get instanceIds(): string[] {
    return [...this.#instances.keys()];
  }

  /** Whether `instanceId` runs cut off now: its port holds connections without answering. */
  cutOff(instanceId: string): boolean {
    return this.#instances.get(instanceId)?.silent !== undefined;
  }

  /** Whether `instanceId`'s server accepts connections now. */
  serving(instanceId: string): boolean {
    return this.#instances.get(instanceId)?.server !== undefined;
  }

  /** Asks the control plane now and opens or closes listeners to match. */
  refresh(): Promise<void> {
    this.#lastPoll = this.#lastPoll.catch(() => undefined).then(() => this.#apply());
    return this.#lastPoll;
  }

  /** Closes every server and stops polling. */
  close(): Promise<void> {
    this.#closed = true;
    return (this.#closing ??= this.#lastPoll
      .catch(() => undefined)
      .then(() => Promise.all([...this.#instances.values()].map((i) => this.#stopServing(i))))
      .then(() => undefined));
  }

  async #pollLoop(): Promise<void> {
    const { clock, pollIntervalMs } = this.options;
    while (!this.#closed) {
      const leftMs = this.#deadlineMs - clock.nowMs();
      if (leftMs <= 0) break;
      await clock.sleep(Math.min(pollIntervalMs, leftMs));
      if (this.#closed) break;
      await this.refresh().catch((err: unknown) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))));
    }
    await this.close();
  }

  async #apply(): Promise<void> {
    if (this.#closed) return;
    const { source } = this.options;
    const [states, cut] = await Promise.all([source.states(), source.cutOff?.() ?? Promise.resolve(new Set<string>())]);
    if (this.#closed) return;
    for (const instance of this.#instances.values()) {
      const state = states.get(instance.instanceId) ?? 'gone';
      const rebooted = state === 'running' && instance.lastState !== undefined && instance.lastState !== 'running';
      instance.lastState = state;
      if (rebooted && instance.bootMs) this.#holdUntil(instance, this.options.clock.nowMs() + instance.bootMs);
      const running = state === 'running' && (instance.readyAtMs === undefined || this.options.clock.nowMs() >= instance.readyAtMs);
      const next: Mode = !running ? 'closed' : cut.has(instance.instanceId) ? 'silent' : 'serving';
      const now: Mode = instance.server ? 'serving' : instance.silent ? 'silent' : 'closed';
      if (next === now) continue;
      try {
        await this.#stopServing(instance);
        if (next === 'serving') instance.server = servingWhen(await startAppServer({ id: instance.serverId, port: instance.port, host: HOST }), instance.serverId, this.options.canServe);
        if (next === 'silent') instance.silent = await SilentListener.listen(HOST, instance.port);
      } catch (err) {
        this.options.onError?.(new Error(`instance ${instance.instanceId}: cannot listen on ${HOST}:${instance.port} again: ${(err as Error).message}`));
        this.#retrySoon();
        continue;
      }
      this.options.onChange?.({
        instanceId: instance.instanceId,
        serverId: instance.serverId,
        serving: next === 'serving',
        state,
        ...(next === 'silent' ? { cutOff: true } : {}),
        atMs: this.options.clock.nowMs(),
      });
    }
  }

  /**
   * Looks again shortly after a listener could not open: while an instance is stopped its port is
   * free, and on a busy machine an outgoing connection may hold it as its local port for a moment.
   */
  #retrySoon(): void {
    const { clock } = this.options;
    if (this.#retryPending || clock.nowMs() + RELISTEN_RETRY_MS >= this.#deadlineMs) return;
    this.#retryPending = true;
    void clock.sleep(RELISTEN_RETRY_MS).then(() => {
      this.#retryPending = false;
      return this.#closed ? undefined : this.refresh().catch(() => undefined);
    });
  }

  /** Keeps the instance's server shut until `readyAtMs` (it is booting), then looks again. */
  #holdUntil(instance: Instance, readyAtMs: number): void {
    const { clock } = this.options;
    instance.readyAtMs = readyAtMs;
    if (readyAtMs >= this.#deadlineMs) return;
    // a timer may fire early by the length of the event-loop turn that set it (libuv's cached time): wait again
    const wake = async (): Promise<void> => {
      while (!this.#closed && instance.readyAtMs === readyAtMs && clock.nowMs() < readyAtMs) await clock.sleep(readyAtMs - clock.nowMs() + 1);
      if (!this.#closed && instance.readyAtMs === readyAtMs) await this.refresh().catch(() => undefined);
    };
    void wake();
  }

  async #stopServing(instance: Instance): Promise<void> {
    const { server, silent } = instance;
    instance.server = undefined;
    instance.silent = undefined;
    await server?.close();
    await silent?.close();
  }
}

type Mode = 'serving' | 'silent' | 'closed';

const RELISTEN_RETRY_MS = 100;

/**
 * A port whose connections get no answer, as an instance behind a deny-all network ACL. The kernel of
 * a loopback listener completes the handshake, so a check sees its response timeout run out, not its
 * connect timeout (a real ACL drops the SYN); either way no answer comes. Closing destroys what it held.
 */
class SilentListener {
  readonly #held = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.#held.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.#held.delete(socket));
    });
  }

  static listen(host: string, port: number): Promise<SilentListener> {
    const server = createServer({ pauseOnConnect: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(new SilentListener(server));
      });
    });
  }

  close(): Promise<void> {
    for (const socket of this.#held) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The app answers 503 (health checks included) while `canServe` says it cannot serve. */
function servingWhen(app: AppServer, serverId: string, canServe: ((serverId: string) => boolean) | undefined): AppServer {
  if (!canServe) return app;
  const handlers = app.server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  app.server.removeAllListeners('request');
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (canServe(serverId)) for (const handle of handlers) handle(req, res);
    else res.writeHead(503, { 'content-type': 'text/plain', [SERVER_HEADER]: serverId }).end('cannot write to the database\n');
  });
  return app;
}

function endpointOf(instance: Instance): InstanceEndpoint {
  return { instanceId: instance.instanceId, serverId: instance.serverId, host: instance.host, port: instance.port, url: instance.url };
}
