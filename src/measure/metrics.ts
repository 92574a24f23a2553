import { serverList, type RunEvent } from './events.js';
import type { SampleSeries } from './samples.js';

/** The figures design.md §4 defines, for one fault or for the whole run. `null`: it did not happen. */
export interface Figures {
  detectionMs: number | null;
  switchMs: number | null;
  rtoMs: number | null;
  failbackMs: number | null;
  downtimeMs: number;
  errorCount: number;
  requestCount: number;
  /** Acknowledged writes a promoted standby lacked, and the time span they cover (RPO). */
  lostWrites: number;
  rpoMs: number;
  /** Fault to a replacement instance healthy in its target group (autoscaling); null when none was needed or none came. */
  replacementMs: number | null;
}

/** One fault's figures and the moments behind them. */
export interface FaultMetrics extends Figures {
  faultId: string;
  action: string;
  target: string;
  /** A planned maintenance stop (after a planned failover), not a failure. */
  planned: boolean;
  injectedAtMs: number;
  removedAtMs: number | null;
  detectedAtMs: number | null;
  /** Which checker declared it first: `controller`, `route53`, `lb`, `vip` (keepalived track_script), `db`, `asg`. */
  detectedBy: string | null;
  switchedAtMs: number | null;
  recoveredAtMs: number | null;
  failedBackAtMs: number | null;
}

/** Whole-run figures: timings are the worst fault's, counts and losses are the whole run's. */
export interface RunMetrics extends Figures {
  errorRate: number;
  /** Resolution of every time derived from samples. */
  resolutionMs: number;
  /** Total time during which two or more nodes held the same virtual IP. */
  splitBrainMs: number;
  splitBrains: SplitBrain[];
  perFault: FaultMetrics[];
}

/** A period in which several nodes held one virtual IP at once. */
export interface SplitBrain {
  vip: string;
  startMs: number;
  endMs: number;
  holders: string[];
}

export interface MeasureOptions {
  durationMs: number;
  recovery: { windowMs: number; successRatio: number };
  /** Servers behind an endpoint id (a server, or every target of a load balancer). */
  serversBehind: (endpoint: string) => string[];
}

interface FaultWindow {
  faultId: string;
  action: string;
  target: string;
  /** The server the fault hits: its target, or the member a database-wide fault hit (the writer). */
  affects: string;
  planned: boolean;
  injectedAtMs: number;
  removedAtMs: number | null;
}

/** Computes detection, switch, RTO, failback, downtime and errors from an event log and client samples. */
export function measure(events: readonly RunEvent[], samples: SampleSeries, options: MeasureOptions): RunMetrics {
  const windows = faultWindows(events);
  const sums = prefixSums(samples);
  const perFault = windows.map((w) => {
    const starts = windows.map((o) => o.injectedAtMs).filter((t) => t > w.injectedAtMs);
    const attributionEndMs = Math.min(options.durationMs, ...starts);
    return measureFault(w, windows, attributionEndMs, events, samples, sums, options);
  });
  const unplanned = perFault.filter((f) => !f.planned);
  const errorCount = sums.err.at(-1)!;
  const requestCount = errorCount + sums.ok.at(-1)!;
  const erroredBuckets = samples.err.filter((n) => n > 0).length;
  return {
    detectionMs: worst(unplanned.map((f) => f.detectionMs)),
    switchMs: worst(unplanned.map((f) => f.switchMs)),
    rtoMs: worst(unplanned.map((f) => f.rtoMs)),
    failbackMs: worst(perFault.filter(needsFailback).map((f) => f.failbackMs)),
    downtimeMs: erroredBuckets * samples.resolutionMs,
    errorCount,
    requestCount,
    errorRate: requestCount > 0 ? errorCount / requestCount : 0,
    lostWrites: events.filter(isDataLoss).reduce((sum, e) => sum + Number(e.detail.writes), 0),
    rpoMs: Math.max(0, ...events.filter(isDataLoss).map((e) => Number(e.detail.rpoMs))),
    replacementMs: worst(perFault.filter((f) => replaced(events, f)).map((f) => f.replacementMs)),
    resolutionMs: samples.resolutionMs,
    ...splitBrainsOf(events, options.durationMs),
    perFault,
  };
}

