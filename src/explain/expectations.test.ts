import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/load.js';
import { explainScenario } from './explain.js';
import { expectationOutlook } from './expectations.js';

const dns = (expectations: string) => `
name: slow-dns
duration: 10m
setup:
  servers: [{ id: a }, { id: b }]
  dns: { record: x.example.com, ttl: 60s, primary: a, secondary: b, healthCheck: { interval: 30s, failureThreshold: 3 } }
faults: [ { id: f, at: 1m, action: service-stop, target: a, duration: 5m } ]
expect: ${expectations}
`;

const outlook = (yaml: string) => {
  const { scenario } = parseScenario(yaml, 'x.yaml');
  return expectationOutlook(scenario, explainScenario(scenario));
};

describe('expectations against the bounds', () => {
  it('rto < 10s with a 30 s × 3 Route 53 check cannot be met: the detection alone takes (3 − 1) × 30 s', () => {
    const [rto] = outlook(dns('{ rto: "< 10s" }'));
    expect(rto).toMatchObject({ name: 'rto', verdict: 'cannot' });
    // (3 − 1) × 30 s, less what the recovery rule allows (1 % × 5 s) and one bucket
    expect(rto!.minMs!).toBeGreaterThanOrEqual(60_000 - 50 - 100);
    expect(rto!.message).toContain('rto < 10s cannot be met');
  });

  it('a limit above the whole bound meets; one inside it may be missed; a figure that never happens cannot meet a limit', () => {
    const [detection, rto, failback] = outlook(dns('{ detection: "< 100s", rto: "< 120s", failback: "< 60s" }'));
    expect(detection!.verdict).toBe('meets'); // (3 − 1) × 30 s to 3 × 30 s
    expect(rto!.verdict).toBe('may'); // up to 90 s + the 60 s TTL
    expect(failback!.verdict).toBe('cannot'); // (3 − 1) × 30 s + latency at the earliest
    const never = outlook(dns('{ failback: "< 100s" }').replace(', duration: 5m', ''));
    expect(never[0]).toMatchObject({ name: 'failback', verdict: 'cannot' });
  });
});
