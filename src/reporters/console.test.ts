import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../measure/events.js';
import { describeEvent } from './console.js';

const failover = (detail: RunEvent['detail']): RunEvent => ({ atMs: 1_000, component: 'db', type: 'failover.started', detail });

describe('console lines for run events', () => {
  it('gives a database failover its expected duration only when the event carries one', () => {
    // the simulator knows the platform's failover time; a promotion on real AWS does not (db-plane omits expectedMs)
    const base = { database: 'db', from: 'w', to: 'r', reason: 'writer unhealthy' };
    expect(describeEvent(failover({ ...base, expectedMs: 42_400 }))).toContain('(writer unhealthy, ~42 s)');
    const line = describeEvent(failover(base))!;
    expect(line).toContain('(writer unhealthy)');
    expect(line).not.toMatch(/NaN|~/);
  });
});
