import { describe, expect, it } from 'vitest';
import { explainFirst, range } from '../test-helpers.js';

const group = (faults: string) => `
name: tg
duration: 10m
setup:
  servers: [{ id: t1, latency: 25ms }, { id: t2 }, { id: t3 }]
  loadBalancer:
    targetGroups:
      - { id: tg, priority: 1, targets: [t1, t2, t3], healthCheck: { interval: 10s, timeout: 5s, unhealthyThreshold: 2, healthyThreshold: 3 } }
load: { rate: 300, clients: 30 }
faults: [ ${faults} ]
`;

describe('ELB target group', () => {
  // ALB user guide: UnhealthyThresholdCount failed checks every HealthCheckIntervalSeconds, a check without answer failing at HealthCheckTimeoutSeconds
  it('a dropped port: (2 − 1) × 10 s + 5 s to 2 × 10 s + 5 s, routed around at once; back after 3 good checks', () => {
    const e = explainFirst(group('{ id: f, at: 2m, action: network-drop, protocol: tcp, port: 80, target: t1, duration: 3m }'));
    expect(e.decidedBy).toBe('target group tg');
    expect(range(e, 'detection')).toEqual([15_000, 25_000]);
    expect(range(e, 'switch')).toEqual([0, 0]);
    expect(range(e, 'failback')).toEqual([20_025, 30_025]);
    // a third of the requests fail until then: the recovery rule (5 s at 99 %) may close up to 1 % × 5 s / ⅓ = 150 ms early, and one bucket
    expect(range(e, 'rto')).toEqual([15_000 - 150 - 100, 25_000 + 100 + 100]);
  });

  it('a refused check fails at once', () => {
    expect(range(explainFirst(group('{ id: f, at: 2m, action: service-stop, target: t1 }')), 'detection')).toEqual([10_001, 20_001]);
  });

  it('every target down: the group fails open, nothing moves traffic, clients recover only when the fault is removed', () => {
    const e = explainFirst(
      group(['t1', 't2', 't3'].map((t) => `{ id: f-${t}, at: 2m, action: service-stop, target: ${t}, duration: 1m }`).join(', ')),
    );
    expect(e.decidedBy).toBeNull();
    expect(range(e, 'timeToSwitch')).toBe('never');
    expect(range(e, 'failback')).toBe('never');
    // its own third of the requests fails: the rule may close 1 % × 5 s / ⅓ = 150 ms and one bucket early
    expect(range(e, 'rto')).toEqual([60_000 - 150 - 100, 60_000 + 100 + 100]);
  });
});
