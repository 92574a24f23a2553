import type { FaultBounds } from '../explain/record.js';

/**
 * The figures design.md §4 defines, for one fault or for the whole run. Every `null` says what did
 * not happen; the JSDoc of each field says what that means.
 */
export interface Figures {
  /** t_detect − t_fault: the verdict of the component whose decision moved traffic. null: no switch, or no verdict of that component before it. */
  detectionMs: number | null;
  /** t_switch − t_detect. null: no switch, or no detection to measure it from (see {@link timeToSwitchMs}). */
  switchMs: number | null;
  /** t_switch − t_fault, whenever traffic left the failed resource (also when no detector fired). null: traffic never left it. */
  timeToSwitchMs: number | null;
  /** t_recovered − t_fault, never negative; 0 when clients saw no outage. null: clients had an outage and never recovered. */
  rtoMs: number | null;
  /** First request answered by the new path, after t_fault. null: no switch, so no new path. */
  firstSuccessMs: number | null;
  /** Fault removal (of every overlapping fault) → traffic back on the primary. null: it never came back. */
  failbackMs: number | null;
  /** Total time below the recovery rule (the rule of RTO): independent of the sample resolution. */
  downtimeMs: number;
  /** First to last client error (0 when there was none). */
  errorSpanMs: number;
  errorCount: number;
  requestCount: number;
  /** Acknowledged writes a promoted standby lacked, and the time span they cover (RPO). */
  lostWrites: number;
  rpoMs: number;
  /** First failed write → first write through after it (the app's write-unavailability window). null: writes never failed, or never went through again. */
  writesUnavailableMs: number | null;
  /** Fault to a replacement instance healthy in its target group. null: no replacement was caused, or the one caused never came. */
  replacementMs: number | null;
}

/** One fault's figures and the moments behind them (milliseconds since the run started). */
export interface FaultMetrics extends Figures {
  faultId: string;
  action: string;
  target: string;
  /** A planned maintenance stop (after a planned failover), not a failure. */
  planned: boolean;
  /** The incident (faults that overlap, up to their recovery) this fault belongs to, numbered from 1. */
  incident: number;
  injectedAtMs: number;
  removedAtMs: number | null;
  detectedAtMs: number | null;
  /**
   * The component whose verdict caused the switch: `route53`, `lb` (target group or load balancer),
   * `asg`, `vip` (keepalived), `db` (the database platform) or `controller` (ours).
   */
  detectedBy: string | null;
  /** The verdict itself: `health check`, `target health`, `track_script`, `master-down timer`, `failover`, … */
  detectedVia: string | null;
  /** The first component that noticed anything (a failed check, a degraded verdict), and when, since t_fault. */
  firstNoticedBy: string | null;
  firstNoticedMs: number | null;
  switchedAtMs: number | null;
  /** Which layer switched: `dns`, `targetGroup`, `loadBalancer`, `vip`, `database`. */
  switchedLayer: string | null;
  recoveredAtMs: number | null;
  firstSuccessAtMs: number | null;
  failedBackAtMs: number | null;
  /**
   * What the scenario's configuration implies for this fault (`faildrill explain`), each figure with
   * what was measured and whether it lies inside; absent in results written before bounds existed.
   */
  bounds?: FaultBounds;
}

/** A period in which several nodes held one virtual IP at once. */
export interface SplitBrain {
  vip: string;
  startMs: number;
  endMs: number;
  holders: string[];
}

/**
 * Whole-run figures. Timings are the worst over the faults that have them (planned maintenance left
 * out); a fault's null makes the run's figure null only where it means "should have happened and did
 * not": RTO (an outage never recovered), failback (traffic never returned after removal) and
 * replacement (a replacement that never came). Counts and losses are the whole run's.
 */
export interface RunMetrics extends Figures {
  errorRate: number;
  /** Resolution of every time derived from samples. */
  resolutionMs: number;
  /** Total time during which two or more nodes held the same virtual IP. */
  splitBrainMs: number;
  splitBrains: SplitBrain[];
  perFault: FaultMetrics[];
}

/** Who switches a layer: the platform by itself, or our controller. */
export type LayerMode = 'platform' | 'controller';
export type SwitchLayer = 'dns' | 'loadBalancer' | 'vip' | 'database';

export interface MeasureOptions {
  durationMs: number;
  recovery: { windowMs: number; successRatio: number };
  /** Servers behind an endpoint id (a server, or every target of a load balancer, the nodes of a VIP). */
  serversBehind: (endpoint: string) => string[];
  /** The scenario's `controller.layers`: who switches each layer. */
  layerModes: Record<SwitchLayer, LayerMode>;
  /**
   * Whether `server`'s answers depend on `on` (an app server that writes to the database member
   * `on`): a fault on `on` owns the errors `server` returns because of it. Absent: nothing depends.
   */
  dependsOn?: (server: string, on: string) => boolean;
}
