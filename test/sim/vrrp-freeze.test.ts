import { describe, expect, it } from 'vitest';
import { masterDownIntervalMs, skewMs } from '../../src/simulator/vrrp.js';
import { simulate } from '../helpers/sim.js';
import { seeds, vipStateAt } from '../helpers/vrrp.js';

// keepalived pair a (100, MASTER) / b (90), advert_int 1 s, VRRPv2 (keepalived's default)
const ADVERT_MS = 1_000;
const FAULT_AT_MS = 30_000;
const FROZEN_MS = 20_000;
const SEEDS = seeds(50);

const pair = (fault: string) => `
name: vrrp-freeze
duration: 70s
setup:
  servers: [{ id: a, latency: 5ms }, { id: b, latency: 5ms }]
  vip:
    advertInt: 1s
    nodes:
      - { server: a, priority: 100, state: MASTER }
      - { server: b, priority: 90 }
load: { rate: 20, clients: 5, timeout: 2s }
faults:
  - { id: f, at: 30s, action: ${fault}, service: keepalived, target: a, duration: 20s }
expect: { splitBrain: "< 30s" }
`;


describe('a frozen keepalived (SIGSTOP) is not a stopped one', () => {
  it('the frozen master sends nothing and keeps the address; the backup takes over after Master_Down_Interval; both hold it until the master resumes', async () => {
    // RFC 3768 §6.4.2: the backup takes over when Master_Down_Timer (3 × advert_int + (256 − 90)/256 s)
    // runs out after the last advert it accepted, which left the master in [fault − advert_int, fault]
    // (an advert due at the fault's instant may go either way)
    const masterDownMs = masterDownIntervalMs(90, ADVERT_MS, 2);
    expect(masterDownMs).toBe(3_648.4375);
    const resumeMs = FAULT_AT_MS + FROZEN_MS;
    const takeovers: number[] = [];
    for (const seed of SEEDS) {
      const { result, record } = await simulate(pair('process-pause'), seed);
      const takeover = vipStateAt(record.events, 'b', 'master')!;
      expect(takeover.atMs, `seed ${seed}`).toBeGreaterThanOrEqual(FAULT_AT_MS + masterDownMs - ADVERT_MS);
      expect(takeover.atMs, `seed ${seed}`).toBeLessThanOrEqual(FAULT_AT_MS + masterDownMs);
      // a never leaves MASTER: no priority-0 advert, no address dropped
      expect(record.events.some((e) => e.type === 'state' && e.detail.node === 'a' && e.detail.previous === 'master'), `seed ${seed}`).toBe(false);
      const twoHolders = record.events.find((e) => e.type === 'holders' && e.detail.holders === 'a,b')!;
      expect(twoHolders.atMs).toBe(takeover.atMs);
      // resumed, a advertises at once (its advert timer ran out while frozen) and b, lower, steps down
      expect(vipStateAt(record.events, 'b', 'backup', FAULT_AT_MS)!.atMs, `seed ${seed}`).toBe(resumeMs);
      expect(result.metrics.splitBrainMs, `seed ${seed}`).toBeCloseTo(resumeMs - takeover.atMs, -2);
      // a's app kept serving through the address a kept; b's app serves once its ARP took the clients, and each of
      // the 5 clients' keep-alive connection is reset once per move (to b, back to a: RFC 9293, no connection there)
      expect(result.metrics.errorCount, `seed ${seed}`).toBe(2 * 5);
      takeovers.push(takeover.atMs - FAULT_AT_MS);
    }
    // the advert phase comes from the seed: takeovers spread over the advert interval
    expect(Math.max(...takeovers) - Math.min(...takeovers)).toBeGreaterThan(0.8 * ADVERT_MS);
  });

  it('a stopped keepalived (SIGTERM) sends priority 0: the backup takes over after Skew_Time, no split brain', async () => {
    // RFC 3768 §6.4.2: on a priority-0 advert the backup sets Master_Down_Timer to Skew_Time
    for (const seed of SEEDS.slice(0, 10)) {
      const { result, record } = await simulate(pair('service-stop'), seed);
      expect(vipStateAt(record.events, 'b', 'master')!.atMs, `seed ${seed}`).toBe(FAULT_AT_MS + skewMs(90, ADVERT_MS, 2));
      expect(result.metrics.splitBrainMs).toBe(0);
    }
  });
});
