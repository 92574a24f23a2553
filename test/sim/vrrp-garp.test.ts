import { describe, expect, it } from 'vitest';
import { GARP_MASTER_DELAY_MS } from '../../src/simulator/vrrp.js';
import { simulate } from '../helpers/sim.js';
import { becameMaster, seeds, vrrpPair } from '../helpers/vrrp.js';

// keepalived pair a (100, MASTER) / b (90), advert_int 1 s; a's adverts are dropped on b from 30 s to 50 s
const ADVERT_MS = 1_000;
const FAULT_AT_MS = 30_000;
const FAULT_END_MS = 50_000;
const CLIENTS = 5;

const scenario = vrrpPair({
  name: 'vrrp-garp',
  master: 100,
  backup: 90,
  fault: '  - { id: f, at: 30s, action: network-drop, target: b, peer: a, protocol: vrrp, duration: 20s }',
  expect: '{ splitBrain: "< 30s" }',
  load: { ratePerSec: 20, clients: CLIENTS },
});

describe("gratuitous ARPs in a split brain, as keepalived sends them", () => {
  it('clients follow the last gratuitous ARP: the new master, the old master answering its adverts, the delayed second set, the old master again', async () => {
    const windows = new Set<number>();
    for (const seed of seeds(40)) {
      const { result, record } = await simulate(scenario, seed);
      const takeoverMs = becameMaster(record.events, 'b', FAULT_AT_MS)!.atMs;
      const routes = record.events
        .filter((e) => e.component === 'vip' && e.type === 'route.changed' && e.atMs >= FAULT_AT_MS && e.atMs < FAULT_END_MS)
        .map((e) => [e.atMs - takeoverMs, e.detail.to]);
      // b becomes master and sends its first advert and its gratuitous ARPs at once; a (master at 100) answers that
      // lower advert with its own advert and gratuitous ARPs (vrrp.c vrrp_state_master_rx; garp_lower_prio_repeat
      // defaults to 5). Which reaches the clients last is a race: if a's answer comes first, clients stay on b until
      // a answers b's next advert, one advert_int later; else they are back on a at once. b's second set comes
      // vrrp_garp_master_delay (5 s, keepalived.conf(5)) after its transition, from a timer older than that
      // instant's advert, which a answers: clients go to b and back to a in the same instant. Nothing moves them
      // again while the partition lasts. (19 drills of real keepalived 2.2.7 here: the one-advert window in 13.)
      const backMs = routes[1]![0] as number;
      windows.add(backMs);
      expect(routes, `seed ${seed}`).toEqual([
        [0, 'b'],
        [backMs, 'a'],
        [GARP_MASTER_DELAY_MS, 'b'],
        [GARP_MASTER_DELAY_MS, 'a'],
      ]);
      // each move clients' requests meet resets their keep-alive connection once (RFC 9293 §3.10.7.1): to b and
      // back to a when they stayed on b for an advert interval, none otherwise
      expect(result.metrics.errorCount, `seed ${seed}`).toBe(backMs === ADVERT_MS ? 2 * CLIENTS : 0);
    }
    // both orders of the race occur over the seeds
    expect([...windows].sort((x, y) => x - y)).toEqual([0, ADVERT_MS]);
  });
});
