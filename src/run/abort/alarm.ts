import type { RunEvent } from '../../measure/events.js';
import { alarmNameOf } from '../../scenario/abort-schema.js';
import type { StopCondition, Trip } from './condition.js';

/**
 * `abort.alarms` (aws target): a CloudWatch alarm in ALARM, as an AWS FIS stop condition. The aws
 * session reads the alarms' states through DescribeAlarms as the run goes and logs each change as a
 * `cloudwatch`/`alarm` event; this condition trips on the first that says ALARM.
 */
export class AlarmCondition implements StopCondition {
  readonly name = 'alarms';
  readonly #names: Map<string, string>;

  constructor(alarms: readonly string[]) {
    this.#names = new Map(alarms.map((a) => [alarmNameOf(a), a]));
  }

  observe(event: RunEvent): Trip | undefined {
    if (event.component !== 'cloudwatch' || event.type !== 'alarm' || event.detail.state !== 'ALARM') return undefined;
    const written = this.#names.get(String(event.detail.alarm));
    if (written === undefined) return undefined;
    const reason = event.detail.reason ? `: ${String(event.detail.reason)}` : '';
    return { condition: this.name, limit: `${written} in ALARM`, actual: 'ALARM', message: `CloudWatch alarm ${String(event.detail.alarm)} is in ALARM${reason}` };
  }
}
