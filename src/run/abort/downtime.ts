import { formatValue } from '../../measure/expectations.js';
import { durationText } from '../../scenario/duration.js';
import { holds, type Limit } from '../../scenario/limit.js';
import { TotalsWindow, type LoadTotals, type StopCondition, type Trip } from './condition.js';

/**
 * `abort.downtime`: downtime so far, by measurement's rule (design.md §4: time in which the clients'
 * success ratio over the recovery window was below the recovery threshold), accumulated check by check,
 * so its resolution is the check interval.
 */
export class DowntimeCondition implements StopCondition {
  readonly name = 'downtime';
  readonly #window: TotalsWindow;
  readonly #successRatio: number;
  #downMs = 0;
  #lastAtMs = 0;

  constructor(
    private readonly limit: Limit,
    recovery: { windowMs: number; successRatio: number },
  ) {
    this.#window = new TotalsWindow(recovery.windowMs);
    this.#successRatio = recovery.successRatio;
  }

  check(totals: LoadTotals): Trip | undefined {
    this.#window.push(totals);
    const stepMs = totals.atMs - this.#lastAtMs;
    this.#lastAtMs = totals.atMs;
    const { ok, total } = this.#window.delta();
    if (total > 0 && ok / total < this.#successRatio) this.#downMs += stepMs;
    if (!holds(this.limit, this.#downMs)) return undefined;
    return {
      condition: this.name,
      limit: this.limit.text,
      actual: formatValue('ms', this.#downMs),
      message: `downtime ${formatValue('ms', this.#downMs)} (success below ${formatValue('ratio', this.#successRatio)} over ${durationText(this.#window.windowMs)} windows), limit ${this.limit.text}`,
    };
  }
}
