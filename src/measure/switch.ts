import { serverList, type RunEvent } from './events.js';
import type { FaultWindow } from './fault-windows.js';

/** A `route.changed` that moved traffic away from a fault's servers and kept it away. */
export interface Switch {
  event: RunEvent;
  atMs: number;
  /** `dns`, `targetGroup`, `loadBalancer`, `vip` or `database`. */
  layer: string;
  /** Servers traffic went to, without the fault's own. */
  newPath: string[];
}

const hitsAny = (servers: readonly string[], affected: ReadonlySet<string>) => servers.some((s) => affected.has(s));

/** The layer a `route.changed` belongs to: its component, told apart by `detail.layer` for the load balancer. */
export function layerOf(e: RunEvent): string {
  if (e.component === 'dns') return 'dns';
  if (e.component === 'vip') return 'vip';
  if (e.component === 'db') return 'database';
  return e.detail.layer === 'targetGroup' ? 'targetGroup' : 'loadBalancer';
}

function resourceOf(e: RunEvent): string {
  return `${e.component}/${String(e.detail.resource ?? '')}`;
}

/**
 * t_switch: the first `route.changed` after the injection that moves traffic away from the fault's
 * servers and is not undone on the same resource while the fault lasts (a target group that drops a
 * target and then fails open to all of them again did not switch away).
 */
export function findSwitch(events: readonly RunEvent[], w: FaultWindow, affected: ReadonlySet<string>, untilMs: number): Switch | null {
  const routes = events.filter((e) => e.type === 'route.changed' && e.atMs >= w.injectedAtMs && e.atMs < untilMs);
  for (let i = 0; i < routes.length; i++) {
    const e = routes[i]!;
    const from = serverList(e.detail.fromServers);
    const to = serverList(e.detail.toServers);
    if (!hitsAny(from, affected) || hitsAny(to, affected)) continue;
    const undone = routes.slice(i + 1).some((later) => resourceOf(later) === resourceOf(e) && hitsAny(serverList(later.detail.toServers), affected));
    if (undone) continue;
    return { event: e, atMs: e.atMs, layer: layerOf(e), newPath: to.filter((s) => !affected.has(s)) };
  }
  return null;
}

/**
 * Failback can only start once every fault still active when this one was removed is gone too:
 * two servers of one group stopped with overlapping windows fail back after the later removal.
 */
export function lastOverlappingRemoval(w: FaultWindow, windows: readonly FaultWindow[]): number | null {
  if (w.removedAtMs === null) return null;
  let fromMs = w.removedAtMs;
  for (let moved = true; moved; ) {
    moved = false;
    for (const v of windows) {
      if (v.injectedAtMs <= fromMs && v.removedAtMs !== null && v.removedAtMs > fromMs) {
        fromMs = v.removedAtMs;
        moved = true;
      }
    }
  }
  return fromMs;
}

/** Traffic back on the fault's servers after `fromMs` (the last overlapping removal). */
export function findFailback(events: readonly RunEvent[], affected: ReadonlySet<string>, fromMs: number): RunEvent | undefined {
  return events.find(
    (e) =>
      e.type === 'route.changed' &&
      e.atMs >= fromMs &&
      hitsAny(serverList(e.detail.toServers), affected) &&
      !hitsAny(serverList(e.detail.fromServers), affected),
  );
}
