import { describe, expect, it } from 'vitest';
import { masterDownIntervalMs } from '../../src/simulator/vrrp.js';
import { simulate } from '../helpers/sim.js';
import { becameMaster, vrrpPair } from '../helpers/vrrp.js';

const pair = (opts: { master: number; backup: number; fault: string; track?: string; fencing?: 'none' | 'arbiter'; expect?: string }) =>
  vrrpPair({ name: 'vrrp-analytic', load: { ratePerSec: 100, clients: 10 }, ...opts });

describe('keepalived / VRRP model', () => {
  it('Master_Down_Interval is 3 × advert_int + (256 − priority)/256 × advert_int: 3609.375 ms at 100, 3648.4375 ms at 90', () => {
    expect(masterDownIntervalMs(100, 1000)).toBe(3609.375);
    expect(masterDownIntervalMs(90, 1000)).toBe(3648.4375);
  });

  // takeover after a vanished master, over seeded advert phases: vrrp-phase.test.ts

  it('a graceful keepalived stop (priority 0 advert) hands over after the skew time only', async () => {
    const { record } = await simulate(pair({ master: 100, backup: 90, fault: '  - { id: stop, at: 30500ms, action: service-stop, service: keepalived, target: a }' }));
    expect(becameMaster(record.events, 'b')!.atMs).toBe(30_500 + ((256 - 90) / 256) * 1000);
  });

  // track_script takeover over seeded script phases: vrrp-phase.test.ts

  it('the primary takes the VIP back once its script has risen again (preempt)', async () => {
    const track = '    trackScript: { interval: 5s, fall: 2, rise: 2, weight: -20 }';
    const { result, record } = await simulate(
      pair({ master: 100, backup: 90, track, fault: '  - { id: drop, at: 20s, action: network-drop, target: a, port: 80, duration: 20s }' }),
    );
    const back = becameMaster(record.events, 'a', 40_000)!;
    expect(back.atMs).toBeGreaterThan(40_000 + 5_000);
    expect(back.atMs).toBeLessThanOrEqual(40_000 + 10_000 + 3_700);
    const fault = result.metrics.perFault[0]!;
    expect(fault.failedBackAtMs).toBe(back.atMs);
    expect(result.metrics.splitBrainMs).toBe(0);
    expect(result.invariants.every((i) => i.pass)).toBe(true);
  });

  it('a partition between the peers makes both master: split brain is measured and, unless expected, fails the run', async () => {
    const partition = '  - { id: cut, at: 30s, action: network-partition, target: a, peer: b, duration: 20s }';
    // clients still reach whichever node answers for the VIP: the partition only cuts the peers off each other
    // each of the 10 clients' keep-alive connection is reset once per VIP move (RFC 9293): at most two moves
    const { result } = await simulate(pair({ master: 100, backup: 90, fault: partition, expect: '{ errors: "<= 20" }' }));
    expect(result.metrics.splitBrains).toHaveLength(1);
    const brain = result.metrics.splitBrains[0]!;
    expect(brain.holders).toEqual(['a', 'b']);
    // RFC 3768 §6.4.2: b's master-down timer ran from a's last advert, in [fault − advert_int, fault]; the end is
    // the first advert after the heal (vrrp-phase.test.ts checks both over many seeds)
    expect(brain.startMs).toBeGreaterThanOrEqual(30_000 + masterDownIntervalMs(90, 1000) - 1000);
    expect(brain.startMs).toBeLessThanOrEqual(30_000 + masterDownIntervalMs(90, 1000));
    expect(brain.endMs).toBeGreaterThanOrEqual(50_000);
    expect(brain.endMs).toBeLessThan(50_000 + 1000);
    // the stated expectation holds, so the split brain alone fails the run
    expect(result.expectations.map((e) => [e.name, e.pass])).toEqual([['errors', true]]);
    expect(result.verdict).toBe('fail');
    expect(result.invariants.find((i) => i.name === 'single-vip-holder')).toMatchObject({ pass: false, atMs: brain.startMs });
  });

  it('with arbiter fencing the weaker node holds the VIP at most fall × interval + timeout of its fencing script, yet takes it when the master really dies', async () => {
    const partition = '  - { id: cut, at: 30s, action: network-partition, target: a, peer: b, duration: 20s }';
    const fenced = await simulate(pair({ master: 100, backup: 90, fault: partition, fencing: 'arbiter', expect: '{ splitBrain: "<= 3s" }' }));
    // fencingScript defaults (keepalived.conf(5)): interval 1 s, timeout = interval, fall 2
    expect(fenced.result.metrics.splitBrains).toHaveLength(1);
    expect(fenced.result.metrics.splitBrainMs).toBeLessThanOrEqual(2 * 1_000 + 1_000);
    expect(fenced.record.events.filter((e) => e.type === 'fencing' && e.detail.granted === false).length).toBeGreaterThanOrEqual(1);

    const death = await simulate(
      pair({ master: 100, backup: 90, fault: '  - { id: down, at: 30s, action: aws:ec2:stop-instances, target: a }', fencing: 'arbiter' }),
    );
    const takeover = becameMaster(death.record.events, 'b')!;
    // the dead master no longer holds the address: the arbiter hands its lease over, so the backup takes over on master down
    expect(takeover.atMs).toBeGreaterThan(30_000 + 3_648 - 1_000);
    expect(takeover.atMs).toBeLessThanOrEqual(30_000 + 3_649);
  });

  it('preempt_delay holds the recovered primary back that long after it first sees the lower-priority master', async () => {
    const track = '    trackScript: { interval: 5s, timeout: 1s, fall: 2, rise: 2, weight: -20 }';
    const fault = '  - { id: drop, at: 20s, action: network-drop, target: a, port: 80, duration: 20s }';
    const base = pair({ master: 100, backup: 90, track, fault });
    const eager = await simulate(base);
    const patient = await simulate(base.replace('    advertInt: 1s', '    advertInt: 1s\n    preemptDelay: 15s'));
    const eagerBack = becameMaster(eager.record.events, 'a', 40_000)!.atMs;
    const patientBack = becameMaster(patient.record.events, 'a', 40_000)!.atMs;
    const risen = patient.record.events.find((e) => e.type === 'track.health' && e.detail.health === 'healthy' && e.atMs > 40_000)!;
    // a discards b's adverts from the moment its priority is back to 100; it may preempt 15 s after the first one
    expect(patientBack).toBeGreaterThan(eagerBack);
    expect(patientBack).toBeGreaterThanOrEqual(risen.atMs + 14_000);
    expect(patientBack).toBeLessThanOrEqual(risen.atMs + 16_000 + 3_610);
    const nonPreempt = await simulate(base.replace('    advertInt: 1s', '    advertInt: 1s\n    preempt: false'));
    expect(becameMaster(nonPreempt.record.events, 'a', 40_000)).toBeUndefined();
  });
});
