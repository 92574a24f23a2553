import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { simulate, simulateFile } from '../helpers/sim.js';

/**
 * Arbiter fencing as keepalived runs it (keepalived.conf(5), vrrp_script with weight 0): every
 * `interval` the script asks the arbiter whether the node may hold the address; `fall` refusals in a
 * row put the node in FAULT, which drops the address. A backup cut off from the master's adverts
 * takes over on master down (RFC 3768: 3 × advert_int + skew), and its first run after that is
 * refused, so two nodes hold the address from the takeover until the fall-th refused run has
 * ended: at least (fall − 1) × interval, at most fall × interval + timeout.
 */
const SEEDS = Array.from({ length: 100 }, (_, i) => i + 1);

const pair = (o: { interval: number; timeout: number; fall: number; fault: string; duration?: string }) => `
name: fenced-pair
duration: ${o.duration ?? '90s'}
setup:
  servers: [{ id: a, latency: 5ms }, { id: b, latency: 5ms }]
  vip:
    id: v
    advertInt: 1s
    nodes: [{ server: a, priority: 100, state: MASTER }, { server: b, priority: 90, state: BACKUP }]
    fencing: arbiter
    fencingScript: { interval: ${o.interval}ms, timeout: ${o.timeout}ms, fall: ${o.fall}, rise: 2 }
controller:
  healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 3, healthyThreshold: 3 }
load: { rate: 20, clients: 5 }
faults:
${o.fault}
expect: { splitBrain: "< 1h" }
`;

const states = (events: readonly RunEvent[], node: string) =>
  events.filter((e) => e.component === 'vip' && e.type === 'state' && e.detail.node === node).map((e) => [e.atMs, e.detail.state] as const);

describe('arbiter fencing: the overlap is bounded by the fencing script', () => {
  it.each([
    { interval: 1_000, timeout: 1_000, fall: 2 },
    { interval: 2_000, timeout: 500, fall: 3 },
  ])('partition, interval $interval ms, fall $fall: one overlap per partition in [(fall − 1) × interval, fall × interval + timeout]', async (s) => {
    const partition = '  - { id: cut, at: 30s, action: network-partition, target: a, peer: b, duration: 40s }';
    const lower = (s.fall - 1) * s.interval;
    const upper = s.fall * s.interval + s.timeout;
    const spans: number[] = [];
    for (const seed of SEEDS) {
      const { result, record } = await simulate(pair({ ...s, fault: partition }), seed);
      const brains = result.metrics.splitBrains;
      expect(brains, `seed ${seed}`).toHaveLength(1);
      const span = brains[0]!.endMs - brains[0]!.startMs;
      expect(span, `seed ${seed}`).toBeGreaterThanOrEqual(lower);
      expect(span, `seed ${seed}`).toBeLessThanOrEqual(upper);
      spans.push(span);
      // the fenced backup stays in FAULT while the master holds the address, partition or not
      expect(states(record.events, 'b').at(-1), `seed ${seed}`).toEqual([brains[0]!.endMs, 'fault']);
      expect(states(record.events, 'a').map(([, st]) => st), `seed ${seed}`).toEqual(['master']);
      // each of the 5 clients' keep-alive connection is reset once per VIP move (to b, back to a when b is fenced: RFC 9293)
      expect(result.metrics.errorCount, `seed ${seed}`).toBe(2 * 5);
    }
    // the script's phase is drawn per seed: the overlaps spread over the interval the bound allows
    expect(Math.min(...spans)).toBeLessThan(lower + s.interval / 4);
    expect(Math.max(...spans)).toBeGreaterThan(lower + (3 * s.interval) / 4);
  }, 120_000);

  it('a frozen master (SIGSTOP of keepalived) still holds the address: the backup that takes over is fenced within the same bound', async () => {
    const s = { interval: 1_000, timeout: 1_000, fall: 2 };
    const freeze = '  - { id: freeze, at: 30s, action: process-pause, target: a, service: keepalived, duration: 20s }';
    for (const seed of SEEDS.slice(0, 30)) {
      const { result } = await simulate(pair({ ...s, fault: freeze }), seed);
      const brains = result.metrics.splitBrains;
      expect(brains.length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      for (const b of brains) expect(b.endMs - b.startMs, `seed ${seed}`).toBeLessThanOrEqual(s.fall * s.interval + s.timeout);
    }
  }, 60_000);

  it('a master that really dies gives the address up: the backup takes it on master down and the arbiter hands it the lease', async () => {
    const s = { interval: 1_000, timeout: 1_000, fall: 2 };
    // RFC 3768 (keepalived's default VRRPv2): master down = 3 × advert_int + (256 − 90) / 256 s
    const masterDownMs = 3 * 1_000 + ((256 - 90) * 1_000) / 256;
    for (const seed of SEEDS.slice(0, 30)) {
      const { record, result } = await simulate(pair({ ...s, fault: '  - { id: down, at: 30s, action: aws:ec2:stop-instances, target: a }' }), seed);
      const b = states(record.events, 'b');
      expect(b.map(([, st]) => st), `seed ${seed}`).toEqual(['backup', 'master']);
      expect(b[1]![0], `seed ${seed}`).toBeGreaterThan(30_000 + masterDownMs - 1_000);
      expect(b[1]![0], `seed ${seed}`).toBeLessThanOrEqual(30_000 + masterDownMs);
      expect(result.metrics.splitBrains, `seed ${seed}`).toHaveLength(0);
    }
  }, 60_000);

  it('a holder that cannot reach the arbiter goes to FAULT after fall runs, each failing at its timeout', async () => {
    const s = { interval: 1_000, timeout: 400, fall: 2 };
    const cut = '  - { id: cut, at: 30s, action: aws:network:disrupt-connectivity, target: a, duration: 10s }';
    for (const seed of SEEDS.slice(0, 30)) {
      const { record } = await simulate(pair({ ...s, fault: cut }), seed);
      const fault = states(record.events, 'a').find(([, st]) => st === 'fault');
      expect(fault, `seed ${seed}`).toBeDefined();
      // the first run at or after the cut starts within one interval; fall runs, the last ending at its timeout
      expect(fault![0], `seed ${seed}`).toBeGreaterThanOrEqual(30_000 + (s.fall - 1) * s.interval + s.timeout);
      expect(fault![0], `seed ${seed}`).toBeLessThanOrEqual(30_000 + s.fall * s.interval + s.timeout);
    }
  }, 60_000);

  it('split-brain-fenced.yaml keeps its bound (fall × interval + timeout = 3 s) over 50 seeds', async () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const { result } = await simulateFile('scenarios/split-brain-fenced.yaml', seed);
      expect(result.metrics.splitBrains, `seed ${seed}`).toHaveLength(1);
      expect(result.metrics.splitBrainMs, `seed ${seed}`).toBeLessThanOrEqual(2 * 1_000 + 1_000);
      expect(result.verdict, `seed ${seed}`).toBe('pass');
    }
  }, 60_000);

  it('is deterministic: the same seed gives the same events', async () => {
    const partition = '  - { id: cut, at: 30s, action: network-partition, target: a, peer: b, duration: 40s }';
    const text = pair({ interval: 1_000, timeout: 1_000, fall: 2, fault: partition });
    const [x, y] = [await simulate(text, 7), await simulate(text, 7)];
    expect(JSON.stringify(x.record.events)).toBe(JSON.stringify(y.record.events));
  });
});
