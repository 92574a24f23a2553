import type { RunEvent } from '../measure/events.js';
import type { Progress } from '../run/drill.js';
import type { RunResult } from '../run/result.js';

/** What a reporter knows when a run starts. */
export interface RunStart {
  file: string;
  scenario: string;
  seed: number;
  target: string;
  outDir: string;
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
  onRunEnd?(result: RunResult, outDir: string): void | Promise<void>;
}
