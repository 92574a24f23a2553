/** Where a layer or fault stands on one target. */
export type Support = 'yes' | 'planned' | 'no';

export interface Capability {
  /** Layer or fault, as design.md §2 names it. */
  name: string;
  /** What each target does for it once built (design.md §2). */
  sim: { support: Support; how: string };
  host: { support: Support; how: string };
  moto: { support: Support; how: string };
  localstack: { support: Support; how: string };
}

/**
 * The capability matrix: the single source of the README's table (a test keeps them equal).
 * Change a cell here when a layer or fault lands on a target.
 */
export const capabilities: Capability[] = [
  {
    name: 'DNS failover records + health checks (Route 53)',
    sim: { support: 'yes', how: 'model: checkers per region, 18 % rule, TTL caches' },
    host: { support: 'planned', how: 'real DNS server optional' },
    moto: { support: 'planned', how: 'API; health evaluated by us' },
    localstack: { support: 'planned', how: 'API + its DNS' },
  },
  {
    name: 'load balancer target groups (ALB/NLB; nginx upstream)',
    sim: { support: 'yes', how: 'model: health checks, fail-open, deregistration delay' },
    host: { support: 'yes', how: 'nginx upstreams (primary + backup), passive checks; controller rewrites and reloads' },
    moto: { support: 'planned', how: 'API (ELBv2)' },
    localstack: { support: 'planned', how: 'API' },
  },
  {
    name: 'keepalived / VRRP virtual IP',
    sim: { support: 'yes', how: 'model: RFC 5798 timers, preempt, track_script, split brain, arbiter fencing' },
    host: { support: 'yes', how: 'real keepalived in network namespaces, track_script, split brain observed' },
    moto: { support: 'no', how: '—' },
    localstack: { support: 'no', how: '—' },
  },
  {
    name: 'database primary/standby (RDS Multi-AZ, replica promotion; PostgreSQL)',
    sim: { support: 'yes', how: 'model with replication lag, lag spikes and RPO' },
    host: { support: 'planned', how: 'real PostgreSQL streaming replication' },
    moto: { support: 'planned', how: 'API (RDS)' },
    localstack: { support: 'planned', how: 'API' },
  },
  {
    name: 'autoscaling group replacement',
    sim: { support: 'yes', how: 'model: EC2/ELB health, launch, registration, scale-up on failover' },
    host: { support: 'no', how: '—' },
    moto: { support: 'planned', how: 'API (Auto Scaling)' },
    localstack: { support: 'planned', how: 'API' },
  },
  {
    name: 'faults: FIS actions',
    sim: { support: 'yes', how: 'model of their effects (EC2 stop/terminate, network disrupt, RDS failover/reboot)' },
    host: { support: 'no', how: '—' },
    moto: { support: 'planned', how: 'API (FIS experiment) + effect applied by us' },
    localstack: { support: 'planned', how: 'API' },
  },
  {
    name: 'faults: iptables drop / partition / packet loss',
    sim: { support: 'yes', how: 'model' },
    host: { support: 'yes', how: 'real iptables in the namespace (port, protocol incl. VRRP, peer, statistic loss)' },
    moto: { support: 'no', how: '—' },
    localstack: { support: 'no', how: '—' },
  },
  {
    name: 'faults: service stop, process pause',
    sim: { support: 'yes', how: 'model: refused, no answer' },
    host: { support: 'yes', how: 'real: SIGTERM / SIGSTOP of the app, keepalived or nginx' },
    moto: { support: 'no', how: '— (EC2 stop instead)' },
    localstack: { support: 'no', how: '—' },
  },
  {
    name: 'faults: added latency',
    sim: { support: 'yes', how: 'model: slow responses' },
    host: { support: 'no', how: '—' },
    moto: { support: 'no', how: '—' },
    localstack: { support: 'no', how: '—' },
  },
  {
    name: 'planned failover, manual failover and failback',
    sim: { support: 'yes', how: 'controller over the simulated ports' },
    host: { support: 'yes', how: 'controller over host ports (HTTP probes, keepalived, nginx)' },
    moto: { support: 'planned', how: 'controller over AWS ports' },
    localstack: { support: 'planned', how: 'controller over AWS ports' },
  },
];

const MARK: Record<Support, string> = { yes: '✅', planned: '🔜', no: '—' };

/** The matrix as a Markdown table, as the README holds it. */
export function capabilityTable(): string {
  const cell = (c: Capability['sim']) => (c.support === 'no' ? '—' : `${MARK[c.support]} ${c.how}`);
  const rows = capabilities.map((c) => `| ${c.name} | ${cell(c.sim)} | ${cell(c.host)} | ${cell(c.moto)} | ${cell(c.localstack)} |`);
  return [
    '| layer / fault | sim | host | aws (moto) | aws (LocalStack, licensed) |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
