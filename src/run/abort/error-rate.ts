import { formatValue } from '../../measure/expectations.js';
import { durationText } from '../../scenario/duration.js';
import { holds, type Limit } from '../../scenario/limit.js';
import { TotalsWindow, type LoadTotals, type StopCondition, type Trip } from './condition.js';

/**
 * `abort.errorRate` over `abort.window`: the share of the requests sent within the last window that
 * failed. Judged once a whole window has passed since the run's start, at every check.
 */
export class ErrorRateCondition implements StopCondition {
  readonly name = 'errorRate';
  readonly #window: TotalsWindow;

  constructor(
    private readonly limit: Limit,
    windowMs: number,
  ) {
    this.#window = new TotalsWindow(windowMs);
  }

  check(totals: LoadTotals): Trip | undefined {
    this.#window.push(totals);
    if (!this.#window.full) return undefined;
    const { ok, total } = this.#window.delta();
    if (total === 0) return undefined;
    const rate = (total - ok) / total;
    if (!holds(this.limit, rate)) return undefined;
    const over = durationText(this.#window.windowMs);
    return {
      condition: this.name,
      limit: `${this.limit.text} over ${over}`,
      actual: formatValue('ratio', rate),
      message: `errorRate ${formatValue('ratio', rate)} (${total - ok} of ${total} requests) over the last ${over}, limit ${this.limit.text}`,
    };
  }
}
