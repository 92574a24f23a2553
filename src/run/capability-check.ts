import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { formatPath, type LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { notifyProblems } from '../notify/check.js';
import { abortProblems } from './abort/registry.js';
import { faultAbility, LAYER_KEYS, LAYER_TITLES, type Ability, type CapabilityProblem, type TargetCapabilities } from './capabilities.js';


function lacking(what: string, ability: Ability, targetName: string): string {
  const where = `the ${targetName} target`;
  return ability.support === 'planned' ? `${what} is not available on ${where} yet (planned: ${ability.how})` : `${what} is not available on ${where}`;
}

function kindLacking(kind: string, kinds: readonly string[], targetName: string): string {
  return `${kind} is not available on the ${targetName} target, which runs ${kinds.join(' or ')}; set kind: ${kinds.join(' or ')}`;
}

/** Everything `scenario` needs that the target cannot do: layers, faults, operations, and the target's own limits. */
export function capabilityProblems(capabilities: TargetCapabilities, targetName: string, scenario: Scenario): CapabilityProblem[] {
  const problems: CapabilityProblem[] = [];
  for (const layer of LAYER_KEYS) {
    const ability = capabilities.layers[layer];
    const declared = scenario.setup[layer];
    if (declared !== undefined && ability.support !== 'yes')
      problems.push({ path: ['setup', layer], message: lacking(`layer setup.${layer} (${LAYER_TITLES[layer]})`, ability, targetName) });
    else if (declared !== undefined && 'kind' in declared && ability.kinds && !ability.kinds.includes(declared.kind))
      problems.push({ path: ['setup', layer, 'kind'], message: kindLacking(declared.kind, ability.kinds, targetName) });
  }
  scenario.faults.forEach((fault, i) => {
    const ability = faultAbility(capabilities, fault.action);
    if (ability.support === 'yes') return;
    const supported = Object.entries(capabilities.faults).filter(([, a]) => a.support === 'yes').map(([action]) => action);
    problems.push({
      path: ['faults', i, 'action'],
      message: `${lacking(`fault '${fault.action}'`, ability, targetName)}; it applies ${supported.join(', ') || 'no faults'}`,
    });
  });
  if (capabilities.operations.support !== 'yes')
    scenario.operations.forEach((op, i) => problems.push({ path: ['operations', i, 'action'], message: lacking(`operation '${op.action}'`, capabilities.operations, targetName) }));
  problems.push(...(capabilities.limits?.(scenario) ?? []));
  problems.push(...notifyProblems(capabilities, targetName, scenario));
  problems.push(...abortProblems(targetName, scenario));
  return problems;
}

/** Throws a {@link ScenarioError} (exit 2) naming file:line:col, the field and the target for each problem. */
export function assertRunnable(capabilities: TargetCapabilities, targetName: string, loaded: LoadedScenario): void {
  const problems = capabilityProblems(capabilities, targetName, loaded.scenario);
  if (problems.length === 0) return;
  const issues: ScenarioIssue[] = problems.map((p) => ({ file: loaded.file, ...loaded.positionOf(p.path), path: formatPath(p.path), message: p.message }));
  throw new ScenarioError(issues);
}
