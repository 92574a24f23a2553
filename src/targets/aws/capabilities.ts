import type { TargetCapabilities } from '../../run/capabilities.js';

const none = { support: 'no', how: '—' } as const;

/**
 * What the aws target does today (moto by default): the DNS layer end to end — Route 53 zone, health
 * checks and failover records through the SDK, the health checks evaluated by faildrill (the emulators
 * never evaluate them), a DNS server on loopback answering from the record sets — EC2 instances with
 * an HTTP server each, the load balancer layer — target groups, load balancer and listener through
 * the SDK, target health evaluated by faildrill (moto never probes targets) and a loopback proxy
 * routing as the listener forwards — and FIS stop/terminate with their effects applied by faildrill.
 * The other layers are provisioned through the SDK but have no data plane yet.
 */
export const awsCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'yes', how: 'Route 53 API (emulator stores it); health checks evaluated and DNS answered by faildrill on loopback' },
    loadBalancer: { support: 'yes', how: 'ELBv2 API (emulator stores it); target health evaluated and the listener served by faildrill on loopback' },
    vip: none,
    database: { support: 'planned', how: 'RDS API provisioned (Multi-AZ instance, cluster, replica); no writes yet' },
    autoscaling: { support: 'planned', how: 'Auto Scaling API provisioned; replacement not drilled yet' },
  },
  faults: {
    'aws:ec2:stop-instances': { support: 'yes', how: 'FIS experiment (template, start, stop); StopInstances/StartInstances applied by faildrill' },
    'aws:ec2:terminate-instances': { support: 'yes', how: 'FIS experiment; TerminateInstances applied by faildrill' },
    'aws:network:disrupt-connectivity': { support: 'planned', how: 'FIS experiment; deny-all network ACL applied by faildrill (data plane not reading it yet)' },
    'aws:rds:failover-db-cluster': { support: 'planned', how: 'FIS experiment; FailoverDBCluster applied by faildrill' },
    'aws:rds:reboot-db-instances': { support: 'planned', how: 'FIS experiment; RebootDBInstance (moto ignores ForceFailover)' },
  },
  operations: { support: 'yes', how: 'controller over AWS ports (Route 53 UPSERT, waits for INSYNC; ELBv2 ModifyListener)' },
};
