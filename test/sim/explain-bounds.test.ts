import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkShipped, SEEDS, SHIPPED } from './explain-bounds-check.js';

/**
 * Issue 13: for every shipped scenario and 200 seeds, the simulator's detection, switch, time to
 * switch, RTO, failback, replacement, RPO (and split brain) lie inside the bounds `faildrill explain`
 * derives from the scenario alone. full-stack.yaml, the slowest, has a file of its own
 * (explain-bounds-full-stack.test.ts) so that the two run side by side.
 */
describe(`the simulator stays inside explain's bounds (${SEEDS} seeds per scenario)`, () => {
  const files = SHIPPED.filter((f) => basename(f) !== 'full-stack.yaml');

  it('covers every shipped scenario but full-stack.yaml here', () => {
    expect(files.length).toBe(SHIPPED.length - 1);
    expect(files.length).toBeGreaterThanOrEqual(18);
  });

  for (const file of files) {
    it(basename(file), async () => {
      // at least detection, switch, time to switch and RTO of one fault per seed
      expect(await checkShipped(file)).toBeGreaterThanOrEqual(SEEDS * 4);
    }, 120_000);
  }
});
