import type { ControllerConfig, FailoverGroupSpec } from '../controller/controller.js';
import { defaults } from '../scenario/defaults.js';
import type { LayerName, Scenario } from '../scenario/schema.js';

/** The id of the failover group that a scenario layer maps to. */
export function groupIdOf(scenario: Scenario, layer: LayerName): string | undefined {
  if (layer === 'dns' && scenario.setup.dns) return `dns:${scenario.setup.dns.record}`;
  if (layer === 'loadBalancer' && scenario.setup.loadBalancer && scenario.setup.loadBalancer.targetGroups.length > 1)
    return `lb:${scenario.setup.loadBalancer.id}`;
  if (layer === 'vip' && scenario.setup.vip) return `vip:${scenario.setup.vip.id}`;
  if (layer === 'database' && scenario.setup.database) return `db:${scenario.setup.database.id}`;
  return undefined;
}

/** Builds the controller's configuration from a scenario: one failover group per layer that has two members. */
export function controllerConfigOf(scenario: Scenario): ControllerConfig {
  const { setup, controller } = scenario;
  const groups: FailoverGroupSpec[] = [];
  if (setup.dns) {
    groups.push({
      id: groupIdOf(scenario, 'dns')!,
      layer: 'dns',
      target: setup.dns.record,
      members: {
        primary: { id: setup.dns.primary, endpoints: [setup.dns.primary] },
        secondary: { id: setup.dns.secondary, endpoints: [setup.dns.secondary] },
      },
      mode: controller.layers.dns,
    });
  }
  const lb = setup.loadBalancer;
  if (lb && lb.targetGroups.length > 1) {
    const [primary, secondary] = [...lb.targetGroups].sort((a, b) => a.priority - b.priority);
    groups.push({
      id: groupIdOf(scenario, 'loadBalancer')!,
      layer: 'loadBalancer',
      target: lb.id,
      members: {
        primary: { id: primary!.id, endpoints: [...primary!.targets] },
        secondary: { id: secondary!.id, endpoints: [...secondary!.targets] },
      },
      mode: controller.layers.loadBalancer,
    });
  }
  const vip = setup.vip;
  if (vip) {
    const [primary, secondary] = [...vip.nodes].sort((a, b) => b.priority - a.priority);
    groups.push({
      id: groupIdOf(scenario, 'vip')!,
      layer: 'vip',
      target: vip.id,
      members: {
        primary: { id: primary!.server, endpoints: [primary!.server] },
        secondary: { id: secondary!.server, endpoints: [secondary!.server] },
      },
      mode: controller.layers.vip,
    });
  }
  const db = setup.database;
  if (db) {
    groups.push({
      id: groupIdOf(scenario, 'database')!,
      layer: 'database',
      target: db.id,
      members: {
        primary: { id: db.primary, endpoints: [db.primary] },
        secondary: { id: db.standby, endpoints: [db.standby] },
      },
      mode: controller.layers.database,
    });
  }
  return {
    ...(vip && vip.fencing === 'arbiter'
      ? {
          fencing: {
            vip: vip.id,
            leaseTtlMs: defaults.arbiter.leaseTtlMs,
            priorities: Object.fromEntries(vip.nodes.map((n) => [n.server, n.priority])),
          },
        }
      : {}),
    ...(setup.autoscaling && setup.autoscaling.scaleOnFailover > 0
      ? { scaleOnFailover: { groupId: setup.autoscaling.id, step: setup.autoscaling.scaleOnFailover } }
      : {}),
    healthCheck: controller.healthCheck,
    automaticFailover: controller.automaticFailover,
    failback: controller.failback,
    failoverOn: controller.failoverOn,
    ...controller.damping,
    groups,
  };
}

/**
 * Whether app server `server` writes through database member `on`: the database's `clients`, or every
 * server but its members when it names none (as the simulator and the host apps do).
 */
export function dependsOnDatabase(scenario: Scenario, server: string, on: string): boolean {
  const db = scenario.setup.database;
  if (!db || (on !== db.primary && on !== db.standby)) return false;
  return db.clients ? db.clients.includes(server) : server !== db.primary && server !== db.standby;
}

/** Servers behind an endpoint id, independent of routing state: a server itself, or every target of a load balancer. */
export function serversBehind(scenario: Scenario, endpoint: string): string[] {
  const lb = scenario.setup.loadBalancer;
  if (lb && lb.id === endpoint) return [...new Set(lb.targetGroups.flatMap((tg) => tg.targets))];
  const vip = scenario.setup.vip;
  if (vip && vip.id === endpoint) return vip.nodes.map((n) => n.server);
  const db = scenario.setup.database;
  if (db && db.id === endpoint) return [db.primary, db.standby];
  return [endpoint];
}
