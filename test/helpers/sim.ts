import { buildResult, type RunResult } from '../../src/run/result.js';
import { runDrill, type DrillRecord } from '../../src/run/runner.js';
import { parseScenario, loadScenarioFile } from '../../src/scenario/load.js';
import { simTarget } from '../../src/targets/sim/target.js';

/** Runs scenario text on the simulator in-process and measures it. */
export async function simulate(yamlText: string, seed?: number): Promise<{ result: RunResult; record: DrillRecord }> {
  const loaded = parseScenario(yamlText, 'inline.yaml');
  const record = await runDrill(simTarget, loaded.scenario, { seed: seed ?? loaded.scenario.seed });
  return { result: buildResult(loaded, record), record };
}

/** Runs a scenario file on the simulator in-process and measures it. */
export async function simulateFile(file: string, seed?: number): Promise<{ result: RunResult; record: DrillRecord }> {
  const loaded = await loadScenarioFile(file);
  const record = await runDrill(simTarget, loaded.scenario, { seed: seed ?? loaded.scenario.seed });
  return { result: buildResult(loaded, record), record };
}
