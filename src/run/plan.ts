import type { FaultSpec } from '../scenario/schema.js';

/** A fault as a target would apply it: the exact commands or API calls, and those of its undo. */
export interface FaultPlan {
  apply: string[];
  undo: string[];
}

/**
 * What a target would do for a scenario, worked out without doing any of it (`faildrill run
 * --dry-run`). Each target builds it from the same code that applies faults, so the plan names the
 * commands a run would run.
 */
export interface TargetPlan {
  /** What setup would create and start, one line each. */
  setup: string[];
  /** What applying `fault` would run, and its undo. */
  fault(fault: FaultSpec): FaultPlan;
  /** Anything the reader should know: names drawn per run, calls whose inputs are only known then. */
  notes: string[];
}
