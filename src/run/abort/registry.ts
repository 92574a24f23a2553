import type { CapabilityProblem } from '../capabilities.js';
import type { AbortSpec, Scenario } from '../../scenario/schema.js';
import type { TargetName } from '../target.js';
import { AlarmCondition } from './alarm.js';
import type { StopCondition } from './condition.js';
import { DowntimeCondition } from './downtime.js';
import { ErrorRateCondition } from './error-rate.js';
import { ProbeFailingCondition } from './probe-failing.js';

/** A kind of stop condition: the targets that can evaluate it, and how to build it from the scenario. */
interface StopConditionKind {
  /** Targets that evaluate it; absent: every target. */
  targets?: readonly TargetName[];
  /** Whether the scenario's `abort:` asks for it. */
  wanted(abort: AbortSpec): boolean;
  create(abort: AbortSpec, scenario: Scenario): StopCondition;
}

/** Every stop condition, by its key under `abort:`. */
export const StopConditionsMap = {
  errorRate: {
    wanted: (a) => a.errorRate !== undefined,
    create: (a) => new ErrorRateCondition(a.errorRate!, a.windowMs),
  },
  downtime: {
    wanted: (a) => a.downtime !== undefined,
    create: (a, s) => new DowntimeCondition(a.downtime!, s.measure.recovery),
  },
  probeFailing: {
    wanted: (a) => a.probeFailing !== undefined,
    create: (a) => new ProbeFailingCondition(a.probeFailing!),
  },
  alarms: {
    // CloudWatch alarms live in the AWS account (or emulator) the aws target drills
    targets: ['aws'],
    wanted: (a) => a.alarms.length > 0,
    create: (a) => new AlarmCondition(a.alarms),
  },
} satisfies Record<string, StopConditionKind>;

const kinds = (): Array<[string, StopConditionKind]> => Object.entries(StopConditionsMap);

/** The stop conditions the scenario's `abort:` asks for (none without `abort:`). */
export function stopConditionsOf(scenario: Scenario): StopCondition[] {
  const abort = scenario.abort;
  if (!abort) return [];
  return kinds()
    .filter(([, kind]) => kind.wanted(abort))
    .map(([, kind]) => kind.create(abort, scenario));
}

/** Stop conditions the target cannot evaluate: exit 2 naming `abort.<key>` and the target. */
export function abortProblems(targetName: string, scenario: Scenario): CapabilityProblem[] {
  const abort = scenario.abort;
  if (!abort) return [];
  return kinds()
    .filter(([, kind]) => kind.wanted(abort) && kind.targets !== undefined && !(kind.targets as readonly string[]).includes(targetName))
    .map(([key, kind]) => ({
      path: ['abort', key],
      message: `stop condition abort.${key} is not available on the ${targetName} target (only on ${kind.targets!.join(', ')})`,
    }));
}
