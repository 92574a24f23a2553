import type { Scenario } from '../scenario/schema.js';

/** Where a layer, fault or operation stands on one target. */
export type Support = 'yes' | 'planned' | 'no';

/** A target's support for one thing, and how it does it (or would). */
export interface Ability {
  support: Support;
  how: string;
}

/** A target's support for one layer of `setup`. */
export interface LayerAbility extends Ability {
  /** The values of the layer's `kind` key the target runs (`setup.loadBalancer.kind`); absent: every kind. */
  kinds?: readonly string[];
}

/** The layers of `setup` a scenario can declare. */
export const LAYER_KEYS = ['dns', 'loadBalancer', 'vip', 'database', 'autoscaling'] as const;
export type LayerKey = (typeof LAYER_KEYS)[number];

/** How a layer is named in messages and the matrix. */
export const LAYER_TITLES: Record<LayerKey, string> = {
  dns: 'DNS failover records + health checks (Route 53)',
  loadBalancer: 'load balancer target groups (ALB/NLB; nginx upstream)',
  vip: 'keepalived / VRRP virtual IP',
  database: 'database primary/standby (RDS Multi-AZ, replica promotion; PostgreSQL)',
  autoscaling: 'autoscaling group replacement',
};

/** A scenario's need that a target cannot meet, at a field path of the scenario. */
export interface CapabilityProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * What one target supports. The single source for validating a scenario against the target,
 * for `faildrill faults` and for the README's capability matrix.
 */
export interface TargetCapabilities {
  /** Each layer of `setup`. */
  layers: Record<LayerKey, LayerAbility>;
  /** Each fault action of the catalogue (`src/faults/catalogue.ts`); an action not listed is `no`. */
  faults: Readonly<Record<string, Ability>>;
  /** Planned failover, manual failover and failback (`operations:`). */
  operations: Ability;
  /**
   * Delivery of `notify:` (webhook, Alertmanager, SNS) by faildrill; absent: notifications stay in the
   * event log. `defaults`: notifier types whose settings the target fills in (the aws target's run topic for sns).
   */
  notify?: Ability & { defaults?: readonly string[] };
  /** Limits beyond single layers and faults (the host drills one entry layer per scenario, …). */
  limits?(scenario: Scenario): CapabilityProblem[];
}

/** `no` for an action the target does not list. */
export function faultAbility(capabilities: TargetCapabilities, action: string): Ability {
  return capabilities.faults[action] ?? { support: 'no', how: '—' };
}
