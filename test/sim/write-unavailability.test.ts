import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { repoRoot } from '../helpers/cli.js';
import { simulate } from '../helpers/sim.js';

/**
 * The simulator reports the app's write-unavailability window as the host's and aws's write logs do
 * (`db`/`writes.resumed`): from the first write after the writer was lost to the first write after the
 * app could write again. With writes every 1/writeRate s, both ends lie within one write period of the
 * moments the model decides: the crash, and the app repointed at the promoted standby.
 */
const FILE = 'scenarios/host-postgres-failover.yaml';
const text = readFileSync(join(repoRoot, FILE), 'utf8');
const { scenario } = parseScenario(text, FILE);
const periodMs = 1000 / scenario.setup.database!.writeRate;
const crashAtMs = scenario.faults[0]!.atMs;

describe('write unavailability on the simulator', () => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i: from the first write after the crash to the first after the repoint, within one write period of each', async (seed) => {
    const { result } = await simulate(text, seed);
    const resumed = result.events.filter((e) => e.component === 'db' && e.type === 'writes.resumed');
    expect(resumed).toHaveLength(1);
    const sinceMs = Number(resumed[0]!.detail.sinceMs);
    const untilMs = sinceMs + Number(resumed[0]!.detail.unavailableMs);
    expect(sinceMs).toBeGreaterThanOrEqual(crashAtMs);
    expect(sinceMs).toBeLessThan(crashAtMs + periodMs + 1);
    const repoint = result.events.find((e) => e.component === 'db' && e.type === 'route.changed')!;
    expect(untilMs).toBeGreaterThanOrEqual(repoint.atMs - 1);
    expect(untilMs).toBeLessThan(repoint.atMs + periodMs + 1);
    expect(result.metrics.writesUnavailableMs).toBe(Number(resumed[0]!.detail.unavailableMs));
    expect(result.metrics.perFault[0]!.writesUnavailableMs).toBe(result.metrics.writesUnavailableMs);
  });
});
