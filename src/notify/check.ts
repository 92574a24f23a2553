import type { CapabilityProblem, TargetCapabilities } from '../run/capabilities.js';
import type { Scenario } from '../scenario/schema.js';

/**
 * What `notify:` asks of a target that it cannot give: an `sns` entry without `topicArn` where the
 * target has no topic of its own. Targets that deliver nothing (the simulator) ask nothing.
 */
export function notifyProblems(capabilities: TargetCapabilities, targetName: string, scenario: Pick<Scenario, 'notify'>): CapabilityProblem[] {
  const ability = capabilities.notify;
  if (ability?.support !== 'yes') return [];
  const problems: CapabilityProblem[] = [];
  scenario.notify.forEach((spec, i) => {
    if (spec.type === 'sns' && spec.topicArn === undefined && !ability.defaults?.includes('sns'))
      problems.push({ path: ['notify', i, 'type'], message: `sns needs topicArn on the ${targetName} target (only the aws target has a topic of its own)` });
  });
  return problems;
}
