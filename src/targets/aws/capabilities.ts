import type { TargetCapabilities } from '../../run/capabilities.js';
import { databaseLimits } from './dataplane/db-limits.js';

const none = { support: 'no', how: '—' } as const;

/**
 * What the aws target does (moto by default; a real account runs the same code, where FIS applies the
 * faults and the services do their own health evaluation): every layer but the VIP through the SDK,
 * with faildrill supplying what the emulators lack — Route 53 health evaluation and a DNS server on
 * loopback, target health and a loopback listener, one HTTP server per instance that follows EC2
 * state and the subnet's network ACL, a store per RDS member with the app's writes and lost-write
 * checks, the Auto Scaling group's boot time, registration and ELB health replacement — and each
 * FIS action's effect on emulators (FIS itself runs it on real AWS).
 */
export const awsCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'yes', how: 'Route 53 API (emulator stores it); health checks evaluated and DNS answered (A or CNAME members) by faildrill on loopback' },
    loadBalancer: { support: 'yes', how: 'ELBv2 API (emulator stores it); target health evaluated and the listener served by faildrill on loopback', kinds: ['alb'] },
    vip: none,
    database: {
      support: 'yes',
      how: "RDS API (emulator stores it; moto swaps a cluster's writer, records no replica promotion); a store per member, the app's writes, replication (sync, or async with the lag) and lost-write checks by faildrill on loopback",
    },
    autoscaling: {
      support: 'yes',
      how: 'Auto Scaling API (emulator replaces a terminated instance, SetDesiredCapacity); boot time, target group registration and ELB health replacement applied by faildrill on emulators',
    },
  },
  faults: {
    'aws:ec2:stop-instances': { support: 'yes', how: 'FIS experiment (template, start, stop); StopInstances/StartInstances applied by faildrill on emulators, by FIS on real AWS' },
    'aws:ec2:terminate-instances': { support: 'yes', how: 'FIS experiment; TerminateInstances applied by faildrill on emulators, by FIS on real AWS' },
    'aws:network:disrupt-connectivity': {
      support: 'yes',
      how: "FIS experiment; a deny-all network ACL on the subnet applied by faildrill on emulators; faildrill's instance servers behind it answer nothing",
    },
    'aws:rds:failover-db-cluster': { support: 'yes', how: "FIS experiment; FailoverDBCluster applied by faildrill (emulator swaps the writer at once); faildrill's stores follow" },
    'aws:rds:reboot-db-instances': {
      support: 'yes',
      how: 'FIS experiment; RebootDBInstance applied by faildrill (moto: stays available, ignores ForceFailover, so forceFailover exits 2 there; real AWS: the writer follows the zone)',
    },
    'service-stop': { support: 'yes', how: "database members only: faildrill stops its store for the member (emulators; refused on a real account)" },
  },
  limits: databaseLimits,
  operations: { support: 'yes', how: 'controller over AWS ports (Route 53 UPSERT, waits for INSYNC; ELBv2 ModifyListener)' },
  notify: { support: 'yes', how: "webhook, Alertmanager v2 alerts API and SNS (the run's topic unless topicArn) delivered by faildrill", defaults: ['sns'] },
};
