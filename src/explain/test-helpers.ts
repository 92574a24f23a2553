import { parseScenario } from '../scenario/load.js';
import { explainScenario } from './explain.js';
import type { Bound, FaultExplanation, Figure } from './types.js';

/** The explanation of the first fault of a scenario written inline (tests). */
export function explainFirst(yaml: string): FaultExplanation {
  return explainScenario(parseScenario(yaml, 'test.yaml').scenario)[0]!;
}

/** One figure's bound: [min, max] in ms (max null: unbounded), or 'never'. */
export function range(e: FaultExplanation, figure: Figure): [number, number | null] | 'never' {
  const b: Bound | undefined = e.bounds.find((x) => x.figure === figure);
  if (!b || b.occurs === 'never' || !b.window) return 'never';
  return [b.window.min.ms, b.window.max?.ms ?? null];
}