/** Periods with two or more VIP holders, from `vip`/`holders` events. */
function splitBrainsOf(events: readonly RunEvent[], durationMs: number): { splitBrainMs: number; splitBrains: SplitBrain[] } {
  const open = new Map<string, SplitBrain>();
  const splitBrains: SplitBrain[] = [];
  for (const e of events) {
    if (e.component !== 'vip' || e.type !== 'holders') continue;
    const vip = String(e.detail.vip);
    const holders = serverList(e.detail.holders);
    const current = open.get(vip);
    if (holders.length >= 2 && !current) open.set(vip, { vip, startMs: e.atMs, endMs: durationMs, holders });
    else if (holders.length >= 2 && current) current.holders = [...new Set([...current.holders, ...holders])];
    else if (current) {
      current.endMs = e.atMs;
      splitBrains.push(current);
      open.delete(vip);
    }
  }
  splitBrains.push(...open.values());
  splitBrains.sort((a, b) => a.startMs - b.startMs);
  return { splitBrainMs: splitBrains.reduce((sum, b) => sum + b.endMs - b.startMs, 0), splitBrains };
}

/** The autoscaling group terminated the fault's target. */
function replaced(events: readonly RunEvent[], f: FaultMetrics): boolean {
  return events.some(
    (e) => e.component === 'asg' && e.type === 'instance' && e.detail.instance === f.target && e.detail.state === 'terminated' && e.atMs >= f.injectedAtMs,
  );
}

