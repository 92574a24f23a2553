import { describe, expect, it } from 'vitest';
import { explainFirst, range } from '../test-helpers.js';

describe('autoscaling replacement', () => {
  const asg = (type: string) => `
name: asg
duration: 10m
setup:
  servers: [{ id: w1 }, { id: w2 }, { id: w3 }]
  loadBalancer:
    targetGroups: [ { id: tg, priority: 1, targets: [w1, w2, w3], healthCheck: { interval: 10s, timeout: 5s, healthyThreshold: 3, unhealthyThreshold: 2 } } ]
  autoscaling: { instances: [w1, w2, w3], targetGroup: tg, healthCheckType: ${type}, launchTime: 90s, instanceLatency: 20ms }
load: { rate: 300, clients: 90 }
faults: [ { id: f, at: 2m, action: "aws:ec2:terminate-instances", target: w1 } ]
`;

  it('the group sees the instance down at its next health check (every 10 s, assumed), deregisters it at once, and replaces it: launch + 3 good checks', () => {
    const e = explainFirst(asg('EC2'));
    expect(e.decidedBy).toBe('autoscaling group asg (EC2 health check)');
    expect(range(e, 'detection')).toEqual([0, 10_000]);
    expect(range(e, 'switch')).toEqual([0, 0]);
    expect(range(e, 'failback')).toBe('never');
    expect(range(e, 'replacement')).toEqual([90_000 + 2 * 10_000 + 20, 10_000 + 90_000 + 3 * 10_000 + 20]);
  });

  it('the target group would only notice at its timeout: (2 − 1) × 10 s + 5 s at the earliest, after the group acted', () => {
    const e = explainFirst(asg('ELB'));
    expect(range(e, 'timeToSwitch')).toEqual([0, 10_000]);
  });
});
