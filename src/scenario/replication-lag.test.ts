import { describe, expect, it } from 'vitest';
import { defaults } from './defaults.js';
import { replicationLagMs } from './replication-lag.js';

describe('replicationLagMs', () => {
  const spike = { atMs: 60_000, durationMs: 15_000, lagMs: 15_000 };
  it('is the spike’s lag while it lasts, [atMs, atMs + duration), and the configured lag outside it', () => {
    const spec = { engine: 'rds-read-replica' as const, lagSpikes: [spike], replicationLagMs: 200 };
    expect(replicationLagMs(spec, spike.atMs - 1)).toBe(200);
    expect(replicationLagMs(spec, spike.atMs)).toBe(spike.lagMs);
    expect(replicationLagMs(spec, spike.atMs + spike.durationMs)).toBe(200);
  });
  it('falls back to the engine default (design.md §5) without a configured lag', () => {
    expect(replicationLagMs({ engine: 'aurora', lagSpikes: [] }, 0)).toBe(defaults.database.aurora.replicationLagMs);
  });
});
