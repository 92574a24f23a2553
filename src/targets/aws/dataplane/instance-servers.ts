import type { Clock } from '../../../controller/ports.js';
import { startAppServer, type AppServer } from '../../host/programs/app-server.js';

/** EC2 instance states (DescribeInstances `State.Name`). */
export type InstanceState = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/**
 * Where the instance servers learn whether each instance runs: the control plane's
 * DescribeInstances, polled by the session. An instance missing from the map is gone (terminated).
 */
export interface InstanceStateSource {
  states(): Promise<ReadonlyMap<string, InstanceState>>;
}

/** One instance that gets a server. */
export interface InstanceSpec {
  instanceId: string;
  /** The scenario's server id: what `/` answers and `x-faildrill-server` names. */
  serverId: string;
  /** The instance's address in the control plane (EC2 `PrivateIpAddress`): what DNS answers and target groups hold. */
  address?: string;
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
  onChange?: (change: { instanceId: string; serverId: string; serving: boolean; state: InstanceState | 'gone'; atMs: number }) => void;
  /** A poll or a listen that failed; the next poll tries again. */
  onError?: (err: Error) => void;
}

interface Instance extends InstanceEndpoint {
  server?: AppServer;
  address?: string;
}

const HOST = '127.0.0.1';

/**
 * One small HTTP server per instance on 127.0.0.1, each on a port of its own that stays the same
 * for the run: `/` answers with the server id, `/health` 200 while it serves (the host target's app
 * server). It serves while the control plane says the instance is `running`; in any other state
 * its listener is closed and open connections dropped, so connections are refused, as a stopped
 * instance's would be. Bounded: the poll loop and the servers end at `lifetimeMs` or {@link close}.
 */
export class InstanceServers {
  readonly #instances = new Map<string, Instance>();
  #closed = false;
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
        const server = await startAppServer({ id: spec.serverId, port: 0, host: HOST });
        servers.#instances.set(spec.instanceId, {
          instanceId: spec.instanceId,
          serverId: spec.serverId,
          host: HOST,
          port: server.port,
          url: `http://${HOST}:${server.port}`,
          server,
          ...(spec.address ? { address: spec.address } : {}),
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
    const states = await this.options.source.states();
    if (this.#closed) return;
    for (const instance of this.#instances.values()) {
      const state = states.get(instance.instanceId) ?? 'gone';
      const shouldServe = state === 'running';
      if (shouldServe === (instance.server !== undefined)) continue;
      try {
        if (shouldServe) instance.server = await startAppServer({ id: instance.serverId, port: instance.port, host: HOST });
        else await this.#stopServing(instance);
      } catch (err) {
        this.options.onError?.(new Error(`instance ${instance.instanceId}: cannot listen on ${HOST}:${instance.port} again: ${(err as Error).message}`));
        continue;
      }
      this.options.onChange?.({ instanceId: instance.instanceId, serverId: instance.serverId, serving: shouldServe, state, atMs: this.options.clock.nowMs() });
    }
  }

  async #stopServing(instance: Instance): Promise<void> {
    const server = instance.server;
    instance.server = undefined;
    await server?.close();
  }
}

function endpointOf(instance: Instance): InstanceEndpoint {
  return { instanceId: instance.instanceId, serverId: instance.serverId, host: instance.host, port: instance.port, url: instance.url };
}
