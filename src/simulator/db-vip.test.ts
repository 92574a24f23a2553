import { describe, expect, it } from 'vitest';
import { EventLog } from '../measure/events.js';
import { SeededRng } from '../random/seeded-rng.js';
import { DB_VIP_PRIORITY, dbVipOf } from '../scenario/db-vip.js';
import { parseScenario } from '../scenario/load.js';
import { writerCheckPhaseMs } from '../scenario/script-phase.js';
import { VirtualClock } from './clock.js';
import { SimDbVip } from './db-vip.js';
import { Engine } from './engine.js';
import { POSTGRES_PORT, SimServer } from './server.js';
import { masterDownIntervalMs, skewMs } from './vrrp.js';

const yaml = (check: string) => `
name: u
duration: 60s
setup:
  servers: [{ id: app }, { id: db-a }, { id: db-b }]
  database:
    id: pg
    engine: postgres-streaming
    primary: db-a
    standby: db-b
    clients: [app]
    endpoint: { mode: vip, vip: { advertInt: 1s, check: ${check} } }
`;

/** The database VIP on two members, the writer set by hand (`world.writer`; undefined while failing over). */
function pair(seed: number, check = '{ interval: 1s, timeout: 1s, fall: 1, rise: 1 }') {
  const db = parseScenario(yaml(check), 'u.yaml').scenario.setup.database!;
  const vip = dbVipOf(db)!;
  const engine = new Engine();
  const events = new EventLog(new VirtualClock(engine));
  const servers = new Map(['db-a', 'db-b'].map((id) => [id, new SimServer(id, 1, undefined, POSTGRES_PORT)]));
  const world = { writer: 'db-a' as string | undefined };
  const dbVip = new SimDbVip(db, vip, { engine, events, rng: new SeededRng(seed), beforeRoutingChange: () => undefined }, servers, {
    isWriter: (member) => member === world.writer,
  });
  /** Changes the world at `atMs` and tells the VIP, as the world does after a fault or its undo. */
  const at = (atMs: number, change: () => void) => engine.at(atMs, () => (change(), dbVip.worldChanged()));
  const server = (id: string) => servers.get(id)!;
  const routes = () => events.events.filter((e) => e.component === 'db' && e.type === 'route.changed');
  const phaseMs = writerCheckPhaseMs(seed, db.id, vip.check.intervalMs);
  return { db, vip, engine, events, dbVip, world, at, server, routes, phaseMs };
}

/** The first check run at or after `tMs` (runs every interval from the phase). */
const nextRun = (tMs: number, phaseMs: number, intervalMs: number) => phaseMs + Math.max(0, Math.ceil((tMs - phaseMs) / intervalMs)) * intervalMs;

const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1);

