import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { simulate } from '../helpers/sim.js';

/**
 * Issue 8 §2: with `failoverOn: degraded` and 30 % packet loss, the controller's DNS record must not
 * flap. Flap damping (src/controller/failback-damping.ts, after RFC 2439) holds each automatic
 * failback until the primary has been healthy for a hold-down that doubles on every flap: the n-th
 * failback waits at least h·2^(n−1), so within a loss window of T at most ⌊log2(T/h + 1)⌋ failbacks
 * happen, and at most one more failover than failbacks.
 */
const lossy = (damping: string) => `
name: lossy-dns
duration: 12m
setup:
  servers: [{ id: web-primary, latency: 20ms }, { id: web-secondary, latency: 45ms }]
  dns:
    record: app.example.com
    ttl: 60s
    primary: web-primary
    secondary: web-secondary
    healthCheck: { interval: 10s, failureThreshold: 3 }
controller:
  healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 3, healthyThreshold: 3 }
  failback: automatic
  failoverOn: degraded
  ${damping}
  layers: { dns: controller }
load: { rate: 200, clients: 100 }
faults:
  - { id: primary-lossy, at: 2m, action: packet-loss, target: web-primary, loss: 0.3, duration: 8m }
expect: {}
`;

const SEEDS = [1, 2, 3, 4, 5];

async function dnsSwitches(damping: string, seed: number) {
  const { record } = await simulate(lossy(damping), seed);
  const fault = parseScenario(lossy(damping), 'lossy.yaml').scenario.faults[0]!;
  const during = (atMs: number) => atMs >= fault.atMs && atMs < fault.atMs + fault.durationMs!;
  const failovers = record.events.filter((e) => e.component === 'controller' && e.type === 'failover' && e.detail.status === 'completed' && during(e.atMs));
  return { total: failovers.length, failbacks: failovers.filter((e) => e.detail.direction === 'failback').length, events: record.events };
}

describe('failback flap damping on a lossy primary', () => {
  const { controller, faults } = parseScenario(lossy(''), 'lossy.yaml').scenario;
  const holdMs = controller.healthCheck.healthyThreshold * controller.healthCheck.intervalMs;
  const lossWindowMs = faults[0]!.durationMs!;
  const maxFailbacks = Math.floor(Math.log2(lossWindowMs / holdMs + 1));

  it.each(SEEDS)('seed %i: at most ⌊log2(T/h + 1)⌋ failbacks while the loss lasts, and the holds are announced', async (seed) => {
    const r = await dnsSwitches('', seed);
    expect(r.failbacks).toBeLessThanOrEqual(maxFailbacks);
    expect(r.total).toBeLessThanOrEqual(2 * maxFailbacks + 1);
    expect(r.events.some((e) => e.component === 'controller' && e.type === 'failback.held')).toBe(true);
  });

  it('is what stops the flapping: with the hold at zero the same run switches more often than the bound allows', async () => {
    const totals = await Promise.all(SEEDS.map(async (seed) => (await dnsSwitches('damping: { failbackHold: 0s, maxFailbackHold: 0s }', seed)).total));
    expect(Math.max(...totals)).toBeGreaterThan(2 * maxFailbacks + 1);
  });

  it('rejects a cap below the first hold with the file, line and field', () => {
    expect(() => parseScenario(lossy('damping: { failbackHold: 2m, maxFailbackHold: 1m }'), 'lossy.yaml')).toThrow(
      /lossy\.yaml:\d+:\d+: controller\.damping\.maxFailbackHold: expected maxFailbackHold ≥ failbackHold/,
    );
  });
});
