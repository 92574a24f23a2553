import type { FailoverEvent } from '../controller/controller.js';
import type { TargetName } from './target.js';
import { checkExpectations, type ExpectationResult } from '../measure/expectations.js';
import type { RunEvent } from '../measure/events.js';
import { measure, type RunMetrics } from '../measure/metrics.js';
import { explainScenario } from '../explain/explain.js';
import { faultBounds, outsideText } from '../explain/record.js';
import type { SampleSeries } from '../measure/samples.js';
import type { LoadedScenario } from '../scenario/load.js';
import { dependsOnDatabase, serversBehind } from './controller-config.js';
import type { DrillRecord } from './runner.js';
import type { StopRecord } from './abort/stop-watch.js';
import type { InvariantResult } from '../measure/invariants.js';
import { version } from './version.js';

export const RESULT_SCHEMA_VERSION = 1;
/** Most points the timeline keeps; finer samples are merged, so a one-hour run stays small. */
export const TIMELINE_MAX_POINTS = 1_200;

/** Client samples merged to at most {@link TIMELINE_MAX_POINTS} buckets, as arrays (compact JSON). */
export interface Timeline {
  bucketMs: number;
  ok: number[];
  err: number[];
  p50Ms: number[];
  p99Ms: number[];
}

/**
 * pass: every expectation and invariant holds; fail: one does not; aborted: a stop condition of
 * `abort:` tripped; halted: the kill switch (`faildrill halt`) stopped the run.
 */
export type Verdict = 'pass' | 'fail' | 'aborted' | 'halted';

/**
 * Everything one run produced: `result.json`. It holds no wall-clock time, so the same scenario and
 * seed give the same bytes.
 */
export interface RunResult {
  schemaVersion: number;
  faildrill: { version: string };
  scenario: { name: string; description: string; file: string; hash: string };
  target: TargetName;
  seed: number;
  durationMs: number;
  verdict: Verdict;
  /** Why the run stopped early (verdict aborted or halted): the condition, its limit, what tripped it, when, and when the run ended. */
  stop?: StopRecord;
  metrics: RunMetrics;
  expectations: ExpectationResult[];
  /** Invariants of the run (at most one VIP holder, DNS answers healthy after TTL, faults removed, …). */
  invariants: InvariantResult[];
  failovers: FailoverEvent[];
  timeline: Timeline;
  events: RunEvent[];
  /** The scenario as it ran: the normalized YAML document (deterministic, like the rest). */
  scenarioYaml?: string;
}

/** Measures a drill and checks its expectations. */
export function buildResult(loaded: LoadedScenario, record: DrillRecord): RunResult {
  const { scenario } = loaded;
  const metrics = measure(record.events, record.samples, {
    durationMs: record.durationMs,
    recovery: scenario.measure.recovery,
    serversBehind: (endpoint) => serversBehind(scenario, endpoint),
    layerModes: scenario.controller.layers,
    dependsOn: (server, on) => dependsOnDatabase(scenario, server, on),
  });
  const expectations = checkExpectations(scenario.expect, metrics);
  const outside = setBounds(scenario, metrics);
  if (scenario.expect.withinBounds) expectations.push(withinBoundsResult(outside));
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    faildrill: { version },
    scenario: { name: scenario.name, description: scenario.description, file: loaded.file, hash: loaded.hash },
    target: record.target,
    seed: record.seed,
    durationMs: record.durationMs,
    verdict: record.stop ? record.stop.verdict : expectations.every((e) => e.pass) && record.invariants.every((i) => i.pass) ? 'pass' : 'fail',
    ...(record.stop ? { stop: record.stop } : {}),
    metrics,
    expectations,
    invariants: record.invariants,
    failovers: record.failovers.map((f) => ({ ...f })),
    timeline: timelineOf(record.samples),
    events: record.events,
    scenarioYaml: loaded.normalizedYaml,
  };
}

/** Explanations depend on the scenario alone: a sweep builds one result per seed from the same scenario object. */
const explained = new WeakMap<LoadedScenario['scenario'], ReturnType<typeof explainScenario>>();

function explanationsOf(scenario: LoadedScenario['scenario']): ReturnType<typeof explainScenario> {
  let explanations = explained.get(scenario);
  if (!explanations) explained.set(scenario, (explanations = explainScenario(scenario)));
  return explanations;
}

/** Sets each fault's bounds (`faildrill explain`) beside its figures; returns the figures outside them. */
function setBounds(scenario: LoadedScenario['scenario'], metrics: RunMetrics): string[] {
  const explanations = explanationsOf(scenario);
  const outside: string[] = [];
  for (const f of metrics.perFault) {
    const explanation = explanations.find((e) => e.faultId === f.faultId);
    if (!explanation) continue;
    f.bounds = faultBounds(explanation, f);
    for (const figure of f.bounds.figures.filter((x) => x.inside === false)) outside.push(`${f.faultId} ${outsideText(figure)}`);
  }
  return outside;
}

/** `expect.withinBounds: true`: the run fails when a figure lies outside its bound. */
function withinBoundsResult(outside: readonly string[]): ExpectationResult {
  const pass = outside.length === 0;
  return {
    name: 'withinBounds',
    limit: 'true',
    unit: 'count',
    actual: outside.length,
    pass,
    message: pass ? 'every figure within the bounds its configuration implies' : `${outside.length} figure${outside.length === 1 ? '' : 's'} outside the configuration's bounds: ${outside.join('; ')}`,
  };
}

/** Merges sample buckets by a whole factor so that at most {@link TIMELINE_MAX_POINTS} remain. */
export function timelineOf(samples: SampleSeries): Timeline {
  const factor = Math.max(1, Math.ceil(samples.ok.length / TIMELINE_MAX_POINTS));
  const timeline: Timeline = { bucketMs: samples.resolutionMs * factor, ok: [], err: [], p50Ms: [], p99Ms: [] };
  for (let start = 0; start < samples.ok.length; start += factor) {
    const end = Math.min(samples.ok.length, start + factor);
    let ok = 0;
    let err = 0;
    let p50 = 0;
    let p99 = 0;
    for (let i = start; i < end; i++) {
      ok += samples.ok[i]!;
      err += samples.err[i]!;
      p50 = Math.max(p50, samples.p50Ms[i]!);
      p99 = Math.max(p99, samples.p99Ms[i]!);
    }
    timeline.ok.push(ok);
    timeline.err.push(err);
    timeline.p50Ms.push(p50);
    timeline.p99Ms.push(p99);
  }
  return timeline;
}
