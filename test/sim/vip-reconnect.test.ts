import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import type { SampleSeries } from '../../src/measure/samples.js';
import { simulate } from '../helpers/sim.js';
import { seeds } from '../helpers/vrrp.js';

// A keepalived pair a (100, MASTER) / b (90) behind one VIP; every client holds one keep-alive
// connection (HTTP/1.1, as the host's autocannon does). A VIP that moves while the old node still
// answers leaves that connection on a node clients no longer reach: the new node has no such
// connection and answers the client's next segment with a reset (RFC 9293 §3.10.7.1), so each
// client's first request after the move fails, and it reconnects.
const CLIENTS = 5;
const RATE_PER_SEC = 25;
/** Each client sends every clients / rate seconds (src/simulator/load.ts): its next request falls within one period. */
const PERIOD_MS = (CLIENTS * 1_000) / RATE_PER_SEC;
const RESOLUTION_MS = 10;
const SEEDS = seeds(50);

const pair = (fault: string, trackScript = '') => `
name: vip-reconnect
duration: 70s
setup:
  servers: [{ id: a, latency: 1ms }, { id: b, latency: 1ms }]
  vip:
    advertInt: 1s
    nodes:
      - { server: a, priority: 100, state: MASTER }
      - { server: b, priority: 90 }
${trackScript}
load: { rate: ${RATE_PER_SEC}, clients: ${CLIENTS}, timeout: 1s }
measure: { resolution: ${RESOLUTION_MS}ms }
faults:
  - ${fault}
expect: { splitBrain: "< 60s", errorRate: "< 100%" }
`;

const FAULT_AT_MS = 20_000;

/** Where clients' traffic to the VIP went after the fault, in order. */
const routeChanges = (events: readonly RunEvent[]) => events.filter((e) => e.component === 'vip' && e.type === 'route.changed' && e.atMs >= FAULT_AT_MS);

/** Client errors in buckets that start in [fromMs, toMs). */
function errorsWithin(samples: SampleSeries, fromMs: number, toMs: number): number {
  let n = 0;
  for (let b = Math.floor(fromMs / samples.resolutionMs); b * samples.resolutionMs < toMs && b < samples.err.length; b++) n += samples.err[b]!;
  return n;
}

describe('clients keep connections: a VIP that moves resets them', () => {
  it('a frozen keepalived: each client loses one request when b takes the VIP and one when a takes it back', async () => {
    for (const seed of SEEDS) {
      const { result, record } = await simulate(pair('{ id: f, at: 20s, action: process-pause, service: keepalived, target: a, duration: 20s }'), seed);
      const [toB, toA] = routeChanges(record.events);
      expect(toB?.detail.to, `seed ${seed}`).toBe('b');
      expect(toA?.detail.to, `seed ${seed}`).toBe('a');
      // a's app kept serving: every client held a live connection to a, then to b
      expect(errorsWithin(record.samples, toB!.atMs, toB!.atMs + PERIOD_MS + RESOLUTION_MS), `seed ${seed}`).toBe(CLIENTS);
      expect(errorsWithin(record.samples, toA!.atMs, toA!.atMs + PERIOD_MS + RESOLUTION_MS), `seed ${seed}`).toBe(CLIENTS);
      expect(result.metrics.errorCount, `seed ${seed}`).toBe(2 * CLIENTS);
      // the resets come back from the node clients now reach, at once
      expect(record.samples.byServer.b!.err.reduce((s, x) => s + x, 0), `seed ${seed}`).toBe(CLIENTS);
      expect(record.samples.byServer.a!.err.reduce((s, x) => s + x, 0), `seed ${seed}`).toBe(CLIENTS);
    }
  });

  it('a dropped app port: clients gave up their connections to a at the timeout, so only the failback resets them', async () => {
    // track_script every 1 s, fall 1, timeout 500 ms: the VIP moves long after every client's request to a timed out
    const script = '    trackScript: { name: check_app, interval: 1s, timeout: 500ms, fall: 1, rise: 1, weight: -20 }';
    for (const seed of SEEDS.slice(0, 20)) {
      const { result, record } = await simulate(pair('{ id: f, at: 20s, action: network-drop, target: a, protocol: tcp, port: 80, duration: 20s }', script), seed);
      const [toB, toA] = routeChanges(record.events);
      expect(toB?.detail.to, `seed ${seed}`).toBe('b');
      expect(toA?.detail.to, `seed ${seed}`).toBe('a');
      expect(errorsWithin(record.samples, toB!.atMs + RESOLUTION_MS, toA!.atMs - RESOLUTION_MS), `seed ${seed}`).toBe(0);
      expect(errorsWithin(record.samples, toA!.atMs, toA!.atMs + PERIOD_MS + RESOLUTION_MS), `seed ${seed}`).toBe(CLIENTS);
      // the outage of the fault ends at the first request after the switch (within one period): it succeeds
      expect(result.metrics.rtoMs! - result.metrics.timeToSwitchMs!, `seed ${seed}`).toBeLessThanOrEqual(PERIOD_MS);
    }
  });
});
