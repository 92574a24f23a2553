import type { HistoryEntry } from '../history/history.js';
import type { RunEvent } from '../measure/events.js';
import type { Progress } from '../run/progress.js';
import type { RunResult } from '../run/result.js';

/** What a reporter knows when a run starts. */
export interface RunStart {
  file: string;
  scenario: string;
  seed: number;
  target: string;
  outDir: string;
  /** Wall-clock start, ISO 8601 UTC. Never part of result.json. */
  startedAt?: string;
}

/**
 * What a run knows beyond its deterministic result: wall-clock facts, provenance and history. Every
 * field is optional, so a result re-rendered later (`faildrill report`) passes what it can recover.
 */
export interface RunContext {
  /** The scenario file as given on the command line. */
  file?: string;
  /** Wall-clock start, ISO 8601 UTC. */
  startedAt?: string;
  /** Wall-clock duration of the run (load, faults, measurement), milliseconds. */
  wallMs?: number;
  /** Git commit that last changed the scenario file. */
  scenarioCommit?: string;
  /** Earlier runs of the same scenario hash on the same target, oldest first, for the trend. */
  previousRuns?: HistoryEntry[];
  /** Fraction by which a timing must exceed the earlier runs' median to be called a regression. */
  regressionThreshold?: number;
  /** Tool versions (node, faildrill, platform; real targets add theirs). */
  tools?: Record<string, string>;
  /** Endpoints a real target talked to, by name. */
  endpoints?: Record<string, string>;
}

/**
 * A reporter consumes the run: its start, each event as it happens, progress snapshots, and the
 * finished result. Every hook is optional.
 */
export interface Reporter {
  onRunStart?(start: RunStart): void;
  onEvent?(event: RunEvent): void;
  onProgress?(progress: Progress): void;
  /** Called once with the measured result; may write files into `outDir`. */
  onRunEnd?(result: RunResult, outDir: string, context?: RunContext): void | Promise<void>;
}
