import type { Scenario, FaultSpec } from '../scenario/schema.js';
import type { Effect } from './effect.js';
import type { Expr } from './expr.js';

/** The figures `explain` bounds, as design.md §4 defines them. */
export type Figure = 'detection' | 'switch' | 'timeToSwitch' | 'rto' | 'failback' | 'replacement' | 'rpo' | 'splitBrain';

export const FIGURES: readonly Figure[] = ['detection', 'switch', 'timeToSwitch', 'rto', 'failback', 'replacement', 'rpo', 'splitBrain'];

/**
 * Whether the configuration implies the figure happens: `always` (a value is expected), `maybe` (it may
 * not happen, e.g. a check that loss only sometimes fails), `never` (no switch, no failback…).
 */
export type Occurrence = 'always' | 'maybe' | 'never';

/** An interval of durations; `max` null: the configuration sets no upper bound. */
export interface Window {
  min: Expr;
  max: Expr | null;
}

/** The bound the configuration implies for one figure of one fault. */
export interface Bound {
  figure: Figure;
  occurs: Occurrence;
  /** Absent when the figure never happens. */
  window?: Window;
  /** The component that decides the figure (the one that acts first). */
  decidedBy: string;
  /** What else a reader needs: which rule applies, what may act first instead. */
  note?: string;
}

/** Everything `explain` says about one fault (or one planned maintenance stop). */
export interface FaultExplanation {
  faultId: string;
  action: string;
  target: string;
  atMs: number;
  planned: boolean;
  /** The layer expected to move traffic away from the fault; null when nothing should. */
  layer: string | null;
  decidedBy: string | null;
  bounds: Bound[];
  notes: string[];
}

/** A layer that moves traffic (the measurement's `switchedLayer`). */
export type SwitchLayer = 'dns' | 'targetGroup' | 'loadBalancer' | 'vip' | 'database';

/**
 * One way traffic can leave the faulted server, as one layer's configuration implies it. Several may
 * apply (a target group and our controller, say); the one that acts first decides.
 */
export interface Candidate {
  layer: SwitchLayer;
  /** Who decides: `Route 53 health check hc-web`, `target group tg-app`, `keepalived track_script check_app`, … */
  decidedBy: string;
  /**
   * Fault → the verdict of the component that switches. null: routing moves without a verdict of that
   * component first (a stopped keepalived releases the address at once), so the measured detection is absent.
   */
  detection: Window | null;
  /** The verdict may come only after the routing change (then the measured detection is absent). */
  detectionMayBeAbsent?: boolean;
  /** Verdict → routing change (fault → routing change when `detection` is null). */
  switch: Window;
  /** Fault → routing change when it is not detection + switch (our controller waits for the member's last endpoint). */
  timeToSwitch?: Window;
  /** Clients succeed on the new path (false: it fails too, e.g. a target group that fails open). */
  heals: boolean;
  /** Undone unless another candidate switches first (a target dropped from a group that then fails open). */
  provisional?: boolean;
  /** Provisional: how long after its switch it is undone (clients move back), for the RTO of connection resets. */
  undo?: Window;
  /** It may never act: a check that packet loss fails only now and then may never see a streak. */
  maybe?: boolean;
  /** Routing change → the clients that can move have moved (DNS TTL, a writer endpoint's refresh). */
  catchUp: Window;
  /** Share of the affected clients that never move while the fault lasts (clients that ignore the TTL). */
  stuckShare: number;
  /** Fault removal → traffic back on the primary; `never`: it does not come back by itself. */
  failback: Window | 'never';
  notes: string[];
}

/** The fault's server serving again by itself, without a switch: fault → back, who brings it back, why. */
export interface Restored {
  window: Window;
  by: string;
  note: string;
}

/** Another fault active around this one, as the layers need it. */
export interface Concurrent {
  fault: FaultSpec;
  effect: Effect;
  /** Its injection relative to this fault's (negative: earlier). */
  offsetMs: number;
}

/** What a layer module reads to explain a fault. */
export interface FaultContext {
  scenario: Scenario;
  fault: FaultSpec;
  effect: Effect;
  /** Faults whose windows overlap this one's (this one included, offset 0). */
  incident: Concurrent[];
}

/** What the fault hits, as the registry keys its layer modules. */
export type LayerKey = 'route53' | 'targetGroup' | 'keepalived' | 'controller' | 'database' | 'autoscaling';

/** One layer's part of `explain`: whether a fault concerns it, and the ways it can move traffic. */
export interface LayerExplainer {
  key: LayerKey;
  /** The fault concerns this layer (its server is one the layer checks or routes to). */
  hits(ctx: FaultContext): boolean;
  candidates(ctx: FaultContext): Candidate[];
  /**
   * Route changes clients see that do not move traffic away from the fault's server (the address moving
   * to the faulted node, say), since the fault: each resets clients' connections once.
   */
  moves?(ctx: FaultContext): Window[];
  /** Bounds beyond the switch that this layer decides (RPO, replacement, split brain). */
  extra?(ctx: FaultContext): Bound[];
  /** The fault's server serves again while the fault lasts, with nothing switched (Patroni restarting PostgreSQL in place). */
  restores?(ctx: FaultContext): Restored | undefined;
}
