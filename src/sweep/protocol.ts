import { ScenarioError, UsageError, type ScenarioIssue } from '../errors.js';
import type { SeedRow, ShrinkOutcome } from './runner.js';

/** What each worker is given once: the scenario text (parsed once per worker) and the swarm flag. */
export interface WorkerInit {
  file: string;
  text: string;
  swarm: boolean;
  /** The registered target that runs the seeds (a deterministic one). */
  target: string;
}

/** A job for a worker. */
export type Job = { id: number; kind: 'run'; seed: number } | { id: number; kind: 'shrink'; seed: number; maxAttempts: number };

/** An error as it crosses the thread boundary (classes do not survive structured cloning). */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  issues?: ScenarioIssue[];
}

/** A worker's answer to one job. */
export type Reply =
  | { id: number; ok: true; row: SeedRow }
  | { id: number; ok: true; shrink: ShrinkOutcome | null }
  | { id: number; ok: false; error: WireError };

export function toWire(err: unknown): WireError {
  if (err instanceof ScenarioError) return { name: err.name, message: err.message, issues: err.issues };
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds the typed error, so the CLI maps it to the same exit code as in a single thread. */
export function fromWire(wire: WireError): Error {
  if (wire.issues) return new ScenarioError(wire.issues);
  if (wire.name === 'UsageError') return new UsageError(wire.message);
  const err = new Error(wire.message);
  err.name = wire.name;
  if (wire.stack) err.stack = wire.stack;
  return err;
}
