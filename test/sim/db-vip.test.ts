import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { DB_VIP_PRIORITY } from '../../src/scenario/db-vip.js';
import { parseScenario } from '../../src/scenario/load.js';
import { writerCheckPhaseMs } from '../../src/scenario/script-phase.js';
import { masterDownIntervalMs, skewMs } from '../../src/simulator/vrrp.js';
import { repoRoot } from '../helpers/cli.js';
import { simulate } from '../helpers/sim.js';
import { seeds, spread } from '../helpers/vrrp.js';

/**
 * Endpoint mode vip on the simulator (scenarios/host-postgres-vip.yaml and variants): keepalived on both
 * database members, a weight-0 writer check (`SELECT NOT pg_is_in_recovery()` over the Unix socket)
 * holding a member that is not the writer in FAULT, the apps writing to the address. Every number comes
 * from the scenario and from RFC 3768 §6.1 (VRRPv2: Skew_Time = (256 − priority)/256 s,
 * Master_Down_Interval = 3 × advert_int + Skew_Time) and keepalived.conf(5) (vrrp_script interval,
 * timeout, fall, rise).
 */
const TEXT = readFileSync(join(repoRoot, 'scenarios/host-postgres-vip.yaml'), 'utf8');
const SPEC = parseScenario(TEXT, 'host-postgres-vip.yaml').scenario;
const DB = SPEC.setup.database!;
const VIP = DB.endpoint.vip!;
const CHECK = VIP.check;
const FAULT = SPEC.faults[0]!;
const SEEDS = seeds(100);

/** The scenario with other faults (YAML list items) and, optionally, other writer-check settings. */
function variant(faults: string, check?: string): string {
  const head = TEXT.slice(0, TEXT.indexOf('\nfaults:'));
  const withCheck = check ? head.replace(/check: \{[^}]*\}/, `check: ${check}`) : head;
  return `${withCheck}\nfaults:\n${faults}\n`;
}

const dbEvents = (events: readonly RunEvent[], type: string) => events.filter((e) => e.component === 'db' && e.type === type);
const first = (events: readonly RunEvent[], type: string, pred: (e: RunEvent) => boolean = () => true) => dbEvents(events, type).find(pred);
/** The writer check's runs: every interval from the seeded phase both targets share. */
const nextRun = (seed: number, tMs: number, intervalMs = CHECK.intervalMs) => {
  const phase = writerCheckPhaseMs(seed, DB.id, intervalMs);
  return phase + Math.max(0, Math.ceil((tMs - phase) / intervalMs)) * intervalMs;
};
const STANDBY_DOWN_MS = masterDownIntervalMs(DB_VIP_PRIORITY.standby, VIP.advertIntMs, 2);
const STANDBY_SKEW_MS = skewMs(DB_VIP_PRIORITY.standby, VIP.advertIntMs, 2);

