import { ScenarioError } from '../errors.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.js';

/** Loads a scenario for a command, or prints why it is invalid (file:line:col per issue) and gives undefined: the command exits 2. */
export async function loadOrReport(file: string): Promise<LoadedScenario | undefined> {
  try {
    return await loadScenarioFile(file);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    process.stderr.write(err.message + '\n');
    return undefined;
  }
}
