import type { Target } from '../../run/target.js';
import { simCapabilities } from './capabilities.js';
import { describeSim } from './describe.js';
import { SimSession } from './session.js';

/** The deterministic in-memory simulator: the default target. Needs nothing from the machine. */
export const simTarget: Target = {
  name: 'sim',
  description: 'deterministic in-memory simulator, virtual clock',
  capabilities: simCapabilities,
  deterministic: true,
  preflight: async () => [],
  open: async (scenario, { seed }) => new SimSession(scenario, seed),
  describe: async (scenario) => describeSim(scenario),
};
