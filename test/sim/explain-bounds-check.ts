import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkFault } from '../../src/explain/check.js';
import { explainScenario } from '../../src/explain/explain.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { repoRoot } from '../helpers/cli.js';
import { simulateFile } from '../helpers/sim.js';

/** Every shipped scenario file (the host-* and aws-* ones run on the simulator too). */
export const SHIPPED = readdirSync(join(repoRoot, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(repoRoot, 'scenarios', f));

/** Seeds per scenario (issue 13: 200). */
export const SEEDS = 200;

/**
 * Runs `file` on the simulator for seeds 1..SEEDS and checks every fault's figures against the
 * bounds `explain` derives from the file alone; returns how many figures it compared.
 */
export async function checkShipped(file: string): Promise<number> {
  const { scenario } = await loadScenarioFile(file);
  const explanations = explainScenario(scenario);
  // a bound that says nothing could not fail: every shipped fault has finite bounds where it has a value
  for (const e of explanations) {
    for (const b of e.bounds) if (b.occurs === 'always') expect(b.window?.max, `${file} ${e.faultId} ${b.figure}`).not.toBeNull();
  }
  const outside: string[] = [];
  let compared = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { result } = await simulateFile(file, seed);
    expect(result.metrics.perFault.map((f) => f.faultId).sort()).toEqual(explanations.map((e) => e.faultId).sort());
    for (const f of result.metrics.perFault) {
      const e = explanations.find((x) => x.faultId === f.faultId)!;
      for (const c of checkFault(e, f)) {
        compared++;
        if (!c.inside) outside.push(`seed ${seed} ${f.faultId} ${c.figure}: ${c.measured} not in ${c.occurs} [${c.minMs}, ${c.maxMs}]`);
      }
    }
    const splitBrains = explanations.flatMap((e) => e.bounds.filter((b) => b.figure === 'splitBrain' && b.window));
    if (explanations.length === 1 && splitBrains.length === 1) {
      const { min, max } = splitBrains[0]!.window!;
      compared++;
      if (result.metrics.splitBrainMs < min.ms - 1e-6 || result.metrics.splitBrainMs > max!.ms + 1e-6)
        outside.push(`seed ${seed} splitBrain: ${result.metrics.splitBrainMs} not in [${min.ms}, ${max!.ms}]`);
    }
  }
  expect(outside).toEqual([]);
  return compared;
}
