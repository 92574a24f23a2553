import type { Target } from '../../run/target.js';
import { hostCapabilities } from './capabilities.js';
import { describeHost } from './describe.js';
import { missingForHost } from './preflight.js';
import { HostSession } from './session.js';
import { cleanupHost } from './teardown.js';

/**
 * This machine: real keepalived, nginx, app servers and iptables in network namespaces, on the wall
 * clock. Needs root and the tools {@link missingForHost} names; `faildrill cleanup` undoes killed runs.
 */
export const hostTarget: Target = {
  name: 'host',
  description: 'real processes in network namespaces on this machine (keepalived, nginx, iptables), wall clock',
  capabilities: hostCapabilities,
  deterministic: false,
  preflight: async (scenario) => missingForHost(scenario),
  open: (scenario, options) => HostSession.open(scenario, options),
  describe: async (scenario, { seed }) => describeHost(scenario, seed),
  cleanup: async ({ force, run }) => {
    const report = await cleanupHost({ force, ...(run !== undefined ? { run } : {}) });
    return {
      removed: [
        { kind: 'iptables rules', items: report.rules },
        { kind: 'processes', items: report.processes },
        { kind: 'network namespaces', items: report.namespaces },
        { kind: 'files', items: report.files },
      ],
      skipped: (report.skipped ?? []).map((run) => `${run}: its run is still going (--force to remove it anyway)`),
      errors: report.errors,
    };
  },
};
