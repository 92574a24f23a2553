import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/simulator/engine.js';
import { masterDownIntervalMs, takeoverPriority, VrrpInstance, type VrrpState } from '../../src/simulator/vrrp.js';
import { SeededRng } from '../../src/random/seeded-rng.js';
import { simulate } from '../helpers/sim.js';
import { seeds, vipStateAt } from '../helpers/vrrp.js';

const ADVERT_MS = 1_000;
const SEEDS = seeds(50);


describe('a raised backup takes over after master-down, not at once (RFC 5798 §6.4.2)', () => {
  const planned = `
name: vrrp-planned
duration: 60s
setup:
  servers: [{ id: a, latency: 5ms }, { id: b, latency: 5ms }]
  vip:
    advertInt: 1s
    nodes:
      - { server: a, priority: 100, state: MASTER }
      - { server: b, priority: 90 }
controller:
  layers: { vip: controller }
load: { rate: 20, clients: 5, timeout: 2s }
operations:
  - { at: 20s, action: planned-failover, layer: vip, maintenance: 20s }
`;

  it("planned VIP failover: b's priority is raised above a's; a keeps advertising, b discards its lower adverts and takes over when its Master_Down_Timer runs out", async () => {
    // the host writes priority max(others) + |track weight| + 1 = 101 into b's keepalived.conf and reloads;
    // a reloaded backup re-arms Master_Down_Timer = 3 × advert_int + (256 − 101)/256 s (RFC 3768, VRRPv2)
    const raised = takeoverPriority([100]);
    expect(raised).toBe(101);
    const masterDownMs = masterDownIntervalMs(raised, ADVERT_MS, 2);
    expect(masterDownMs).toBe(3_605.46875);
    for (const seed of SEEDS.slice(0, 20)) {
      const { result, record } = await simulate(planned, seed);
      const move = record.events.find((e) => e.component === 'controller' && e.atMs >= 20_000)!;
      expect(move.atMs).toBe(20_000);
      const takeover = vipStateAt(record.events, 'b', 'master')!;
      expect(takeover.atMs, `seed ${seed}`).toBe(20_000 + masterDownMs);
      // a holds the address until b's first advert at 101 makes it step down, in the same instant
      expect(vipStateAt(record.events, 'a', 'backup')!.atMs).toBe(takeover.atMs);
      expect(result.metrics.splitBrainMs).toBe(0);
    }
  });
});

describe('a restarted keepalived enters BACKUP and waits its master-down interval (keepalived.conf(5) "state")', () => {
  const restart = (preempt: boolean) => `
name: vrrp-restart
duration: 80s
setup:
  servers: [{ id: a, latency: 5ms }, { id: b, latency: 5ms }]
  vip:
    advertInt: 1s
    preempt: ${preempt}
    nodes:
      - { server: a, priority: 100, state: MASTER }
      - { server: b, priority: 90 }
load: { rate: 20, clients: 5, timeout: 2s }
faults:
  - { id: restart, at: 30s, action: service-stop, service: keepalived, target: a, duration: 20s }
`;

  it('with preempt it discards the lower master and takes over exactly 3 × advert_int + (256 − 100)/256 s after its start', async () => {
    // keepalived.conf(5): below priority 255 "the instance will wait between 3 and 4 advert intervals before it can transition"
    for (const seed of SEEDS.slice(0, 10)) {
      const { record } = await simulate(restart(true), seed);
      expect(vipStateAt(record.events, 'a', 'master', 50_000)!.atMs, `seed ${seed}`).toBe(50_000 + masterDownIntervalMs(100, ADVERT_MS, 2));
    }
  });

  it('with nopreempt it accepts the lower master and stays backup', async () => {
    for (const seed of SEEDS.slice(0, 10)) {
      const { result, record } = await simulate(restart(false), seed);
      expect(vipStateAt(record.events, 'a', 'backup', 50_000)!.atMs).toBe(50_000);
      expect(vipStateAt(record.events, 'a', 'master', 50_000), `seed ${seed}`).toBeUndefined();
      expect(result.metrics.splitBrainMs).toBe(0);
    }
  });
});

describe('a master answers a lower-priority advert at once with its own (keepalived)', () => {
  /** a (100) and b (90) partitioned from 10 s to 20 s: both master; then the first advert after the heal decides. */
  async function healedPartition(seed: number) {
    const engine = new Engine();
    let partitioned = false;
    const sent: { from: string; atMs: number; delivered: boolean }[] = [];
    const states: { node: string; state: VrrpState; atMs: number }[] = [];
    new VrrpInstance(
      {
        vip: 'vip',
        advertIntMs: ADVERT_MS,
        preempt: true,
        preemptDelayMs: 0,
        nodes: [
          { id: 'a', priority: 100, initialState: 'MASTER' },
          { id: 'b', priority: 90, initialState: 'BACKUP' },
        ],
      },
      engine,
      new SeededRng(seed),
      {
        running: () => true,
        delivers: (from) => {
          sent.push({ from, atMs: engine.nowMs, delivered: !partitioned });
          return !partitioned;
        },
        checkScript: () => ({ ok: true, tookMs: 0 }),
        beforeChange: () => undefined,
        onState: (node, state) => states.push({ node, state, atMs: engine.nowMs }),
        onHolders: () => undefined,
        onScript: () => undefined,
      },
    );
    engine.at(10_000, () => void (partitioned = true), true);
    engine.at(20_000, () => void (partitioned = false), true);
    await engine.runUntil(30_000);
    return { sent, states };
  }

  it('after the heal, whichever master advertises first, the split brain ends at that advert', async () => {
    let lowerFirst = 0;
    for (const seed of SEEDS) {
      const { sent, states } = await healedPartition(seed);
      expect(states.find((s) => s.node === 'b' && s.state === 'master' && s.atMs >= 10_000), `seed ${seed}`).toBeDefined();
      const first = sent.find((s) => s.atMs >= 20_000 && s.delivered)!;
      const bDown = states.find((s) => s.node === 'b' && s.state === 'backup' && s.atMs >= 20_000)!;
      expect(first.atMs).toBeLessThan(20_000 + ADVERT_MS);
      expect(bDown.atMs, `seed ${seed}`).toBe(first.atMs);
      if (first.from === 'b') {
        lowerFirst++;
        // a answered in the same instant, without waiting for its own advert timer
        expect(sent.some((s) => s.from === 'a' && s.atMs === first.atMs && s.delivered), `seed ${seed}`).toBe(true);
      }
    }
    expect(lowerFirst).toBeGreaterThan(0);
  });
});
