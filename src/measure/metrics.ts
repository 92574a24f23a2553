import { detectionOf, firstNoticed } from './detection.js';
import type { RunEvent } from './events.js';
import { activeUntilMs, faultWindows, type FaultWindow } from './fault-windows.js';
import type { FaultMetrics, MeasureOptions, RunMetrics } from './figures.js';
import { attribute, incidentsOf, type Attribution, type Incident } from './incidents.js';
import { downIntervals, downtimeWithin, errorSpanOf, recoveredAtMs, type DownInterval } from './recovery.js';
import { replacementOf } from './replacement.js';
import type { SampleSeries } from './samples.js';
import { bucketOf, prefixSums } from './series.js';
import { splitBrainsOf } from './split-brain.js';
import { findFailback, findSwitch, lastOverlappingRemoval, type Switch } from './switch.js';
import { longestOutageMs, outagesByFault, writeOutagesOf, type WriteOutage } from './write-unavailability.js';

export type { Figures, FaultMetrics, LayerMode, MeasureOptions, RunMetrics, SplitBrain, SwitchLayer } from './figures.js';

/** Computes design.md §4's figures from a run's event log and client samples. */
export function measure(events: readonly RunEvent[], samples: SampleSeries, options: MeasureOptions): RunMetrics {
  const { durationMs } = options;
  const windows = faultWindows(events);
  const sums = prefixSums(samples);
  const outages = downIntervals(samples, sums, options.recovery);
  const affected = windows.map((w) => new Set(options.serversBehind(w.affects)));
  // a fault settles once it is removed and its clients recovered; a fault injected before that joins its incident
  const settled = windows.map((w) => {
    const activeEnd = w.removedAtMs ?? w.injectedAtMs;
    const recovered = recoveredAtMs(outages, samples, w.injectedAtMs, activeEnd + options.recovery.windowMs);
    return recovered === null ? null : Math.max(activeEnd, recovered);
  });
  const incidents = incidentsOf(windows, settled, durationMs);
  const attribution = attribute(windows, withDependents(affected, Object.keys(samples.byServer), options.dependsOn), incidents, samples);
  const incidentOf = new Map<number, number>();
  incidents.forEach((incident, k) => incident.faults.forEach((i) => incidentOf.set(i, k)));
  const writeOutages = writeOutagesOf(events);
  const writeOutagesByFault = outagesByFault(writeOutages, windows.map((w) => ({ injectedAtMs: w.injectedAtMs, untilMs: activeUntilMs(w, durationMs) })));
  const taken = new Set<string>();
  const replaced: boolean[] = [];
  const perFault = windows.map((w, i) => {
    const k = incidentOf.get(i)!;
    const { figures, causedReplacement } = measureFault(w, i, { events, samples, options, windows, affected, outages, incident: incidents[k]!, attribution: attribution[i]!, taken, writeOutages: writeOutagesByFault[i]! });
    replaced.push(causedReplacement);
    return { ...figures, incident: k + 1 };
  });

  const unplanned = perFault.filter((f) => !f.planned);
  const errorCount = sums.err.at(-1)!;
  const requestCount = errorCount + sums.ok.at(-1)!;
  const errorBuckets = samples.err.flatMap((n, b) => (n > 0 ? [b] : []));
  const losses = events.filter(isDataLoss);
  return {
    detectionMs: worstOf(unplanned.map((f) => f.detectionMs)),
    switchMs: worstOf(unplanned.map((f) => f.switchMs)),
    timeToSwitchMs: worstOf(unplanned.map((f) => f.timeToSwitchMs)),
    rtoMs: worstOrNever(unplanned.map((f) => f.rtoMs)),
    firstSuccessMs: worstOf(unplanned.map((f) => f.firstSuccessMs)),
    failbackMs: worstOrNever(perFault.filter(needsFailback).map((f) => f.failbackMs)),
    downtimeMs: downtimeWithin(outages, 0, durationMs, durationMs),
    errorSpanMs: errorSpanOf(errorBuckets, samples.resolutionMs, 0, durationMs),
    errorCount,
    requestCount,
    errorRate: requestCount > 0 ? errorCount / requestCount : 0,
    lostWrites: losses.reduce((sum, e) => sum + Number(e.detail.writes), 0),
    rpoMs: Math.max(0, ...losses.map((e) => Number(e.detail.rpoMs))),
    writesUnavailableMs: longestOutageMs(writeOutages),
    replacementMs: worstOrNever(perFault.filter((_, i) => replaced[i]).map((f) => f.replacementMs)),
    resolutionMs: samples.resolutionMs,
    ...splitBrainsOf(events, durationMs),
    perFault,
  };
}

interface FaultContext {
  events: readonly RunEvent[];
  samples: SampleSeries;
  options: MeasureOptions;
  windows: readonly FaultWindow[];
  affected: ReadonlyArray<ReadonlySet<string>>;
  outages: readonly DownInterval[];
  incident: Incident;
  attribution: Attribution;
  taken: Set<string>;
  /** The write outages this fault caused. */
  writeOutages: readonly WriteOutage[];
}

