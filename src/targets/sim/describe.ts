import type { TargetPlan } from '../../run/plan.js';
import { DB_VIP_PRIORITY } from '../../scenario/db-vip.js';
import type { Scenario } from '../../scenario/schema.js';
import { describeSimFault } from '../../simulator/faults.js';

/** A simulated run's plan (`run --dry-run`): the models it builds and, per fault, what the model does, from the simulator's own fault table. */
export function describeSim(scenario: Scenario): TargetPlan {
  const s = scenario.setup;
  const setup = [
    `models in memory, virtual time: ${s.servers.length} server(s) (${s.servers.map((x) => x.id).join(', ')})`,
    ...(s.dns ? [`Route 53 failover record ${s.dns.record}: ${s.dns.primary} / ${s.dns.secondary}, health check every ${s.dns.healthCheck.intervalMs / 1000} s`] : []),
    ...(s.loadBalancer ? [`load balancer ${s.loadBalancer.id}: ${s.loadBalancer.targetGroups.map((g) => `${g.id} (${g.targets.join(', ')})`).join(', ')}`] : []),
    ...(s.vip ? [`keepalived VIP ${s.vip.id}: ${s.vip.nodes.map((n) => `${n.server} ${n.priority}`).join(', ')}, VRRP ${s.vip.vrrpVersion}`] : []),
    ...(s.database ? [`database ${s.database.id} (${s.database.engine}): ${s.database.primary} → ${s.database.standby}`] : []),
    ...(s.database?.endpoint.vip
      ? [
          `database VIP (endpoint mode vip): keepalived on ${s.database.primary} (MASTER ${DB_VIP_PRIORITY.primary}) and ${s.database.standby} (BACKUP ${DB_VIP_PRIORITY.standby}), VRRP 2, virtual_router_id ${s.database.endpoint.vip.virtualRouterId}, ` +
            `writer check every ${s.database.endpoint.vip.check.intervalMs / 1000} s (fall ${s.database.endpoint.vip.check.fall}, rise ${s.database.endpoint.vip.check.rise})`,
        ]
      : []),
    ...(s.autoscaling ? [`autoscaling group ${s.autoscaling.id}: ${s.autoscaling.instances.join(', ')}`] : []),
  ];
  return {
    setup,
    fault: (fault) => {
      const d = describeSimFault(fault);
      return { apply: [d.apply], undo: [d.undo] };
    },
    notes: ['the simulator changes nothing outside this process'],
  };
}
