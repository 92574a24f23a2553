import { describe, expect, it } from 'vitest';
import { defaults } from '../../src/scenario/defaults.js';
import { simulate } from '../helpers/sim.js';

/**
 * Issue 10, "Health checks": a stopped-then-started EC2 instance's services answer after its boot time
 * (the server's `bootTime`, default defaults.server.bootMs), not at the StartInstances instant.
 */
const scenario = (bootTime?: string) => `
name: boot
duration: 3m
setup:
  servers: [{ id: a, latency: 10ms${bootTime ? `, bootTime: ${bootTime}` : ''} }, { id: b, latency: 10ms }]
  loadBalancer:
    targetGroups:
      - { id: tg, priority: 1, targets: [a, b], healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 2, healthyThreshold: 2 } }
load: { rate: 2, clients: 2, timeout: 1s }
faults:
  - { id: stop, at: 60s, duration: 30s, action: aws:ec2:stop-instances, target: a }
`;

const START_MS = 90_000;

describe('aws:ec2:stop-instances, then StartInstances', () => {
  it.each([
    ['20s', 20_000],
    [undefined, defaults.server.bootMs],
  ])('bootTime %s: the services answer %i ms after the start, and the target group sees it after that', async (bootTime, bootMs) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { record } = await simulate(scenario(bootTime), seed);
      const states = record.events.filter((e) => e.component === 'server' && e.detail.server === 'a');
      expect(states.map((e) => [e.atMs, e.detail.state])).toEqual([
        [60_000, 'down'],
        [START_MS + bootMs, 'up'],
      ]);
      const healthy = record.events.find((e) => e.type === 'target.health' && e.detail.target === 'a' && e.detail.health === 'healthy' && e.atMs > 60_000)!;
      // 2 passing checks 5 s apart after the boot, each answered after the 10 ms latency
      expect(healthy.atMs).toBeGreaterThan(START_MS + bootMs + 5_000);
      expect(healthy.atMs).toBeLessThanOrEqual(START_MS + bootMs + 10_000 + 10);
    }
  });
});
