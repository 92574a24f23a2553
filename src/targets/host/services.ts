import { join } from 'node:path';
import type { FaultHost, HostService } from '../../faults/host/inject.js';
import type { EventDetail } from '../../measure/events.js';
import type { KeepalivedNode } from './keepalived.js';
import type { NginxLb } from './nginx.js';
import { NsProcess } from './process.js';
import { appCommand, SERVICE_STOP_GRACE_MS, serviceCommand } from './commands.js';
import type { HostPlan } from './topology.js';

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** How long a restarted app may take to answer /health before the restart counts as done anyway. */
const APP_RESTART_HEALTHY_MS = 5_000;

/** The database layer's part in the services: what a writing app is given and hears, and service `postgres` on the members. */
export interface DatabaseServices {
  /** Extra arguments of the app on `server` (its write configuration); undefined for an app that does not write. */
  appArgs(server: string): string[] | undefined;
  /** The app on `server` started (its stdin is open for the run's start line). */
  appStarted(server: string, app: NsProcess): void;
  /** A line the app on `server` printed (its write rows). */
  appLine(server: string, line: string): void;
  /** Whether `server` runs PostgreSQL (a database member: it runs no app). */
  has(server: string): boolean;
  stop(server: string, onSignalled: () => void): Promise<void>;
  start(server: string): Promise<void>;
  pids(server: string): number[];
}

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
  /** keepalived on the app VIP's nodes (`setup.vip`). */
  readonly keepalived = new Map<string, KeepalivedNode>();
  /** keepalived on the database members (endpoint mode `vip`): faults reach it as on the VIP's nodes. */
  readonly dbKeepalived = new Map<string, KeepalivedNode>();
  nginx?: NginxLb;
  database?: DatabaseServices;

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
    this.#node(server);
    const db = this.database;
    const writes = db?.appArgs(server);
    const command = appCommand(plan, server, lifetimeMs, writes);
    const app = new NsProcess({
      ...command,
      logFile: join(plan.dir, `app-${server}.log`),
      ...(writes && db ? { stdin: true, onLine: (line: string) => db.appLine(server, line) } : {}),
    });
    if (app.pid) track(command.role, command.ns)(app.pid);
    this.apps.set(server, app);
    if (writes) db?.appStarted(server, app);
  }

  /** Whether `server` runs the app: every server but the database members (they run PostgreSQL). */
  runsApp(server: string): boolean {
    return this.ctx.plan.servers.has(server) && !this.database?.has(server);
  }

  hasService(server: string, service: HostService): boolean {
    if (service === 'app') return this.runsApp(server);
    if (service === 'postgres') return this.database?.has(server) ?? false;
    if (service === 'keepalived') return this.#keepalivedOf(server) !== undefined;
    return this.nginx !== undefined;
  }

  async stopService(server: string, service: HostService, onSignalled: () => void): Promise<void> {
    if (service === 'app') {
      const app = this.apps.get(server);
      if (app) await app.stop(SERVICE_STOP_GRACE_MS, onSignalled);
      else onSignalled();
    } else if (service === 'keepalived') {
      const node = this.#keepalivedOf(server);
      if (node) await node.stop(onSignalled);
      else onSignalled();
    } else if (service === 'postgres') {
      if (this.database) await this.database.stop(server, onSignalled);
      else onSignalled();
    } else if (this.nginx) await this.nginx.stop(onSignalled);
    else onSignalled();
    this.ctx.emit('server', 'service', { server, service, state: 'stopped' });
  }

  async startService(server: string, service: HostService): Promise<void> {
    if (service === 'app') {
      this.startApp(server);
      if (!this.ctx.signal.aborted) await this.ctx.waitHealthy(server, APP_RESTART_HEALTHY_MS).catch(() => undefined);
    } else if (service === 'keepalived') this.#keepalivedOf(server)?.start();
    else if (service === 'postgres') await this.database?.start(server);
    else this.nginx?.start();
    this.ctx.emit('server', 'service', { server, service, state: 'started' });
  }

  /** The command that starts `service` on `server` (a restart after service-stop runs the same). */
  startCommand(server: string, service: HostService): { ns: string; command: string; args: string[] } {
    return serviceCommand(this.ctx.plan, server, service, this.ctx.lifetimeMs);
  }

  servicePids(server: string, service: HostService): { ns: string; pids: number[] } {
    const { plan } = this.ctx;
    if (service === 'postgres') return { ns: this.#node(server).ns, pids: this.database?.pids(server) ?? [] };
    const proc = service === 'app' ? this.apps.get(server) : service === 'keepalived' ? this.#keepalivedOf(server)?.process : this.nginx?.process;
    const ns = service === 'nginx' ? plan.lb!.ns : this.#node(server).ns;
    return { ns, pids: proc?.tree() ?? [] };
  }

  #keepalivedOf(server: string): KeepalivedNode | undefined {
    return this.keepalived.get(server) ?? this.dbKeepalived.get(server);
  }

  /** Stops every service (in parallel), each killed after `graceMs` if it has not exited; resolves once all have exited. */
  async stopAll(graceMs = SERVICE_STOP_GRACE_MS): Promise<void> {
    const stops: Array<Promise<void>> = [];
    for (const node of [...this.keepalived.values(), ...this.dbKeepalived.values()]) stops.push(node.stop(undefined, graceMs));
    if (this.nginx) stops.push(this.nginx.stop(undefined, graceMs));
    for (const app of this.apps.values()) stops.push(app.stop(Math.min(graceMs, 2_000)));
    await Promise.allSettled(stops);
  }
}