describe('SimDbVip: keepalived on the database members, the writer check deciding who may hold the address', () => {
  it('at time 0 the primary holds the address and the standby (in recovery) is in FAULT', () => {
    const p = pair(1);
    expect(p.dbVip.vrrp.holders).toEqual(['db-a']);
    expect(p.dbVip.vrrp.state('db-b')).toBe('fault');
    expect(p.dbVip.backend()).toBe('db-a');
  });

  it('a stopped primary drops the address at its next check; the promoted standby takes it Master_Down_Interval after its next passing check (RFC 3768 §6.1)', async () => {
    const downMs = masterDownIntervalMs(DB_VIP_PRIORITY.standby, 1_000);
    for (const seed of SEEDS) {
      const p = pair(seed);
      const crashMs = 10_000;
      const promotedMs = 12_345;
      p.at(crashMs, () => void p.server('db-a').stop('app'));
      p.at(promotedMs, () => void (p.world.writer = 'db-b'));
      await p.engine.runUntil(30_000);
      const holders = p.events.events.filter((e) => e.type === 'vip.holders').map((e) => [e.atMs, e.detail.holders]);
      const dropMs = nextRun(crashMs, p.phaseMs, 1_000);
      const riseMs = nextRun(promotedMs, p.phaseMs, 1_000);
      expect(holders, `seed ${seed}`).toEqual([
        [0, 'db-a'],
        [dropMs, ''],
        [riseMs + downMs, 'db-b'],
      ]);
      expect(p.routes().map((e) => [e.atMs, e.detail.from, e.detail.to, e.detail.via]), `seed ${seed}`).toEqual([[riseMs + downMs, 'db-a', 'db-b', 'vip']]);
      expect(p.dbVip.backend()).toBe('db-b');
    }
  });

  it('a frozen primary fails its check only when the run is killed at the timeout; a standby already out of FAULT then takes over after its skew', async () => {
    const timeoutMs = 600;
    for (const seed of SEEDS) {
      const p = pair(seed, `{ interval: 1s, timeout: ${timeoutMs}ms, fall: 1, rise: 1 }`);
      // promoted (the frozen primary still the writer as far as its data goes) before the frozen one's next run ends
      p.at(10_000, () => {
        p.server('db-a').pause('app');
        p.world.writer = 'db-b';
      });
      await p.engine.runUntil(20_000);
      const runMs = nextRun(10_000, p.phaseMs, 1_000);
      const fault = p.events.events.find((e) => e.type === 'vip.state' && e.detail.node === 'db-a' && e.detail.state === 'fault')!;
      expect(fault.atMs, `seed ${seed}`).toBe(runMs + timeoutMs);
      // the standby left FAULT at the run's start (its own check passes at once) and hears the priority-0 advert
      expect(p.routes()[0]!.atMs, `seed ${seed}`).toBeCloseTo(runMs + timeoutMs + skewMs(DB_VIP_PRIORITY.standby, 1_000), 9);
    }
  });

  it('network faults on the primary do not touch its check (Unix socket): it keeps the address', async () => {
    const p = pair(3);
    p.at(5_000, () => {
      p.server('db-a').addDrop({ port: POSTGRES_PORT });
      p.server('db-a').isolate();
    });
    await p.engine.runUntil(30_000);
    expect(p.dbVip.vrrp.holders).toEqual(['db-a']);
    expect(p.events.events.filter((e) => e.type === 'vip.check')).toHaveLength(1); // the standby's at time 0
    // the apps reach the address but not PostgreSQL: the database model finds the member does not answer
    expect(p.dbVip.backend()).toBe('db-a');
    expect(p.server('db-a').respond().kind).toBe('no-answer');
  });

  it('keepalived stopped and started on the standby: it starts in INIT, its first check fails, FAULT again; the primary keeps the address', async () => {
    const p = pair(4);
    p.at(5_000, () => {
      p.dbVip.vrrp.keepalivedStopped('db-b');
      p.server('db-b').stop('keepalived');
    });
    p.at(9_000, () => {
      p.server('db-b').start('keepalived');
      p.dbVip.vrrp.keepalivedStarted('db-b');
    });
    await p.engine.runUntil(20_000);
    expect(p.dbVip.vrrp.holders).toEqual(['db-a']);
    expect(p.dbVip.vrrp.state('db-b')).toBe('fault');
    expect(p.events.events.filter((e) => e.type === 'vip.holders')).toHaveLength(1);
  });

  it('keepalived stopped on the primary: nobody holds the address (the standby is in FAULT) until it starts again and waits its master-down interval', async () => {
    const p = pair(5);
    p.at(5_000, () => {
      p.dbVip.vrrp.keepalivedStopped('db-a');
      p.server('db-a').stop('keepalived');
    });
    p.at(9_000, () => {
      p.server('db-a').start('keepalived');
      p.dbVip.vrrp.keepalivedStarted('db-a');
    });
    await p.engine.runUntil(20_000);
    const holders = p.events.events.filter((e) => e.type === 'vip.holders').map((e) => [e.atMs, e.detail.holders]);
    expect(holders).toEqual([
      [0, 'db-a'],
      [5_000, ''],
      [9_000 + masterDownIntervalMs(DB_VIP_PRIORITY.primary, 1_000), 'db-a'],
    ]);
    // the apps' writes went nowhere meanwhile, and back to the same member: no route change
    expect(p.routes()).toEqual([]);
  });

  it('the same seed gives the same events; the check phase is the seeded one both targets share', async () => {
    const run = async (seed: number) => {
      const p = pair(seed);
      p.at(7_000, () => void p.server('db-a').stop('app'));
      p.at(9_000, () => void (p.world.writer = 'db-b'));
      await p.engine.runUntil(20_000);
      return { events: JSON.stringify(p.events.events), phaseMs: p.phaseMs, firstCheck: p.events.events.find((e) => e.type === 'vip.check' && e.atMs > 0)!.atMs };
    };
    const a = await run(11);
    expect((await run(11)).events).toBe(a.events);
    expect(a.firstCheck).toBe(nextRun(7_000, a.phaseMs, 1_000));
    expect((await run(12)).events).not.toBe(a.events);
  });
});
