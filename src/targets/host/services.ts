import { join } from 'node:path';
import type { FaultHost, HostService } from '../../faults/host/inject.js';
import type { EventDetail } from '../../measure/events.js';
import type { KeepalivedNode } from './keepalived.js';
import type { NginxLb } from './nginx.js';
import { NsProcess } from './process.js';
import { programFile } from './programs/locate.js';
import type { HostPlan } from './topology.js';

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** Grace before SIGKILL when a fault stops an app. */
const APP_STOP_GRACE_MS = 3_000;
/** How long a restarted app may take to answer /health before the restart counts as done anyway. */
const APP_RESTART_HEALTHY_MS = 5_000;

/** What the services need from the run around them. */
export interface ServiceContext {
  plan: HostPlan;
  /** How long helpers may live at most (they also exit with their parent). */
  lifetimeMs: number;
  emit: Emit;
  /** Journals a started process. */
  track(role: string, ns: string): (pid: number) => void;
  /** Resolves once the app on `server` answers /health (throws after `timeoutMs`). */
  waitHealthy(server: string, timeoutMs: number): Promise<void>;
  /** Aborted when the run is interrupted: restarts then skip waiting for health. */
  signal: AbortSignal;
}

/**
 * The services of a host run — an app server per server, keepalived per VIP node, nginx for the load
 * balancer — and how to start, stop and find them; as a {@link FaultHost}, what the fault injectors use.
 */
export class HostServices implements FaultHost {
  readonly apps = new Map<string, NsProcess>();
  readonly keepalived = new Map<string, KeepalivedNode>();
  nginx?: NginxLb;

  constructor(private readonly ctx: ServiceContext) {}

  get tag(): string {
    return this.ctx.plan.tag;
  }

  nsOf(server: string): string {
    return this.#node(server).ns;
  }

  ipOf(server: string): string {
    return this.#node(server).ip;
  }

  #node(server: string) {
    const node = this.ctx.plan.servers.get(server);
    if (!node) throw new Error(`no server '${server}' in this run`);
    return node;
  }

  /** Starts the app server on `server` (the compiled `programs/app-server.js`). */
  startApp(server: string): void {
    const { plan, lifetimeMs, track } = this.ctx;
    const node = this.#node(server);
    const app = new NsProcess({
      ns: node.ns,
      role: `app:${server}`,
      command: process.execPath,
      args: [programFile('targets/host/programs/app-server'), server, String(plan.appPort), String(lifetimeMs)],
      logFile: join(plan.dir, `app-${server}.log`),
    });
    if (app.pid) track(`app:${server}`, node.ns)(app.pid);
    this.apps.set(server, app);
  }

  hasService(server: string, service: HostService): boolean {
    if (service === 'app') return this.ctx.plan.servers.has(server);
    if (service === 'keepalived') return this.keepalived.has(server);
    return this.nginx !== undefined;
  }

  async stopService(server: string, service: HostService, onSignalled: () => void): Promise<void> {
    if (service === 'app') {
      const app = this.apps.get(server);
      if (app) await app.stop(APP_STOP_GRACE_MS, onSignalled);
      else onSignalled();
    } else if (service === 'keepalived') {
      const node = this.keepalived.get(server);
      if (node) await node.stop(onSignalled);
      else onSignalled();
    } else if (this.nginx) await this.nginx.stop(onSignalled);
    else onSignalled();
    this.ctx.emit('server', 'service', { server, service, state: 'stopped' });
  }

  async startService(server: string, service: HostService): Promise<void> {
    if (service === 'app') {
      this.startApp(server);
      if (!this.ctx.signal.aborted) await this.ctx.waitHealthy(server, APP_RESTART_HEALTHY_MS).catch(() => undefined);
    } else if (service === 'keepalived') this.keepalived.get(server)?.start();
    else this.nginx?.start();
    this.ctx.emit('server', 'service', { server, service, state: 'started' });
  }

  servicePids(server: string, service: HostService): { ns: string; pids: number[] } {
    const { plan } = this.ctx;
    const proc = service === 'app' ? this.apps.get(server) : service === 'keepalived' ? this.keepalived.get(server)?.process : this.nginx?.process;
    const ns = service === 'nginx' ? plan.lb!.ns : this.#node(server).ns;
    return { ns, pids: proc?.tree() ?? [] };
  }

  /** Stops every service (in parallel); resolves once all have exited. */
  async stopAll(): Promise<void> {
    const stops: Array<Promise<void>> = [];
    for (const node of this.keepalived.values()) stops.push(node.stop());
    if (this.nginx) stops.push(this.nginx.stop());
    for (const app of this.apps.values()) stops.push(app.stop(2_000));
    await Promise.allSettled(stops);
  }
}
