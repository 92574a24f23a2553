import { formatValue } from '../../measure/expectations.js';
import { holds, type Limit } from '../../scenario/limit.js';
import type { LoadTotals, StopCondition, Trip } from './condition.js';

/**
 * `abort.probeFailing`: how long every request of the load (on the host also its probe) has failed
 * in a row — since the last check at which some request had succeeded, while requests kept being sent.
 */
export class ProbeFailingCondition implements StopCondition {
  readonly name = 'probeFailing';
  #last: LoadTotals = { atMs: 0, ok: 0, total: 0 };
  /** The last check by which a request had succeeded (the run's start at first). */
  #lastSuccess: LoadTotals = { atMs: 0, ok: 0, total: 0 };

  constructor(private readonly limit: Limit) {}

  check(totals: LoadTotals): Trip | undefined {
    if (totals.ok > this.#last.ok) this.#lastSuccess = totals;
    this.#last = totals;
    const failed = totals.total - this.#lastSuccess.total;
    if (failed === 0) return undefined;
    const failingMs = totals.atMs - this.#lastSuccess.atMs;
    if (!holds(this.limit, failingMs)) return undefined;
    return {
      condition: this.name,
      limit: this.limit.text,
      actual: formatValue('ms', failingMs),
      message: `every request failed for ${formatValue('ms', failingMs)} (${failed} in a row), limit ${this.limit.text}`,
    };
  }
}
