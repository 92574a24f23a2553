import type { TargetPlan } from '../../run/plan.js';
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