function measureFault(w: FaultWindow, i: number, c: FaultContext): { figures: Omit<FaultMetrics, 'incident'>; causedReplacement: boolean } {
  const { events, samples, options, incident } = c;
  const affected = c.affected[i]!;
  const inj = w.injectedAtMs;
  const untilMs = activeUntilMs(w, options.durationMs);
  const sw = findSwitch(events, w, affected, untilMs);
  const detected = detectionOf(events, sw, inj, affected, options);
  const noticed = firstNoticed(events, inj, untilMs, affected, options.serversBehind);
  const recoveredAt = recoveredAtMs(c.outages, samples, inj, incident.untilMs);
  const firstSuccessAt = sw ? firstSuccessAtMs(samples, sw, inj) : null;
  const failbackFromMs = lastOverlappingRemoval(w, c.windows);
  const failedBack = failbackFromMs === null ? undefined : findFailback(events, affected, failbackFromMs);
  const replacement = replacementOf(events, affected, inj, untilMs, c.taken);
  const losses = lossesOf(events, i, incident, c.affected);
  const since = (atMs: number | null | undefined) => (atMs === null || atMs === undefined ? null : atMs - inj);
  return {
    causedReplacement: replacement !== null,
    figures: {
      ...w,
      detectedAtMs: detected?.atMs ?? null,
      detectedBy: detected?.by ?? null,
      detectedVia: detected?.via ?? null,
      firstNoticedBy: noticed?.by ?? null,
      firstNoticedMs: since(noticed?.atMs),
      switchedAtMs: sw?.atMs ?? null,
      switchedLayer: sw?.layer ?? null,
      recoveredAtMs: recoveredAt,
      firstSuccessAtMs: firstSuccessAt,
      failedBackAtMs: failedBack?.atMs ?? null,
      detectionMs: since(detected?.atMs),
      switchMs: sw && detected ? sw.atMs - detected.atMs : null,
      timeToSwitchMs: since(sw?.atMs),
      rtoMs: since(recoveredAt),
      firstSuccessMs: since(firstSuccessAt),
      failbackMs: failedBack && failbackFromMs !== null ? failedBack.atMs - failbackFromMs : null,
      downtimeMs: downtimeWithin(c.outages, inj, incident.untilMs, options.durationMs),
      errorSpanMs: errorSpanOf(c.attribution.errorBuckets, samples.resolutionMs, inj, options.durationMs),
      errorCount: c.attribution.errorCount,
      requestCount: c.attribution.requestCount,
      lostWrites: losses.reduce((sum, e) => sum + Number(e.detail.writes), 0),
      rpoMs: Math.max(0, ...losses.map((e) => Number(e.detail.rpoMs))),
      writesUnavailableMs: longestOutageMs(c.writeOutages),
      replacementMs: since(replacement?.healthyAtMs),
    },
  };
}

/**
 * The first request answered by the new path after the fault: a success on a server traffic was
 * switched to, in the first bucket that has one (not before the injection). When the samples name
 * none of those servers (a database writer behind the app servers), the first success after the switch.
 */
function firstSuccessAtMs(samples: SampleSeries, sw: Switch, injectedAtMs: number): number | null {
  const res = samples.resolutionMs;
  const series = sw.newPath.flatMap((s) => (samples.byServer[s] ? [samples.byServer[s].ok] : []));
  if (series.length === 0) {
    for (let b = bucketOf(samples, sw.atMs); b < samples.ok.length; b++) if (samples.ok[b]! > 0) return Math.max(sw.atMs, b * res);
    return null;
  }
  for (let b = bucketOf(samples, injectedAtMs); b < samples.ok.length; b++) {
    if (series.some((ok) => ok[b]! > 0)) return Math.max(injectedAtMs, b * res);
  }
  return null;
}

/** Data lost during the fault's incident: losses of its own servers, and the rest of the incident's for the fault that opened it. */
function lossesOf(events: readonly RunEvent[], i: number, incident: Incident, affected: ReadonlyArray<ReadonlySet<string>>): RunEvent[] {
  const opener = incident.faults[0] === i;
  return events.filter((e) => {
    if (!isDataLoss(e) || e.atMs < incident.startMs || e.atMs >= incident.untilMs) return false;
    const target = String(e.detail.target);
    const owner = incident.faults.find((j) => affected[j]!.has(target));
    return owner === undefined ? opener : owner === i;
  });
}

function isDataLoss(e: RunEvent): boolean {
  return e.component === 'db' && e.type === 'data.lost';
}

/** Failback applies once a fault is removed after traffic had left its target (or after planned maintenance). */
function needsFailback(f: FaultMetrics): boolean {
  return f.removedAtMs !== null && (f.switchedAtMs !== null || f.planned);
}

/** Largest of the figures that exist; null when none does. */
function worstOf(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

/** Largest value; null when there is none or when one of them never happened (where it should have). */
function worstOrNever(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return Math.max(...(values as number[]));
}

/** Each fault's servers plus the servers whose answers depend on them (apps writing to a faulted database). */
function withDependents(
  affected: ReadonlyArray<ReadonlySet<string>>,
  servers: readonly string[],
  dependsOn: MeasureOptions['dependsOn'],
): Array<ReadonlySet<string>> {
  if (!dependsOn) return [...affected];
  return affected.map((set) => new Set([...set, ...servers.filter((s) => [...set].some((on) => dependsOn(s, on)))]));
}
