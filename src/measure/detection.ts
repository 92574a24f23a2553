import type { RunEvent } from './events.js';
import type { MeasureOptions } from './figures.js';
import type { Switch } from './switch.js';

/** A checker's verdict that a fault's server failed. */
export interface Verdict {
  atMs: number;
  /** The component that gave it: `route53`, `lb`, `asg`, `vip`, `db`, `controller`. */
  by: string;
  via: string;
}

type Behind = MeasureOptions['serversBehind'];

/** The verdicts one checker gives about the affected servers, or undefined when `e` is none of them. */
type Checker = (e: RunEvent, affected: ReadonlySet<string>, behind: Behind) => string | undefined;

const about = (endpoint: unknown, affected: ReadonlySet<string>, behind: Behind) =>
  typeof endpoint === 'string' && (affected.has(endpoint) || behind(endpoint).some((s) => affected.has(s)));

const route53: Checker = (e, affected, behind) =>
  e.component === 'route53' && e.type === 'health' && e.detail.health === 'unhealthy' && about(e.detail.target, affected, behind)
    ? `health check ${String(e.detail.healthCheck ?? e.detail.target)}`
    : undefined;

const targetGroup: Checker = (e, affected) =>
  e.component === 'lb' && e.type === 'target.health' && e.detail.health === 'unhealthy' && affected.has(String(e.detail.target))
    ? 'target health'
    : undefined;

const autoscaling: Checker = (e, affected) =>
  e.component === 'asg' && e.type === 'instance' && e.detail.state === 'unhealthy' && affected.has(String(e.detail.instance))
    ? `instance health${e.detail.check ? ` (${String(e.detail.check)})` : ''}`
    : undefined;

const trackScript: Checker = (e, affected) =>
  e.component === 'vip' && e.type === 'track.health' && e.detail.health === 'unhealthy' && affected.has(String(e.detail.target))
    ? `track_script ${String(e.detail.script ?? '')}`.trim()
    : undefined;

/** keepalived's master-down timer: a backup of the fault's VIP became master. */
const masterDown: Checker = (e, affected, behind) =>
  e.component === 'vip' &&
  e.type === 'state' &&
  String(e.detail.state).toLowerCase() === 'master' &&
  String(e.detail.previous).toLowerCase() !== 'master' &&
  !affected.has(String(e.detail.node)) &&
  about(e.detail.vip, affected, behind)
    ? 'master-down timer'
    : undefined;

const databasePlatform: Checker = (e, affected) =>
  e.component === 'db' && e.type === 'failover.started' && (affected.has(String(e.detail.from)) || affected.has(String(e.detail.target)))
    ? 'failover'
    : undefined;

const controllerUnhealthy: Checker = (e, affected, behind) =>
  e.component === 'controller' && e.type === 'health' && e.detail.health === 'unhealthy' && about(e.detail.target, affected, behind)
    ? 'health check'
    : undefined;

const controllerDegraded: Checker = (e, affected, behind) =>
  e.component === 'controller' && e.type === 'health' && e.detail.health === 'degraded' && about(e.detail.target, affected, behind)
    ? 'health check (degraded)'
    : undefined;

/** Anything that shows a component noticed: every verdict above, a degraded check, the database losing its writer. */
const NOTICERS: Checker[] = [
  route53,
  targetGroup,
  autoscaling,
  trackScript,
  masterDown,
  databasePlatform,
  controllerUnhealthy,
  controllerDegraded,
  (e, affected) => (e.component === 'db' && e.type === 'writer.lost' && affected.has(String(e.detail.target)) ? 'writer lost' : undefined),
];

function first(events: readonly RunEvent[], checkers: readonly Checker[], fromMs: number, toMs: number, affected: ReadonlySet<string>, behind: Behind): Verdict | null {
  for (const e of events) {
    if (e.atMs < fromMs) continue;
    if (e.atMs > toMs) break;
    for (const check of checkers) {
      const via = check(e, affected, behind);
      if (via !== undefined) return { atMs: e.atMs, by: e.component, via };
    }
  }
  return null;
}

/** Our controller switched the layer: a failover it started (not one it merely observed) between the fault and the switch. */
function controllerSwitched(events: readonly RunEvent[], sw: Switch, fromMs: number): boolean {
  return events.some(
    (e) =>
      e.component === 'controller' &&
      e.type === 'failover' &&
      e.atMs >= fromMs &&
      e.atMs <= sw.atMs &&
      e.detail.layer === sw.layer &&
      e.detail.direction === 'failover' &&
      e.detail.type !== 'unplanned' &&
      e.detail.status !== 'failed' &&
      e.detail.status !== 'rolled_back',
  );
}

/** The checkers whose verdict can move traffic on a layer, by who switches it; in order of preference. */
function actorsOf(layer: string, controller: boolean): Checker[][] {
  if (controller) return [[controllerUnhealthy], [controllerDegraded]];
  switch (layer) {
    case 'dns':
      return [[route53]];
    case 'targetGroup':
    case 'loadBalancer':
      return [[targetGroup, autoscaling]];
    case 'vip':
      return [[trackScript], [masterDown]];
    case 'database':
      return [[databasePlatform]];
    default:
      return [];
  }
}

/**
 * t_detect (design.md §4): the verdict of the component whose decision moved traffic, between the
 * injection and the switch. The layer of the switch and `controller.layers` say who that is: our
 * controller when the layer is in controller mode and the controller started the failover, else the
 * platform (Route 53, the target group or autoscaling group, keepalived's track_script or, when no
 * script failed, its master-down timer, the database platform). For our controller, a verdict on the
 * endpoint that was switched away from wins over one on another endpoint in front of the server.
 * null when there was no switch, or that component gave no verdict before it.
 */
export function detectionOf(events: readonly RunEvent[], sw: Switch | null, injectedAtMs: number, affected: ReadonlySet<string>, options: Pick<MeasureOptions, 'serversBehind' | 'layerModes'>): Verdict | null {
  if (!sw) return null;
  const mode = sw.layer === 'targetGroup' ? 'platform' : options.layerModes[sw.layer as keyof MeasureOptions['layerModes']];
  const controller = mode === 'controller' && controllerSwitched(events, sw, injectedAtMs);
  const behind = options.serversBehind;
  if (controller) {
    const switchedFrom = String(sw.event.detail.from);
    const onSwitched = events.filter((e) => e.detail.target === switchedFrom);
    for (const checkers of actorsOf(sw.layer, true)) {
      const verdict = first(onSwitched, checkers, injectedAtMs, sw.atMs, affected, behind) ?? first(events, checkers, injectedAtMs, sw.atMs, affected, behind);
      if (verdict) return verdict;
    }
    return null;
  }
  for (const checkers of actorsOf(sw.layer, false)) {
    const verdict = first(events, checkers, injectedAtMs, sw.atMs, affected, behind);
    if (verdict) return verdict;
  }
  return null;
}

/** The first component that noticed anything about the fault's servers while it lasted. */
export function firstNoticed(events: readonly RunEvent[], injectedAtMs: number, untilMs: number, affected: ReadonlySet<string>, behind: Behind): Verdict | null {
  return first(events, NOTICERS, injectedAtMs, untilMs, affected, behind);
}
