import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { checkShipped, SEEDS, SHIPPED } from './explain-bounds-check.js';

it(`full-stack.yaml stays inside explain's bounds for ${SEEDS} seeds (five faults on four layers)`, async () => {
  const file = SHIPPED.find((f) => basename(f) === 'full-stack.yaml')!;
  // five faults, each with detection, switch, time to switch, RTO and failback at least
  expect(await checkShipped(file)).toBeGreaterThanOrEqual(SEEDS * 5 * 5);
}, 300_000);
