import { ScenarioError } from '../errors.js';
import { runDrill } from '../run/runner.js';
import type { Target } from '../run/target.js';
import { buildResult, type RunResult } from '../run/result.js';
import type { LoadedScenario } from '../scenario/load.js';
import { applySchedule, scheduleOf } from './schedule-doc.js';
import { documentText, validateDocument, type ScenarioDocument, type ScenarioSource } from './scenario-doc.js';
import { DEFAULT_MAX_ATTEMPTS, shrinkSchedule, type ScheduleSize } from './shrink.js';
import { applySwarm, type DrawnValues } from './swarm.js';

/** One seed's outcome, compact enough to ship between threads and keep for a thousand seeds. */
export interface SeedRow {
  seed: number;
  verdict: 'pass' | 'fail';
  detectionMs: number | null;
  switchMs: number | null;
  rtoMs: number | null;
  failbackMs: number | null;
  errorCount: number;
  requestCount: number;
  /** Time with two VIP holders, and acknowledged writes lost at failovers. */
  splitBrainMs: number;
  lostWrites: number;
  /** Messages of the expectations it missed and the invariants it broke. */
  failed: string[];
  /** How it failed, for shrinking: the first missed expectation and whether it was exceeded or never happened. */
  failure: string | null;
  /** With --swarm: the values drawn for this seed. */
  drawn?: DrawnValues;
}

/** A failing seed's schedule shrunk to the smallest that still fails the same way. */
export interface ShrinkOutcome {
  seed: number;
  failure: string;
  /** The complete scenario with the shrunk `faults` and `operations`. */
  yaml: string;
  faults: { before: number; after: number };
  operations: { before: number; after: number };
  originalSize: ScheduleSize;
  size: ScheduleSize;
  attempts: number;
  steps: number;
  /** The attempt budget ran out before a fixpoint: smaller may exist. */
  exhausted: boolean;
}

/** The scenario one seed runs: the file as written, or its swarm draw for that seed. */
interface SeedScenario {
  loaded: LoadedScenario;
  doc: ScenarioDocument;
  drawn?: DrawnValues;
}

/** `rto:exceeded`, `detection:never`, or `run:failed` when no expectation names the failure. */
export function failureOf(result: RunResult): string | null {
  if (result.verdict === 'pass') return null;
  if (result.stop) return `${result.stop.verdict}:${result.stop.condition}`;
  const first = result.expectations.find((e) => !e.pass);
  return first ? `${first.name}:${first.actual === null ? 'never' : 'exceeded'}` : 'run:failed';
}

function rowOf(result: RunResult, drawn: DrawnValues | undefined): SeedRow {
  const m = result.metrics;
  return {
    seed: result.seed,
    // a stopped seed did not pass: sweeps count it with the failures
    verdict: result.verdict === 'pass' ? 'pass' : 'fail',
    detectionMs: m.detectionMs,
    switchMs: m.switchMs,
    rtoMs: m.rtoMs,
    failbackMs: m.failbackMs,
    errorCount: m.errorCount,
    requestCount: m.requestCount,
    splitBrainMs: m.splitBrainMs,
    lostWrites: m.lostWrites,
    failed: [
      ...result.expectations.filter((e) => !e.pass).map((e) => e.message),
      ...result.invariants.filter((i) => !i.pass).map((i) => `invariant ${i.name}: ${i.message}`),
    ],
    failure: failureOf(result),
    ...(drawn ? { drawn } : {}),
  };
}

/** Runs seeds of one scenario on a deterministic target, in whatever thread holds it; parses the scenario once. */
export class SeedRunner {
  constructor(
    readonly source: ScenarioSource,
    readonly swarm: boolean,
    readonly target: Target,
  ) {}

  #scenarioFor(seed: number): SeedScenario {
    if (!this.swarm) return { loaded: this.source.loaded, doc: this.source.doc };
    const draw = applySwarm(this.source, seed);
    return { loaded: draw.loaded, doc: draw.doc, drawn: draw.drawn };
  }

  async #result(loaded: LoadedScenario, seed: number): Promise<RunResult> {
    return buildResult(loaded, await runDrill(this.target, loaded.scenario, { seed }));
  }

  /** Runs one seed and keeps only its figures. */
  async run(seed: number): Promise<SeedRow> {
    const { loaded, drawn } = this.#scenarioFor(seed);
    return rowOf(await this.#result(loaded, seed), drawn);
  }

  /** Shrinks the schedule of a failing seed; undefined when the seed passes. */
  async shrink(seed: number, maxAttempts = DEFAULT_MAX_ATTEMPTS): Promise<ShrinkOutcome | undefined> {
    const base = this.#scenarioFor(seed);
    const failure = failureOf(await this.#result(base.loaded, seed));
    if (failure === null) return undefined;
    const original = scheduleOf(base.loaded.scenario);
    const file = `${this.source.file} (shrinking seed ${seed})`;
    const result = await shrinkSchedule(
      original,
      async (candidate) => {
        let loaded: LoadedScenario;
        try {
          loaded = validateDocument(applySchedule(base.doc, candidate, original), file);
        } catch (err) {
          if (err instanceof ScenarioError) return false;
          throw err;
        }
        return failureOf(await this.#result(loaded, seed)) === failure;
      },
      { runMs: base.loaded.scenario.durationMs, maxAttempts },
    );
    const count = (kind: 'fault' | 'operation', items: { kind: string }[]) => items.filter((i) => i.kind === kind).length;
    return {
      seed,
      failure,
      yaml: documentText(applySchedule(base.doc, result.schedule, original)),
      faults: { before: count('fault', original.items), after: count('fault', result.schedule.items) },
      operations: { before: count('operation', original.items), after: count('operation', result.schedule.items) },
      originalSize: result.originalSize,
      size: result.size,
      attempts: result.attempts,
      steps: result.steps,
      exhausted: result.exhausted,
    };
  }
}
