import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { simulate } from '../helpers/sim.js';

/**
 * Issue 10 / design.md §6: each subsystem draws from its own sub-seed. Packet loss on `a` is met by
 * the target group's checks, Route 53's checkers and our controller's probes; adding or removing one
 * of them must not move another's verdicts.
 */
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

const scenario = (parts: { lb: boolean; dns?: 'platform' | 'controller' }, loss = 0.5) => `
name: sub-seeds
duration: 5m
setup:
  servers: [{ id: a, latency: 10ms }, { id: b, latency: 10ms }, { id: c, latency: 10ms }]
${
  parts.lb
    ? `  loadBalancer:
    targetGroups:
      - { id: tg, priority: 1, targets: [a, b], healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 2, healthyThreshold: 2 } }
`
    : ''
}${parts.dns ? '  dns: { record: app, ttl: 10s, primary: a, secondary: c, healthCheck: { interval: 10s, failureThreshold: 1 } }\n' : ''}controller:
  healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 1, healthyThreshold: 1 }
  failback: automatic
  layers: { dns: ${parts.dns ?? 'platform'} }
load: { rate: 2, clients: 2, timeout: 1s, entry: b }
faults:
  - { id: loss, at: 10s, duration: 4m, action: packet-loss, target: a, loss: ${loss} }
`;

const verdicts = (events: readonly RunEvent[], component: string, type: string) =>
  events.filter((e) => e.component === component && e.type === type).map((e) => `${e.atMs} ${String(e.detail.target)} ${String(e.detail.health)}`);

describe('sub-seeds: one subsystem’s draws do not move another’s', () => {
  it('the target group’s verdicts are the same with or without Route 53 checkers and controller probes on the same lossy server', async () => {
    for (const seed of SEEDS) {
      const alone = (await simulate(scenario({ lb: true }), seed)).record.events;
      const withRoute53 = (await simulate(scenario({ lb: true, dns: 'platform' }), seed)).record.events;
      const withProbes = (await simulate(scenario({ lb: true, dns: 'controller' }), seed)).record.events;
      const tg = verdicts(alone, 'lb', 'target.health');
      // a 50 % loss with 2 failures to fail and 2 passes to recover flaps: the test has draws to compare
      expect(tg.length, `seed ${seed}`).toBeGreaterThan(4);
      expect(verdicts(withRoute53, 'lb', 'target.health')).toEqual(tg);
      expect(verdicts(withProbes, 'lb', 'target.health')).toEqual(tg);
      // and the controller probed `a` in that run, drawing from its own generator
      expect(verdicts(withProbes, 'controller', 'health').length).toBeGreaterThan(0);
    }
  }, 120_000);

  it('Route 53’s verdicts are the same with or without a target group checking the same lossy server', async () => {
    for (const seed of SEEDS) {
      // 85 % loss, threshold 1: each checker mostly sees `a` down, and 14 of 16 at once turn it unhealthy now and then
      const alone = verdicts((await simulate(scenario({ lb: false, dns: 'platform' }, 0.85), seed)).record.events, 'route53', 'health');
      const withTg = verdicts((await simulate(scenario({ lb: true, dns: 'platform' }, 0.85), seed)).record.events, 'route53', 'health');
      expect(alone.length, `seed ${seed}`).toBeGreaterThan(2);
      expect(withTg).toEqual(alone);
    }
  }, 120_000);
});
