import type { LoadSpec, Scenario, TargetGroupSpec } from '../scenario/schema.js';

type VipSpec = NonNullable<Scenario['setup']['vip']>;
type VipNode = VipSpec['nodes'][number];

/** The group the listener forwards to at the start: the lowest priority number. */
export function forwardedGroup(scenario: Scenario): TargetGroupSpec | undefined {
  const lb = scenario.setup.loadBalancer;
  return lb ? [...lb.targetGroups].sort((a, b) => a.priority - b.priority)[0] : undefined;
}

/** The next group by priority (where our controller fails the listener over to). */
export function secondaryGroup(scenario: Scenario): TargetGroupSpec | undefined {
  const lb = scenario.setup.loadBalancer;
  return lb && lb.targetGroups.length > 1 ? [...lb.targetGroups].sort((a, b) => a.priority - b.priority)[1] : undefined;
}

/** keepalived's initial master: the highest priority, the node listed first on a tie. */
export function initialMaster(vip: VipSpec): VipNode {
  return [...vip.nodes].sort((a, b) => b.priority - a.priority || vip.nodes.indexOf(a) - vip.nodes.indexOf(b))[0]!;
}

/** The backup that takes over from the master: the highest priority among the others. */
export function bestBackup(vip: VipSpec, master: string): VipNode | undefined {
  return [...vip.nodes].filter((n) => n.server !== master).sort((a, b) => b.priority - a.priority || vip.nodes.indexOf(a) - vip.nodes.indexOf(b))[0];
}

export function latencyOf(scenario: Scenario, server: string): number {
  return scenario.setup.servers.find((s) => s.id === server)?.latencyMs ?? 0;
}

/** Servers that write through the database (and answer 503 while it cannot write). */
export function databaseClients(scenario: Scenario): string[] {
  const db = scenario.setup.database;
  if (!db) return [];
  return db.clients ?? scenario.setup.servers.map((s) => s.id).filter((id) => id !== db.primary && id !== db.standby);
}

/** Where a load stream sends requests when the scenario names no entry: the DNS record, else the load balancer, else the VIP, else the app server. */
export function entryOf(scenario: Scenario, stream: LoadSpec): string {
  if (stream.entry !== undefined) return stream.entry;
  const { dns, loadBalancer, vip, database } = scenario.setup;
  if (dns) return dns.record;
  if (loadBalancer) return loadBalancer.id;
  if (vip) return vip.id;
  return scenario.setup.servers.map((s) => s.id).find((id) => id !== database?.primary && id !== database?.standby)!;
}

/** Servers behind an endpoint at the start of the run, each with its share of the requests sent there. */
export function sharesBehind(scenario: Scenario, endpoint: string): Map<string, number> {
  const { dns, loadBalancer, vip } = scenario.setup;
  if (dns && endpoint === dns.record) return sharesBehind(scenario, dns.primary);
  if (loadBalancer && endpoint === loadBalancer.id) {
    const targets = forwardedGroup(scenario)!.targets;
    return new Map(targets.map((t) => [t, 1 / targets.length]));
  }
  if (vip && endpoint === vip.id) return new Map([[initialMaster(vip).server, 1]]);
  return new Map([[endpoint, 1]]);
}

/** Every load stream of the scenario. */
export function streamsOf(scenario: Scenario): LoadSpec[] {
  return [scenario.load, ...scenario.loads];
}

/** A stream's client period: each client sends one request per period. */
export function periodMsOf(stream: LoadSpec): number {
  return (stream.clients * 1000) / stream.ratePerSec;
}
