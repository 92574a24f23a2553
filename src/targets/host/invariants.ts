import { everyFaultRemoved, singleVipHolder, type InvariantResult } from '../../measure/invariants.js';
import type { RunEvent } from '../../measure/events.js';
import type { Scenario } from '../../scenario/schema.js';
import type { TeardownReport } from './teardown.js';

/**
 * Invariants over a host run's log: one VIP holder (unless split brain is what the scenario
 * expects), every fault removed.
 */
export function runInvariants(scenario: Scenario, log: readonly RunEvent[]): InvariantResult[] {
  const splitBrainJudged = scenario.setup.vip !== undefined && scenario.expect.splitBrain === undefined;
  return [...(splitBrainJudged ? [singleVipHolder(log)] : []), everyFaultRemoved(log)];
}

/** Nothing of the run is left on the machine: no namespace with its tag, no teardown error. */
export function nothingLeftBehind(teardown: TeardownReport, namespacesLeft: readonly string[]): InvariantResult {
  const left = [...namespacesLeft, ...teardown.errors];
  return left.length === 0
    ? { name: 'nothing-left-behind', pass: true, message: `removed ${teardown.namespaces.length} namespaces and ${teardown.processes.length} processes` }
    : { name: 'nothing-left-behind', pass: false, message: `left: ${left.join('; ')}` };
}
