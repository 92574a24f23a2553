import type { TargetCapabilities } from '../../run/capabilities.js';

/** What the simulator models: every layer, fault and operation, with the model's behaviour. */
export const simCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'yes', how: 'model: Route 53 checkers per region, 18 % rule, failover record, TTL caches' },
    loadBalancer: {
      support: 'yes',
      how: 'model: ALB target group health checks, fail-open, deregistration delay; nginx upstream with backup peers, passive checks (max_fails, fail_timeout), next peer within the request, reload',
      kinds: ['alb', 'nginx'],
    },
    vip: { support: 'yes', how: 'model: VRRPv2/v3 timers on a seeded phase, preempt, track_script, split brain, arbiter fencing script' },
    database: { support: 'yes', how: 'model: RDS Multi-AZ, Aurora, replica promotion, PostgreSQL streaming (our controller or Patroni; endpoint dns, controller or a keepalived VIP with a writer check); lag, RPO' },
    autoscaling: { support: 'yes', how: 'model: EC2/ELB health, launch, registration, scale-up on failover' },
  },
  faults: {
    'service-stop': { support: 'yes', how: 'model: refused (keepalived: priority-0 advert, VIP released)' },
    'process-pause': { support: 'yes', how: 'model: accepted, no answer (checks fail at their timeout); frozen keepalived keeps the VIP' },
    latency: { support: 'yes', how: 'model: slow responses' },
    'network-drop': { support: 'yes', how: 'model: dropped packets' },
    'packet-loss': { support: 'yes', how: 'model: that share of requests and checks get no answer' },
    'network-partition': { support: 'yes', how: 'model: no packet between them' },
    'aws:ec2:stop-instances': { support: 'yes', how: 'model: host down, everything on it stops; back after bootTime' },
    'aws:ec2:terminate-instances': { support: 'yes', how: 'model: host gone for good' },
    'aws:network:disrupt-connectivity': { support: 'yes', how: 'model: host unreachable, peers included' },
    'aws:rds:failover-db-cluster': { support: 'yes', how: 'model: writer moves to the standby' },
    'aws:rds:reboot-db-instances': { support: 'yes', how: 'model: unavailable while rebooting; failover with forceFailover' },
  },
  operations: { support: 'yes', how: 'controller over the simulated ports' },
};
