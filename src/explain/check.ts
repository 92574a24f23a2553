import type { FaultMetrics } from '../measure/figures.js';
import type { Bound, FaultExplanation, Figure, Occurrence } from './types.js';

/** A measured figure set against its bound. */
export interface BoundCheck {
  figure: Figure;
  occurs: Occurrence;
  minMs: number | null;
  /** null: no upper bound (or the figure never happens). */
  maxMs: number | null;
  measured: number | null;
  inside: boolean;
}

/** The per-fault figures that have a bound (split brain is the run's, not a fault's). */
const MEASURED: Partial<Record<Figure, (f: FaultMetrics) => number | null>> = {
  detection: (f) => f.detectionMs,
  switch: (f) => f.switchMs,
  timeToSwitch: (f) => f.timeToSwitchMs,
  rto: (f) => f.rtoMs,
  failback: (f) => f.failbackMs,
  replacement: (f) => f.replacementMs,
  rpo: (f) => f.rpoMs,
};

/**
 * Figures are held against their bounds to the millisecond, as they are printed: a real target
 * stamps two events of one observation (nginx's verdict and the route change it implies) a fraction
 * of a millisecond apart, and the simulator's event times and bucket edges differ in the last bits.
 */
export const EPSILON_MS = 0.5;

/** Whether `measured` lies inside `bound`: null when it may not happen, a value within [min, max] when it may. */
export function inside(bound: Bound, measured: number | null): boolean {
  if (measured === null) return bound.occurs !== 'always';
  if (bound.occurs === 'never' || !bound.window) return false;
  const { min, max } = bound.window;
  return measured >= min.ms - EPSILON_MS && (max === null || measured <= max.ms + EPSILON_MS);
}

/** Every bounded figure of one fault against what the run measured. */
export function checkFault(explanation: FaultExplanation, measured: FaultMetrics): BoundCheck[] {
  return explanation.bounds.flatMap((b) => {
    const read = MEASURED[b.figure];
    if (!read) return [];
    const value = read(measured);
    return [
      {
        figure: b.figure,
        occurs: b.occurs,
        minMs: b.window?.min.ms ?? null,
        maxMs: b.window?.max?.ms ?? null,
        measured: value,
        inside: inside(b, value),
      },
    ];
  });
}
