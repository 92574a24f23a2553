/** The targets a drill can run on. */
export type TargetName = 'sim' | 'host' | 'aws';

/** What a fault acts on. */
export type FaultSubject = 'server' | 'database';

/** A parameter a fault action takes besides `target` and `duration`. */
export type FaultParam = 'latency' | 'loss' | 'peer' | 'port' | 'protocol' | 'service' | 'forceFailover';

export interface FaultKind {
  /** Stable name, the same on every target; FIS actions keep their action id. */
  action: string;
  summary: string;
  subject: FaultSubject;
  required: FaultParam[];
  optional: FaultParam[];
  /** Whether `duration` (automatic removal) makes sense; terminate cannot be undone. */
  removable: boolean;
  /** Targets that can apply it today, with how. */
  targets: Partial<Record<TargetName, string>>;
  /** Targets that will, once built (the README's capability matrix). */
  planned?: Partial<Record<TargetName, string>>;
}

/**
 * Every fault faildrill knows, with the targets that can apply it. The same names work on every
 * target that supports them; `faildrill faults` prints this table.
 */
export const faultCatalogue: readonly FaultKind[] = [
  {
    action: 'service-stop',
    summary: 'stop a service (app, keepalived, nginx): connections refused',
    subject: 'server',
    required: [],
    optional: ['service'],
    removable: true,
    targets: { sim: 'model: refused (keepalived: priority-0 advert, VIP released)', host: 'SIGTERM the process, start it again' },
  },
  {
    action: 'process-pause',
    summary: 'freeze a service (SIGSTOP): no answer, clients time out',
    subject: 'server',
    required: [],
    optional: ['service'],
    removable: true,
    targets: { sim: 'model: no answer', host: 'SIGSTOP, then SIGCONT' },
  },
  {
    action: 'latency',
    summary: 'add latency to every response of the app',
    subject: 'server',
    required: ['latency'],
    optional: [],
    removable: true,
    targets: { sim: 'model: slow responses' },
  },
  {
    action: 'network-drop',
    summary: 'iptables DROP of inbound traffic: a port, a protocol (vrrp = 112), or everything from one peer',
    subject: 'server',
    required: [],
    optional: ['port', 'protocol', 'peer'],
    removable: true,
    targets: { sim: 'model: dropped packets', host: 'iptables -I INPUT … -j DROP in the namespace' },
  },
  {
    action: 'packet-loss',
    summary: 'drop a share of inbound packets at random',
    subject: 'server',
    required: ['loss'],
    optional: [],
    removable: true,
    targets: { sim: 'model: that share of requests and checks get no answer', host: 'iptables -m statistic --probability' },
  },
  {
    action: 'network-partition',
    summary: 'cut all traffic between two hosts, both ways',
    subject: 'server',
    required: ['peer'],
    optional: [],
    removable: true,
    targets: { sim: 'model: no packet between them', host: 'iptables DROP both ways in both namespaces' },
  },
  {
    action: 'aws:ec2:stop-instances',
    summary: 'FIS: stop the instance (started again after the duration)',
    subject: 'server',
    required: [],
    optional: [],
    removable: true,
    targets: { sim: 'model: host down, everything on it stops' },
    planned: { aws: 'FIS experiment; effect applied by us on moto' },
  },
  {
    action: 'aws:ec2:terminate-instances',
    summary: 'FIS: terminate the instance (an autoscaling group replaces it)',
    subject: 'server',
    required: [],
    optional: [],
    removable: false,
    targets: { sim: 'model: host gone for good' },
    planned: { aws: 'FIS experiment; effect applied by us on moto' },
  },
  {
    action: 'aws:network:disrupt-connectivity',
    summary: "FIS: cut the instance's subnet off the network",
    subject: 'server',
    required: [],
    optional: [],
    removable: true,
    targets: { sim: 'model: host unreachable, peers included' },
    planned: { aws: 'FIS experiment; effect applied by us on moto' },
  },
  {
    action: 'aws:rds:failover-db-cluster',
    summary: 'FIS: fail a DB cluster over to a reader',
    subject: 'database',
    required: [],
    optional: [],
    removable: false,
    targets: { sim: 'model: writer moves to the standby' },
    planned: { aws: 'RDS FailoverDBCluster' },
  },
  {
    action: 'aws:rds:reboot-db-instances',
    summary: 'FIS: reboot a DB instance, with forceFailover to move to the standby',
    subject: 'database',
    required: [],
    optional: ['forceFailover'],
    removable: false,
    targets: { sim: 'model: unavailable while rebooting; failover with forceFailover' },
    planned: { aws: 'RDS RebootDBInstance' },
  },
];

/** The catalogue entry of `action`, if there is one. */
export function faultKind(action: string): FaultKind | undefined {
  return faultCatalogue.find((k) => k.action === action);
}

export const FAULT_ACTIONS = faultCatalogue.map((k) => k.action) as [string, ...string[]];
