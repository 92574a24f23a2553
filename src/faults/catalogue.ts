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
}

/**
 * Every fault faildrill knows: its name and parameters, the same on every target. Which target applies
 * it, and how, each target says in its capabilities (`src/targets/<name>/capabilities.ts`).
 */
export const faultCatalogue: readonly FaultKind[] = [
  {
    action: 'service-stop',
    summary: 'stop a service (app, keepalived, nginx, postgres): connections refused',
    subject: 'server',
    required: [],
    optional: ['service'],
    removable: true,
  },
  {
    action: 'process-pause',
    summary: 'freeze a service (SIGSTOP): no answer, clients time out',
    subject: 'server',
    required: [],
    optional: ['service'],
    removable: true,
  },
  {
    action: 'latency',
    summary: 'add latency to every response of the app',
    subject: 'server',
    required: ['latency'],
    optional: [],
    removable: true,
  },
  {
    action: 'network-drop',
    summary: 'iptables DROP of inbound traffic: a port, a protocol (vrrp = 112), or everything from one peer',
    subject: 'server',
    required: [],
    optional: ['port', 'protocol', 'peer'],
    removable: true,
  },
  {
    action: 'packet-loss',
    summary: 'drop a share of inbound packets at random',
    subject: 'server',
    required: ['loss'],
    optional: [],
    removable: true,
  },
  {
    action: 'network-partition',
    summary: 'cut all traffic between two hosts, both ways',
    subject: 'server',
    required: ['peer'],
    optional: [],
    removable: true,
  },
  {
    action: 'aws:ec2:stop-instances',
    summary: 'FIS: stop the instance (started again after the duration)',
    subject: 'server',
    required: [],
    optional: [],
    removable: true,
  },
  {
    action: 'aws:ec2:terminate-instances',
    summary: 'FIS: terminate the instance (an autoscaling group replaces it)',
    subject: 'server',
    required: [],
    optional: [],
    removable: false,
  },
  {
    action: 'aws:network:disrupt-connectivity',
    summary: "FIS: cut the instance's subnet off the network",
    subject: 'server',
    required: [],
    optional: [],
    removable: true,
  },
  {
    action: 'aws:rds:failover-db-cluster',
    summary: 'FIS: fail a DB cluster over to a reader',
    subject: 'database',
    required: [],
    optional: [],
    removable: false,
  },
  {
    action: 'aws:rds:reboot-db-instances',
    summary: 'FIS: reboot a DB instance, with forceFailover to move to the standby',
    subject: 'database',
    required: [],
    optional: ['forceFailover'],
    removable: false,
  },
];

/** The catalogue entry of `action`, if there is one. */
export function faultKind(action: string): FaultKind | undefined {
  return faultCatalogue.find((k) => k.action === action);
}

export const FAULT_ACTIONS = faultCatalogue.map((k) => k.action) as [string, ...string[]];
