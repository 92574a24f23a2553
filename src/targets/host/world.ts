import { join } from 'node:path';
import type { EventDetail } from '../../measure/events.js';
import type { HostLoad } from '../../load/host-load.js';
import type { Scenario } from '../../scenario/schema.js';
import { Journal, stateRoot } from './journal.js';
import type { HostProbePort } from './ports.js';
import { WallClock } from '../shared/wall-clock.js';
import type { NsProcess } from './process.js';
import { HostServices } from './services.js';
import { waitUntil } from '../shared/timers.js';
import { planTopology, runTag, type HostPlan } from './topology.js';
import type { VipObserver } from './vip.js';
import type { HostDatabase } from './db-layer.js';
import type { DatabaseFailover } from './db-port.js';
import { runStamp } from '../../run/run-stamp.js';

/** How long helper processes may live at most beyond the run (they also exit with their parent). */
export const LIFETIME_MARGIN_MS = 120_000;

export type Emit = (component: string, type: string, detail: EventDetail) => void;

/**
 * Everything one host run has on this machine: its plan (names, addresses), journal, services, the
 * prober, the VIP observer and the load. Filled step by step by setup, so that teardown can remove
 * whatever exists at any moment.
 */
export class HostWorld {
  readonly plan: HostPlan;
  readonly journal: Journal;
  readonly lifetimeMs: number;
  readonly services: HostServices;
  /** The run's clock; its t0 is set when the run starts (after setup). */
  readonly clock = new WallClock();
  prober?: NsProcess;
  probePort?: HostProbePort;
  vipObserver?: VipObserver;
  load?: HostLoad;
  /** `setup.database`: the PostgreSQL pair and the apps' writes; who fails it over; the controller's PostgreSQL checks. */
  database?: HostDatabase;
  dbFailover?: DatabaseFailover;
  dbProber?: NsProcess;
  dbProbePort?: HostProbePort;
  /** Faults active now, by the servers they hold (target and peer): a fenced database member rejoins once none holds it. */
  readonly faultsOn = new Map<string, number>();

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    readonly emit: Emit,
    readonly signal: AbortSignal,
  ) {
    const tag = runTag(seed);
    const runId = `${runStamp()}-${tag}`;
    const dir = join(stateRoot(), runId);
    this.journal = new Journal(dir);
    this.plan = planTopology(scenario, runId, tag, dir);
    this.lifetimeMs = scenario.durationMs + LIFETIME_MARGIN_MS;
    this.services = new HostServices({
      plan: this.plan,
      lifetimeMs: this.lifetimeMs,
      emit,
      track: (role, ns) => this.track(role, ns),
      waitHealthy: (server, timeoutMs) => this.waitHealthy(server, timeoutMs),
      signal,
    });
  }

  /** Journals a process the run started, so that cleanup finds it after a crash. */
  track(role: string, ns: string): (pid: number) => void {
    return (pid) => this.journal.write({ op: 'process', pid, ns, role });
  }

  /** The base URL of an endpoint: a server's app, the load balancer, the VIP. */
  baseUrl(endpoint: string): string | undefined {
    const { plan, scenario } = this;
    const server = plan.servers.get(endpoint);
    if (server) return `http://${server.ip}:${plan.appPort}`;
    if (plan.lb && endpoint === scenario.setup.loadBalancer?.id) return `http://${plan.lb.ip}:80`;
    if (plan.vip && endpoint === scenario.setup.vip?.id) return `http://${plan.vip}:${plan.appPort}`;
    return undefined;
  }

  /** The entry point of the clients: the VIP, else the load balancer, else the first server. */
  get entryId(): string {
    const { setup } = this.scenario;
    return setup.vip ? setup.vip.id : setup.loadBalancer ? setup.loadBalancer.id : setup.servers[0]!.id;
  }

  /** The namespaces of the run, bridge first. */
  get namespaces(): string[] {
    const { plan } = this;
    return [plan.bridgeNs, plan.client.ns, plan.controller.ns, ...(plan.lb ? [plan.lb.ns] : []), ...[...plan.servers.values()].map((s) => s.ns)];
  }

  /** Resolves once the app on `server` answers /health through the prober; throws after `timeoutMs` or on abort. */
  async waitHealthy(server: string, timeoutMs: number): Promise<void> {
    const port = this.probePort;
    if (!port) throw new Error('the prober is not running');
    await waitUntil(async () => (await port.probe(server, { path: '/health', timeoutMs: 500 })).ok, {
      timeoutMs,
      what: `app on ${server} healthy`,
      signal: this.signal,
    });
  }
}