describe('endpoint mode vip on the simulator', () => {
  it(`PostgreSQL stopped on the primary (${SEEDS.length} seeds): the route moves to the standby within [promotion + (rise − 1) × interval + skew(90), promotion + rise × interval + masterDown(90)]`, async () => {
    const afterPromotion: number[] = [];
    for (const seed of SEEDS) {
      const { record, result } = await simulate(TEXT, seed);
      const { events } = record;
      const promoted = first(events, 'writer')!;
      const route = first(events, 'route.changed')!;
      expect(route.detail, `seed ${seed}`).toMatchObject({ layer: 'database', resource: DB.id, from: DB.primary, to: DB.standby, via: 'vip' });
      const delay = route.atMs - promoted.atMs;
      expect(delay, `seed ${seed}`).toBeGreaterThanOrEqual((CHECK.rise - 1) * CHECK.intervalMs + STANDBY_SKEW_MS);
      expect(delay, `seed ${seed}`).toBeLessThanOrEqual(CHECK.rise * CHECK.intervalMs + STANDBY_DOWN_MS);
      // exactly: the old master went to FAULT at its first check after the crash (refused at once, fall 1), so the standby
      // leaves FAULT at its first check after the promotion and waits its whole master-down interval
      const oldFault = first(events, 'vip.state', (e) => e.detail.node === DB.primary && e.detail.state === 'fault')!;
      expect(oldFault.atMs, `seed ${seed}`).toBe(nextRun(seed, FAULT.atMs));
      expect(route.atMs, `seed ${seed}`).toBeCloseTo(nextRun(seed, promoted.atMs) + (CHECK.rise - 1) * CHECK.intervalMs + STANDBY_DOWN_MS, 6);
      // the switch the run measures is this route change, after our controller's verdict
      expect(result.metrics.perFault[0]!.switchMs! + result.metrics.perFault[0]!.detectionMs!, `seed ${seed}`).toBeCloseTo(route.atMs - FAULT.atMs, 6);
      afterPromotion.push(delay);
    }
    // the check phase and the promotion time come from the seed: the delay spreads over the check interval
    expect(spread(afterPromotion)).toBeGreaterThan(0.8 * CHECK.intervalMs);
  });

  it('only the writer ever holds the address, and never two members at once', async () => {
    for (const seed of seeds(50)) {
      const { record } = await simulate(TEXT, seed);
      let writer = DB.primary;
      let alive = true;
      for (const e of record.events) {
        if (e.component === 'db' && e.type === 'writer') writer = String(e.detail.writer);
        if (e.component === 'fault' && e.detail.target === DB.primary) alive = e.type !== 'injected';
        if (e.component !== 'db' || e.type !== 'vip.holders') continue;
        const holders = String(e.detail.holders).split(',').filter(Boolean);
        expect(holders.length, `seed ${seed} at ${e.atMs}`).toBeLessThanOrEqual(1);
        for (const h of holders) {
          expect(h, `seed ${seed} at ${e.atMs}`).toBe(writer);
          if (h === DB.primary) expect(alive, `seed ${seed}: the crashed primary holds the address at ${e.atMs}`).toBe(true);
        }
      }
      // no write is acknowledged by a member that is not the writer
      expect(record.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes')!.pass, `seed ${seed}`).toBe(true);
    }
  });

  it('a frozen primary (process-pause postgres) fails its check only when the run is killed at the timeout', async () => {
    const timeoutMs = 700;
    const text = variant('  - { id: freeze, at: 20s, action: process-pause, target: db-a, service: postgres, duration: 15s }', `{ interval: 1s, timeout: ${timeoutMs}ms, fall: 1, rise: 1 }`);
    for (const seed of seeds(50)) {
      const { record } = await simulate(text, seed);
      const fault = first(record.events, 'vip.state', (e) => e.detail.node === DB.primary && e.detail.state === 'fault')!;
      // the first run after the freeze waits on the frozen server until keepalived kills it
      expect(fault.atMs, `seed ${seed}`).toBe(nextRun(seed, 20_000) + timeoutMs);
      const check = first(record.events, 'vip.check', (e) => e.detail.node === DB.primary)!;
      expect(check.atMs, `seed ${seed}`).toBe(fault.atMs);
      // and the standby then takes the address as in the crash: its first passing check after the promotion + masterDown(90)
      const promoted = first(record.events, 'writer')!;
      expect(first(record.events, 'route.changed')!.atMs, `seed ${seed}`).toBeCloseTo(nextRun(seed, promoted.atMs) + STANDBY_DOWN_MS, 6);
    }
  });

  it('network-drop of 5432 on the primary: its check still passes (Unix socket), it keeps the address until the controller fences it', async () => {
    const text = variant('  - { id: drop, at: 20s, action: network-drop, target: db-a, protocol: tcp, port: 5432, duration: 15s }');
    for (const seed of seeds(50)) {
      const { record, result } = await simulate(text, seed);
      const fenced = first(record.events, 'failover.started')!;
      const lostAddress = first(record.events, 'vip.holders', (e) => e.detail.previous === DB.primary)!;
      // the controller's checks time out on the dropped port: a verdict, then the fence (immediate shutdown) as the failover starts
      expect(fenced.atMs, `seed ${seed}`).toBeGreaterThan(20_000);
      // until then no check of db-a failed; the first one after the fence does (refused at once, fall 1)
      expect(first(record.events, 'vip.check', (e) => e.detail.node === DB.primary)!.atMs, `seed ${seed}`).toBe(lostAddress.atMs);
      expect(lostAddress.atMs, `seed ${seed}`).toBe(nextRun(seed, fenced.atMs));
      // writes failed all along (the apps' packets to 5432 are dropped) and resume on the standby after the route moves
      const route = first(record.events, 'route.changed')!;
      expect(route.detail.to, `seed ${seed}`).toBe(DB.standby);
      const resumed = first(record.events, 'writes.resumed')!;
      // (the event's times are rounded to the millisecond)
      expect(Number(resumed.detail.sinceMs), `seed ${seed}`).toBeLessThanOrEqual(20_000 + 1_000 / DB.writeRate);
      expect(Number(resumed.detail.sinceMs) + Number(resumed.detail.unavailableMs), `seed ${seed}`).toBeGreaterThanOrEqual(route.atMs - 1);
      expect(result.metrics.perFault[0]!.detectedBy, `seed ${seed}`).toBe('controller');
    }
  });

  it('a drop of port 80 reaches nothing on a PostgreSQL member: no check, no write fails', async () => {
    const { record, result } = await simulate(variant('  - { id: drop, at: 20s, action: network-drop, target: db-a, protocol: tcp, port: 80, duration: 15s }'), 5);
    expect(dbEvents(record.events, 'failover.started')).toEqual([]);
    expect(result.metrics.errorCount).toBe(0);
  });

  it('keepalived stopped on the standby does not disturb the writes; started again it is in FAULT at once (its first check fails)', async () => {
    const text = variant('  - { id: ka, at: 20s, action: service-stop, target: db-b, service: keepalived, duration: 10s }');
    for (const seed of seeds(20)) {
      const { record, result } = await simulate(text, seed);
      expect(result.metrics.errorCount, `seed ${seed}`).toBe(0);
      expect(record.events.find((e) => e.type === 'writes')!.detail.failed, `seed ${seed}`).toBe(0);
      expect(dbEvents(record.events, 'vip.holders').map((e) => e.detail.holders), `seed ${seed}`).toEqual([DB.primary]);
      expect(dbEvents(record.events, 'route.changed'), `seed ${seed}`).toEqual([]);
      const states = dbEvents(record.events, 'vip.state').filter((e) => e.detail.node === DB.standby && e.atMs >= 20_000);
      expect(states.map((e) => [e.atMs, e.detail.state]), `seed ${seed}`).toEqual([
        [20_000, 'init'],
        [30_000, 'backup'],
        [30_000, 'fault'],
      ]);
    }
  });

  it('keepalived stopped on the primary: nobody holds the address (the standby is in FAULT) until it starts again and waits masterDown(100)', async () => {
    const text = variant('  - { id: ka, at: 20s, action: service-stop, target: db-a, service: keepalived, duration: 10s }');
    const backMs = masterDownIntervalMs(DB_VIP_PRIORITY.primary, VIP.advertIntMs, 2);
    for (const seed of seeds(20)) {
      const { record } = await simulate(text, seed);
      expect(dbEvents(record.events, 'vip.holders').map((e) => [e.atMs, e.detail.holders]), `seed ${seed}`).toEqual([
        [0, DB.primary],
        [20_000, ''],
        [30_000 + backMs, DB.primary],
      ]);
      // the first write after it holds the address again goes through (the event's times are rounded to the millisecond)
      const resumed = first(record.events, 'writes.resumed')!;
      expect(Number(resumed.detail.sinceMs) + Number(resumed.detail.unavailableMs), `seed ${seed}`).toBeGreaterThanOrEqual(30_000 + backMs - 1);
      expect(Number(resumed.detail.sinceMs) + Number(resumed.detail.unavailableMs), `seed ${seed}`).toBeLessThanOrEqual(30_000 + backMs + 1_000 / DB.writeRate + 1);
    }
  });

  it('the same scenario and seed give byte-identical events; another seed other ones', async () => {
    const text = variant('  - { id: freeze, at: 20s, action: process-pause, target: db-a, service: postgres, duration: 15s }');
    const events = async (seed: number) => JSON.stringify((await simulate(text, seed)).record.events);
    const a = await events(7);
    expect(await events(7)).toBe(a);
    expect(await events(8)).not.toBe(a);
  });
});
