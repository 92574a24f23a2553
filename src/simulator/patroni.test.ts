import { describe, expect, it } from 'vitest';
import type { Rng } from '../controller/ports.js';
import { PATRONI_REST_TIMEOUT_MS, PATRONI_RESTART_MS, PG_PROMOTE_MS, type PatroniTimings } from '../scenario/patroni.js';
import { Engine } from './engine.js';
import { leaderHealth, SimPatroni } from './patroni.js';
import { SimServer } from './server.js';

const TIMINGS: PatroniTimings = { ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 5_000 };

/** Always draws `u`: the loop phase is u × loop_wait, a pg_promote or restart time the range's u-point. */
const fixed = (u: number): Rng => ({ next: () => u, int: (min) => min, fork: () => fixed(u) });

function cluster(u: number) {
  const engine = new Engine();
  const node = new SimServer('db-a', 1);
  const log: string[] = [];
  const patroni = new SimPatroni(TIMINGS, engine, fixed(u), {
    keyLapsed: (promotionMs) => log.push(`${engine.nowMs} lapsed ${promotionMs}`),
    postgresStarted: () => {
      log.push(`${engine.nowMs} started`);
      node.start('app');
    },
  });
  /** Applies `change` to the node at `atMs` and tells Patroni, as the world does. */
  const at = (atMs: number, change: () => void) => engine.at(atMs, () => (change(), patroni.leaderChanged(node)));
  return { engine, node, log, patroni, at };
}

describe('leaderHealth: what Patroni on the node can still do', () => {
  it('lost when the node is down, cut off from etcd (isolated, every inbound TCP dropped) or its PostgreSQL frozen', () => {
    const lost = [(s: SimServer) => s.powerOff(), (s: SimServer) => s.isolate(), (s: SimServer) => s.addDrop({}), (s: SimServer) => s.addDrop({ protocol: 'tcp' }), (s: SimServer) => s.pause('app')];
    for (const fault of lost) {
      const node = new SimServer('db-a', 1);
      const undo = fault(node);
      expect(leaderHealth(node)).toBe('lost');
      undo();
      expect(leaderHealth(node)).toBe('leading');
    }
  });

  it('postgres-stopped when only PostgreSQL stopped; leading when a port, a peer or another protocol is dropped (etcd answers on none of them)', () => {
    const node = new SimServer('db-a', 1);
    node.stop('app');
    expect(leaderHealth(node)).toBe('postgres-stopped');
    for (const rule of [{ port: 80 }, { peer: 'db-b' }, { protocol: 'vrrp' as const }]) {
      const other = new SimServer('db-a', 1);
      other.addDrop(rule);
      expect(leaderHealth(other)).toBe('leading');
    }
  });
});

describe('SimPatroni', () => {
  it('the key lapses ttl after the last refresh before the fault; the replica promotes after the REST check and pg_promote', async () => {
    // loop phase 0.25 × 2 s: refreshes at 0.5 s, 2.5 s, … 10.5 s; a fault at 11 s lapses at 10.5 s + 20 s
    const c = cluster(0.25);
    c.at(11_000, () => void c.node.addDrop({}));
    await c.engine.runUntil(60_000);
    const promotionMs = PATRONI_REST_TIMEOUT_MS + PG_PROMOTE_MS.min + 0.25 * (PG_PROMOTE_MS.max - PG_PROMOTE_MS.min);
    expect(c.log).toEqual([`${10_500 + TIMINGS.ttlMs} lapsed ${promotionMs}`]);
  });

  it('a leader reachable again before the lapse keeps its key', async () => {
    const c = cluster(0.25);
    let undo = () => undefined as void;
    c.at(11_000, () => void (undo = c.node.pause('app')));
    c.at(25_000, () => undo());
    await c.engine.runUntil(60_000);
    expect(c.log).toEqual([]);
  });

  it('PostgreSQL stopped: the next HA loop finds it down and starts it again after the restart time', async () => {
    const c = cluster(0.25);
    c.at(11_000, () => void c.node.stop('app'));
    await c.engine.runUntil(60_000);
    const restartMs = PATRONI_RESTART_MS.min + 0.25 * (PATRONI_RESTART_MS.max - PATRONI_RESTART_MS.min);
    expect(c.log).toEqual([`${12_500 + restartMs} started`]);
    expect(c.node.serviceRunning('app')).toBe(true);
  });

  it('PostgreSQL started again by the fault’s undo before the next loop: Patroni has nothing to do', async () => {
    const c = cluster(0.25);
    let undo = () => undefined as void;
    c.at(11_000, () => void (undo = c.node.stop('app')));
    c.at(12_000, () => undo());
    await c.engine.runUntil(60_000);
    expect(c.log).toEqual([]);
  });
});

describe('SimServer.start (a supervisor restarts a stopped service)', () => {
  it('ends every stop in force; their undos then change nothing, a later stop still counts', () => {
    const node = new SimServer('db-a', 1);
    const undoA = node.stop('app');
    const undoB = node.stop('app');
    node.start('app');
    expect(node.serviceStopped('app')).toBe(false);
    const undoC = node.stop('app');
    undoA();
    undoB();
    expect(node.serviceStopped('app')).toBe(true);
    undoC();
    expect(node.serviceStopped('app')).toBe(false);
  });
});
