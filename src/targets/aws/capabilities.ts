import type { TargetCapabilities } from '../../run/capabilities.js';

const none = { support: 'no', how: '—' } as const;

/**
 * The aws target is not built yet (the next issue): what it will do against moto server. Shown in the
 * README's matrix; `--target aws` exits 2 until the target is registered.
 */
export const awsMotoCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'planned', how: 'API (Route 53); health evaluated by us' },
    loadBalancer: { support: 'planned', how: 'API (ELBv2)' },
    vip: none,
    database: { support: 'planned', how: 'API (RDS)' },
    autoscaling: { support: 'planned', how: 'API (Auto Scaling)' },
  },
  faults: {
    'aws:ec2:stop-instances': { support: 'planned', how: 'FIS experiment; effect applied by us on moto' },
    'aws:ec2:terminate-instances': { support: 'planned', how: 'FIS experiment; effect applied by us on moto' },
    'aws:network:disrupt-connectivity': { support: 'planned', how: 'FIS experiment; effect applied by us on moto' },
    'aws:rds:failover-db-cluster': { support: 'planned', how: 'RDS FailoverDBCluster' },
    'aws:rds:reboot-db-instances': { support: 'planned', how: 'RDS RebootDBInstance' },
  },
  operations: { support: 'planned', how: 'controller over AWS ports' },
};

/** The same against LocalStack's licensed editions (the community edition lacks ELBv2, RDS, Auto Scaling and FIS). */
export const awsLocalStackCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'planned', how: 'API + its DNS' },
    loadBalancer: { support: 'planned', how: 'API' },
    vip: none,
    database: { support: 'planned', how: 'API' },
    autoscaling: { support: 'planned', how: 'API' },
  },
  faults: {
    'aws:ec2:stop-instances': { support: 'planned', how: 'FIS experiment' },
    'aws:ec2:terminate-instances': { support: 'planned', how: 'FIS experiment' },
    'aws:network:disrupt-connectivity': { support: 'planned', how: 'FIS experiment' },
    'aws:rds:failover-db-cluster': { support: 'planned', how: 'API' },
    'aws:rds:reboot-db-instances': { support: 'planned', how: 'API' },
  },
  operations: { support: 'planned', how: 'controller over AWS ports' },
};
