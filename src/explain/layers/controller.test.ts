import { describe, expect, it } from 'vitest';
import { explainFirst, range } from '../test-helpers.js';

describe('our controller (controller mode)', () => {
  // host-nginx-upstream.yaml's settings: interval 1 s, timeout 500 ms, 3 failures / 3 successes
  const lb = (faults: string, targets = '[web-1]') => `
name: ctl
duration: 2m
setup:
  servers: [{ id: web-1, latency: 1ms }, { id: web-2, latency: 1ms }, { id: web-3, latency: 1ms }]
  loadBalancer:
    id: lb
    targetGroups:
      - { id: tg-primary, priority: 1, targets: ${targets}, healthCheck: { interval: 5s, timeout: 2s, healthyThreshold: 2, unhealthyThreshold: 2 } }
      - { id: tg-backup, priority: 2, targets: [web-3] }
controller: { healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 3, healthyThreshold: 3 }, layers: { loadBalancer: controller } }
load: { rate: 50, clients: 10, timeout: 2s }
faults: [ ${faults} ]
`;

  it('unhealthyThreshold × interval (a refusal at once), then ModifyListener at once; back after healthyThreshold checks', () => {
    const e = explainFirst(lb('{ id: f, at: 10s, action: service-stop, target: web-1, duration: 15s }'));
    expect(e.decidedBy).toBe('our controller (lb:lb)');
    expect(range(e, 'detection')).toEqual([2_001, 3_001]);
    expect(range(e, 'switch')).toEqual([0, 0]);
    expect(range(e, 'failback')).toEqual([2_001, 3_001]);
  });

  it('a member with two endpoints fails over once both are down: the switch waits for the later verdict', () => {
    const e = explainFirst(lb('{ id: f1, at: 10s, action: service-stop, target: web-1 }, { id: f2, at: 10s, action: service-stop, target: web-2 }', '[web-1, web-2]'));
    expect(range(e, 'detection')).toEqual([2_001, 3_001]);
    expect(range(e, 'switch')).toEqual([0, 1_000]);
    expect(range(e, 'timeToSwitch')).toEqual([2_001, 3_001]);
  });

  it('a DNS UPSERT takes until INSYNC, "generally within 60 seconds", and clients follow within the TTL', () => {
    const e = explainFirst(`
name: dns-ctl
duration: 5m
setup:
  servers: [{ id: a, latency: 20ms }, { id: b }]
  dns: { record: x.example.com, ttl: 30s, primary: a, secondary: b }
controller: { healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 3 }, layers: { dns: controller } }
faults: [ { id: f, at: 60s, action: process-pause, target: a } ]
`);
    // a frozen app fails each check at the 2 s timeout
    expect(range(e, 'detection')).toEqual([12_000, 17_000]);
    expect(range(e, 'switch')).toEqual([0, 60_000]);
    // 50 clients at 50/s: a client period of 1 s
    expect(range(e, 'rto')).toEqual([expect.any(Number), 17_000 + 60_000 + 30_000 + 100 + 1_000]);
  });
});
