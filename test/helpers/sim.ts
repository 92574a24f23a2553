import { runSimDrill } from '../../src/run/drill.js';
import { buildResult, type RunResult } from '../../src/run/result.js';
import { parseScenario, loadScenarioFile } from '../../src/scenario/load.js';
import type { DrillRecord } from '../../src/run/drill.js';

/** Runs scenario text on the simulator in-process and measures it. */
export async function simulate(yamlText: string, seed?: number): Promise<{ result: RunResult; record: DrillRecord }> {
  const loaded = parseScenario(yamlText, 'inline.yaml');
  const record = await runSimDrill(loaded.scenario, { seed: seed ?? loaded.scenario.seed });
  return { result: buildResult(loaded, record), record };
}

/** Runs a scenario file on the simulator in-process and measures it. */
export async function simulateFile(file: string, seed?: number): Promise<{ result: RunResult; record: DrillRecord }> {
  const loaded = await loadScenarioFile(file);
  const record = await runSimDrill(loaded.scenario, { seed: seed ?? loaded.scenario.seed });
  return { result: buildResult(loaded, record), record };
}
