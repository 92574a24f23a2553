import { describe, expect, it } from 'vitest';
import { explainFirst, range } from '../test-helpers.js';

const scenario = (fault: string, extra = '') => `
name: r53
duration: 10m
setup:
  servers: [{ id: a, latency: 20ms }, { id: b }]
  dns: { record: x.example.com, ttl: 60s, primary: a, secondary: b, healthCheck: { interval: 10s, failureThreshold: 3 } }
${extra}
load: { rate: 100, clients: 50, honourTtl: 0.98 }
measure: { resolution: 100ms, recovery: { window: 5s, successRatio: 0.95 } }
faults: [ ${fault} ]
`;

describe('Route 53 failover (platform mode)', () => {
  // Route 53 developer guide: failureThreshold checks one requestInterval apart; a refusal fails at once (1 ms in the model)
  it('a stopped primary: (3 − 1) × 10 s to 3 × 10 s, plus the refusal, and the record switches at once', () => {
    const e = explainFirst(scenario('{ id: f, at: 2m, action: service-stop, target: a, duration: 5m }'));
    expect(e.decidedBy).toBe('Route 53 health check hc-a');
    expect(range(e, 'detection')).toEqual([20_001, 30_001]);
    expect(range(e, 'switch')).toEqual([0, 0]);
    expect(range(e, 'timeToSwitch')).toEqual([20_001, 30_001]);
    // clients that honour the TTL move within 60 s of the switch; then one bucket (100 ms) and one client period (50 clients / 100 per s = 500 ms)
    expect(range(e, 'rto')).toEqual([expect.any(Number), 30_001 + 60_000 + 100 + 500]);
    // back: 3 good checks of 3 (8 regions × 2 checkers, more than 18 % healthy), each answered after the 20 ms latency
    expect(range(e, 'failback')).toEqual([20_020, 30_020]);
    expect(e.notes.join(' ')).toContain('14 of 16 checkers');
  });

  it('a stopped instance fails each check at the 4 s connect timeout and fails back after its boot time', () => {
    const e = explainFirst(scenario('{ id: f, at: 2m, action: "aws:ec2:stop-instances", target: a, duration: 5m }').replace('{ id: a, latency: 20ms }', '{ id: a, latency: 20ms, bootTime: 10s }'));
    expect(range(e, 'detection')).toEqual([24_000, 34_000]);
    expect(range(e, 'failback')).toEqual([10_000 + 20_020, 10_000 + 30_020]);
  });

  it('a frozen app fails each check at the 2 s response timeout; latency under it is no failure', () => {
    expect(range(explainFirst(scenario('{ id: f, at: 2m, action: process-pause, target: a }')), 'detection')).toEqual([22_000, 32_000]);
    const slowOk = explainFirst(scenario('{ id: f, at: 2m, action: latency, latency: 1s, target: a }'));
    expect(slowOk.decidedBy).toBeNull();
    expect(range(slowOk, 'timeToSwitch')).toBe('never');
    // nobody fails: no outage, within one bucket and one client period
    expect(range(slowOk, 'rto')).toEqual([0, 100 + 500]);
  });

  it('clients that ignore the TTL beyond the recovery rule never recover while the fault lasts', () => {
    const e = explainFirst(scenario('{ id: f, at: 2m, action: service-stop, target: a, duration: 5m }').replace('honourTtl: 0.98', 'honourTtl: 0.9'));
    // 10 % stuck > 5 % allowed: clients recover when the primary is back, 5 min after the fault
    expect(range(e, 'rto')).toEqual([expect.any(Number), 300_000 + 100 + 500]);
    expect((range(e, 'rto') as number[])[0]).toBeGreaterThan(290_000);
  });
});