/** First instance launched after `fromMs` that became healthy in its target group. */
function replacementHealthyAt(events: readonly RunEvent[], fromMs: number): number | null {
  const launched = new Set(
    events.filter((e) => e.component === 'asg' && e.type === 'instance' && e.detail.state === 'pending' && e.atMs >= fromMs).map((e) => String(e.detail.instance)),
  );
  const healthy = events.find((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.health === 'healthy' && launched.has(String(e.detail.target)));
  return healthy?.atMs ?? null;
}

function isDataLoss(e: RunEvent): boolean {
  return e.component === 'db' && e.type === 'data.lost';
}

/** Failback applies once a fault is removed after traffic had left its target (or after planned maintenance). */
function needsFailback(f: FaultMetrics): boolean {
  return f.removedAtMs !== null && (f.switchedAtMs !== null || f.planned);
}

/** Largest value; null when there is none or when one of them never happened. */
function worst(values: Array<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return Math.max(...(values as number[]));
}

function faultWindows(events: readonly RunEvent[]): FaultWindow[] {
  const windows: FaultWindow[] = [];
  for (const e of events) {
    if (e.component !== 'fault') continue;
    const faultId = String(e.detail.faultId);
    if (e.type === 'injected') {
      windows.push({
        faultId,
        action: String(e.detail.action),
        target: String(e.detail.target),
        affects: String(e.detail.affects ?? e.detail.target),
        planned: e.detail.planned === true,
        injectedAtMs: e.atMs,
        removedAtMs: null,
      });
    } else if (e.type === 'removed' && e.detail.atEnd !== true) {
      const open = windows.find((w) => w.faultId === faultId && w.removedAtMs === null);
      if (open) open.removedAtMs = e.atMs;
    }
  }
  return windows;
}

interface Sums {
  ok: number[];
  err: number[];
}

/** ok[i] = requests that succeeded in buckets [0, i). */
function prefixSums(samples: SampleSeries): Sums {
  const ok = [0];
  const err = [0];
  for (let i = 0; i < samples.ok.length; i++) {
    ok.push(ok[i]! + samples.ok[i]!);
    err.push(err[i]! + samples.err[i]!);
  }
  return { ok, err };
}

/**
 * Failback can only start once every fault still active when this one was removed is gone too:
 * two servers of one group stopped with overlapping windows fail back after the later removal.
 */
function lastOverlappingRemoval(w: FaultWindow, windows: readonly FaultWindow[]): number {
  let fromMs = w.removedAtMs!;
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

function measureFault(
  w: FaultWindow,
  windows: readonly FaultWindow[],
  attributionEndMs: number,
  events: readonly RunEvent[],
  samples: SampleSeries,
  sums: Sums,
  options: MeasureOptions,
): FaultMetrics {
  const behind = (endpoint: unknown) => typeof endpoint === 'string' && options.serversBehind(endpoint).includes(w.affects);
  const activeUntilMs = w.removedAtMs ?? options.durationMs;
  const detect = events.find(
    (e) =>
      e.atMs >= w.injectedAtMs &&
      e.atMs < activeUntilMs &&
      (e.detail.health === 'unhealthy' || e.type === 'failover.started') &&
      ((e.component === 'controller' && e.type === 'health') ||
        (e.component === 'route53' && e.type === 'health') ||
        (e.component === 'lb' && e.type === 'target.health') ||
        (e.component === 'vip' && e.type === 'track.health') ||
        (e.component === 'db' && e.type === 'failover.started') ||
        (e.component === 'asg' && e.type === 'instance')) &&
      behind(e.detail.target),
  );
  const switched = events.find(
    (e) =>
      e.type === 'route.changed' &&
      e.atMs >= w.injectedAtMs &&
      e.atMs < activeUntilMs &&
      serverList(e.detail.fromServers).includes(w.affects) &&
      !serverList(e.detail.toServers).includes(w.affects),
  );
  const failbackFromMs = w.removedAtMs === null ? null : lastOverlappingRemoval(w, windows);
  const failedBack =
    failbackFromMs === null
      ? undefined
      : events.find(
          (e) =>
            e.type === 'route.changed' &&
            e.atMs >= failbackFromMs &&
            serverList(e.detail.toServers).includes(w.affects) &&
            !serverList(e.detail.fromServers).includes(w.affects),
        );

  const res = samples.resolutionMs;
  const firstBucket = Math.floor(w.injectedAtMs / res);
  const endBucket = Math.min(samples.ok.length, Math.ceil(attributionEndMs / res));
  const errorCount = sums.err[endBucket]! - sums.err[firstBucket]!;
  const requestCount = errorCount + sums.ok[endBucket]! - sums.ok[firstBucket]!;
  let downtimeBuckets = 0;
  for (let b = firstBucket; b < endBucket; b++) if (samples.err[b]! > 0) downtimeBuckets++;
  const recoveredAtMs = recoveryTime(w.injectedAtMs, firstBucket, endBucket, samples, sums, options.recovery);

  const losses = events.filter((e) => isDataLoss(e) && e.atMs >= w.injectedAtMs && e.atMs < attributionEndMs);
  const detectedAtMs = detect?.atMs ?? null;
  const switchedAtMs = switched?.atMs ?? null;
  return {
    ...w,
    detectedAtMs,
    detectedBy: detect?.component ?? null,
    switchedAtMs,
    recoveredAtMs,
    failedBackAtMs: failedBack?.atMs ?? null,
    detectionMs: detectedAtMs === null ? null : detectedAtMs - w.injectedAtMs,
    switchMs: switchedAtMs === null || detectedAtMs === null ? null : Math.max(0, switchedAtMs - detectedAtMs),
    rtoMs: recoveredAtMs === null ? null : recoveredAtMs - w.injectedAtMs,
    failbackMs: failedBack && failbackFromMs !== null ? failedBack.atMs - failbackFromMs : null,
    downtimeMs: downtimeBuckets * res,
    errorCount,
    requestCount,
    lostWrites: losses.reduce((sum, e) => sum + Number(e.detail.writes), 0),
    rpoMs: Math.max(0, ...losses.map((e) => Number(e.detail.rpoMs))),
    replacementMs: ((at) => (at === null ? null : at - w.injectedAtMs))(replacementHealthyAt(events, w.injectedAtMs)),
  };
}

/**
 * Start of the first window (after the first error the fault caused) in which clients succeed at
 * the recovery ratio; the injection time itself when clients saw no error; null when never.
 */
function recoveryTime(
  injectedAtMs: number,
  firstBucket: number,
  endBucket: number,
  samples: SampleSeries,
  sums: Sums,
  recovery: MeasureOptions['recovery'],
): number | null {
  let firstError = -1;
  for (let b = firstBucket; b < endBucket; b++) {
    if (samples.err[b]! > 0) {
      firstError = b;
      break;
    }
  }
  if (firstError < 0) return injectedAtMs;
  const windowBuckets = Math.max(1, Math.round(recovery.windowMs / samples.resolutionMs));
  const total = samples.ok.length;
  for (let b = firstError; b < total; b++) {
    const end = Math.min(total, b + windowBuckets);
    const ok = sums.ok[end]! - sums.ok[b]!;
    const err = sums.err[end]! - sums.err[b]!;
    if (samples.ok[b]! > 0 && ok + err > 0 && ok / (ok + err) >= recovery.successRatio) return b * samples.resolutionMs;
  }
  return null;
}
