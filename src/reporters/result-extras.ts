import type { InvariantResult } from '../measure/invariants.js';
import type { RunResult } from '../run/result.js';

export type { InvariantResult };

/**
 * Optional parts of a result that newer layers add (invariants from the simulator, database figures).
 * Reporters read them through these guards so a result without them renders as before.
 */

/** Recovery point figures of a database layer. */
export interface RpoFigures {
  /** Writes acknowledged before the failover and missing after it. */
  lostWrites: number | null;
  /** The time span the lost writes cover (worst failover). */
  lagMs: number | null;
}

/** The result's invariants; empty when it carries none. */
export function invariantsOf(result: RunResult): InvariantResult[] {
  const value: unknown = (result as { invariants?: unknown }).invariants;
  if (!Array.isArray(value)) return [];
  return value.filter(
    (v): v is InvariantResult =>
      v !== null && typeof v === 'object' && typeof (v as InvariantResult).name === 'string' && typeof (v as InvariantResult).pass === 'boolean',
  );
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** RPO figures when a database took part (a `db` event or an `rpo`/`lostWrites` expectation); undefined otherwise. */
export function rpoOf(result: RunResult): RpoFigures | undefined {
  const m = result.metrics as unknown as Record<string, unknown>;
  const hasExpectation = result.expectations.some((e) => ['rpo', 'lostWrites'].includes(String(e.name)));
  const hasDatabase = result.events.some((e) => e.component === 'db');
  if (!hasDatabase && !hasExpectation) return undefined;
  return { lostWrites: numberOrNull(m.lostWrites), lagMs: numberOrNull(m.rpoMs) };
}
