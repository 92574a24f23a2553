import { describe, expect, it } from 'vitest';
import { masterDownIntervalMs } from '../../src/simulator/vrrp.js';
import { simulate } from '../helpers/sim.js';
import { becameMaster, seeds, spread, vrrpPair } from '../helpers/vrrp.js';

// The advert phase is drawn from the seed (the pair converged before the run began), so these
// bounds hold for every seed and the figures spread over one advert interval.
const ADVERT_MS = 1_000;
const SEEDS = seeds(50);

const pair = (opts: { master: number; backup: number; fault: string; track?: string; expect?: string }) =>
  vrrpPair({ name: 'vrrp-phase', load: { ratePerSec: 20, clients: 5 }, ...opts });

describe('VRRP timers on a seeded advert phase', () => {
  it.each([
    [110, 100],
    [100, 90],
  ])('a backup at %i/%i takes over Master_Down_Interval after the last advert of a vanished master, which left in [fault − advert_int, fault]', async (master, backup) => {
    // RFC 3768 §6.4.2 (VRRPv2, keepalived's default): Master_Down_Interval = 3 × advert_int + (256 − priority)/256 s
    const masterDownMs = masterDownIntervalMs(backup, ADVERT_MS, 2);
    const delays: number[] = [];
    for (const seed of SEEDS) {
      const { record } = await simulate(pair({ master, backup, fault: '  - { id: down, at: 30500ms, action: aws:ec2:stop-instances, target: a }' }), seed);
      const delay = becameMaster(record.events, 'b')!.atMs - 30_500;
      expect(delay, `seed ${seed}`).toBeGreaterThanOrEqual(masterDownMs - ADVERT_MS);
      expect(delay, `seed ${seed}`).toBeLessThanOrEqual(masterDownMs);
      delays.push(delay);
    }
    expect(spread(delays)).toBeGreaterThan(0.8 * ADVERT_MS);
  });

  it('track_script interval 5 s, timeout 1 s, fall 2, weight −20: the backup takes over Master_Down_Interval(90) after the last advert at 100', async () => {
    // a check against a dropped port fails when keepalived times it out (1 s); two failures (fall 2) lower a to 80;
    // its adverts at 80 are discarded by b (RFC 5798 §6.4.2), so b's timer runs from the last advert at 100.
    // keepalived started on both nodes at once: the script runs from that start (verdicts at start + 5 s·k + 1 s),
    // a became master Master_Down_Interval(100) after it (keepalived.conf(5) "state") and advertises every 1 s
    // from then, so the last advert at 100 left (1 s − 3.609375 s) mod 1 s = 390.625 ms before the verdict.
    const track = '    trackScript: { interval: 5s, timeout: 1s, fall: 2, rise: 2, weight: -20 }';
    const masterDownMs = masterDownIntervalMs(90, ADVERT_MS, 2);
    const sinceLastAdvertMs = (((1_000 - masterDownIntervalMs(100, ADVERT_MS, 2)) % ADVERT_MS) + ADVERT_MS) % ADVERT_MS;
    expect(sinceLastAdvertMs).toBe(390.625);
    const delays: number[] = [];
    for (const seed of SEEDS) {
      const { record } = await simulate(pair({ master: 100, backup: 90, track, fault: '  - { id: drop, at: 30s, action: network-drop, target: a, port: 80 }' }), seed);
      const failed = record.events.find((e) => e.type === 'track.health' && e.detail.health === 'unhealthy')!;
      expect(failed.detail.priority).toBe(80);
      const takeover = becameMaster(record.events, 'b')!.atMs;
      expect(takeover - 30_000, `seed ${seed}`).toBeGreaterThan(6_000 + masterDownMs - ADVERT_MS);
      expect(takeover - 30_000, `seed ${seed}`).toBeLessThanOrEqual(11_000 + masterDownMs);
      expect(takeover - failed.atMs, `seed ${seed}`).toBe(masterDownMs - sinceLastAdvertMs);
      delays.push(takeover - 30_000);
    }
    // the script's phase comes from the seed: detection, and so the takeover, spread over the 5 s interval
    expect(spread(delays)).toBeGreaterThan(0.8 * 5_000);
  });

  it('a partition makes both master; the split brain ends at the first advert after the heal, within one advert interval', async () => {
    const partition = '  - { id: cut, at: 30s, action: network-partition, target: a, peer: b, duration: 20s }';
    const ends: number[] = [];
    for (const seed of SEEDS) {
      const { result } = await simulate(pair({ master: 100, backup: 90, fault: partition, expect: '{ errors: "0" }' }), seed);
      expect(result.metrics.splitBrains).toHaveLength(1);
      const brain = result.metrics.splitBrains[0]!;
      expect(brain.holders).toEqual(['a', 'b']);
      expect(brain.startMs, `seed ${seed}`).toBeGreaterThanOrEqual(30_000 + masterDownIntervalMs(90, ADVERT_MS, 2) - ADVERT_MS);
      expect(brain.startMs, `seed ${seed}`).toBeLessThanOrEqual(30_000 + masterDownIntervalMs(90, ADVERT_MS, 2));
      expect(brain.endMs, `seed ${seed}`).toBeGreaterThanOrEqual(50_000);
      expect(brain.endMs, `seed ${seed}`).toBeLessThan(50_000 + ADVERT_MS);
      expect(result.verdict).toBe('fail');
      ends.push(brain.endMs);
    }
    expect(new Set(ends).size).toBeGreaterThan(1);
  });
});
