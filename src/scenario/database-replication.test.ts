import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../test/helpers/sim.js';
import { repoRoot } from '../../test/helpers/cli.js';
import { ScenarioError } from '../errors.js';
import { parseScenario } from './load.js';

/**
 * `setup.database.replication` (postgres-streaming): asynchronous by default; synchronous commits wait
 * until the standby flushed them (PostgreSQL docs, "Synchronous Replication"), so the simulator gives
 * it no lag and a crash of the writer loses nothing, lag spike or not.
 */
const promotion = readFileSync(join(repoRoot, 'scenarios', 'db-replica-promotion.yaml'), 'utf8').replace('engine: rds-read-replica', 'engine: postgres-streaming');
const SPIKE_LAG_MS = 45_000; // the scenario's lag spike, which the writer crash falls into
const WRITE_RATE = 20; // the scenario's writeRate

describe('database replication mode', () => {
  it('postgres-streaming defaults to asynchronous; other engines have no mode unless one is (wrongly) given', () => {
    expect(parseScenario(promotion, 'p.yaml').scenario.setup.database!.replication).toBe('asynchronous');
    const rds = parseScenario(promotion.replace('engine: postgres-streaming', 'engine: rds-read-replica'), 'r.yaml').scenario.setup.database!;
    expect(rds.replication).toBeUndefined();
    const wrong = promotion.replace('engine: postgres-streaming', 'engine: rds-read-replica\n    replication: synchronous');
    expect(() => parseScenario(wrong, 'r.yaml')).toThrow(ScenarioError);
    expect(() => parseScenario(wrong, 'r.yaml')).toThrow(/r\.yaml:\d+:\d+.*replication.*postgres-streaming/s);
    expect(() => parseScenario(promotion.replace('engine: postgres-streaming', 'engine: postgres-streaming\n    replication: sometimes'), 'p.yaml')).toThrow(
      /replication.*expected one of asynchronous, synchronous/s,
    );
  });

  it('asynchronous streaming loses the spike’s lag of writes; synchronous loses none and never lags', async () => {
    const async = await simulate(promotion);
    expect(async.result.metrics.lostWrites).toBe((WRITE_RATE * SPIKE_LAG_MS) / 1000);
    expect(async.result.metrics.rpoMs).toBe(SPIKE_LAG_MS);

    const sync = await simulate(promotion.replace('engine: postgres-streaming', 'engine: postgres-streaming\n    replication: synchronous'));
    expect(sync.result.metrics.lostWrites).toBe(0);
    expect(sync.result.metrics.rpoMs).toBe(0);
    const lags = sync.record.events.filter((e) => e.component === 'db' && e.type === 'lag').map((e) => e.detail.lagMs);
    expect(lags.every((lag) => lag === 0)).toBe(true);
    expect(sync.record.events.some((e) => e.type === 'lag.alert')).toBe(false);
    expect(sync.record.events.find((e) => e.type === 'writer.lost')?.detail.lagMs).toBe(0);
  });
});
