import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { defaults } from '../../src/scenario/defaults.js';
import { masterDownIntervalMs, skewMs } from '../../src/simulator/vrrp.js';
import { WRITE_TIMEOUT_MS } from '../../src/targets/host/db-layer.js';
import { DB_VIP_PRIORITY } from '../../src/scenario/db-vip.js';
import { assertDemoted, assertLostCounted, assertNothingLeft, db, drill, figuresOf, figuresTable, first, one, only, type Figures } from '../helpers/postgres-drill.js';

/**
 * The database writer behind a keepalived address on the members, for real on the host target
 * (`endpoint.mode: vip`): each member's weight-0 writer check asks its own PostgreSQL
 * `SELECT NOT pg_is_in_recovery()`, so only the writer may hold the address. Every bound is derived
 * from the scenario's configuration, keepalived.conf(5) (a weight-0 vrrp_script failed `fall` times
 * puts the instance in FAULT, passed `rise` times takes it out) and RFC 3768 §6.1 (VRRPv2 skew
 * (256 − priority)/256 s, Master_Down_Interval 3 × advert + skew); host and sim figures are printed
 * side by side.
 */
const VIP = 'scenarios/host-postgres-vip.yaml';
/** A check's own latency (psql's start, a refused connect) and timers on a busy two-core machine. */
const CHECK_SLACK_MS = 300;
/** keepalived's and the apps' lines reach the run a little after they happened. */
const LINE_SLACK_MS = 250;
const table: Array<{ run: string; host: Figures; sim: Figures }> = [];
const timelines: string[] = [];
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Stretches where two members were MASTER at once, from the members' `vip.state` events. */
function twoMasters(events: readonly RunEvent[]): string[] {
  const masters = new Set<string>();
  const overlaps: string[] = [];
  for (const e of db(events, 'vip.state')) {
    const node = String(e.detail.node);
    if (e.detail.state === 'master') masters.add(node);
    else masters.delete(node);
    if (masters.size > 1) overlaps.push(`${[...masters].join('+')} at ${e.atMs} ms`);
  }
  return overlaps;
}

describe('host target: PostgreSQL failover behind a keepalived address on the members', () => {
  afterAll(() => {
    process.stdout.write(`postgres vip drill, host beside sim:\n${figuresTable(table)}\n${timelines.join('\n')}\n`);
  });

  it(
    'the crashed primary drops the address at its failed check, the promoted standby takes it within its next check and VRRP master-down; lost writes counted exactly; nothing left',
    async () => {
      const { loaded, record, result, sim } = await drill(VIP);
      table.push({ run: 'host-postgres-vip', host: figuresOf(result), sim: figuresOf(sim) });
      const { scenario } = loaded;
      const spec = scenario.setup.database!;
      const vip = spec.endpoint.vip!;
      const { check, advertIntMs } = vip;
      const writePeriodMs = 1000 / spec.writeRate;
      const { healthCheck } = scenario.controller;
      // RFC 3768 §6.1 (VRRPv2): the standby's skew and master-down interval at its priority
      const skew = skewMs(DB_VIP_PRIORITY.standby, advertIntMs, 2);
      const masterDown = masterDownIntervalMs(DB_VIP_PRIORITY.standby, advertIntMs, 2);
      expect(masterDown).toBe(3 * advertIntMs + ((256 - DB_VIP_PRIORITY.standby) / 256) * 1000);

      // detection: the stopped primary refuses at once: the controller's threshold-th failed check
      const fault = result.metrics.perFault[0]!;
      const detectMinMs = (healthCheck.unhealthyThreshold - 1) * healthCheck.intervalMs;
      const detectMaxMs = healthCheck.unhealthyThreshold * healthCheck.intervalMs + CHECK_SLACK_MS;
      expect(fault.detectedBy).toBe('controller');
      expect(fault.detectionMs).toBeGreaterThanOrEqual(detectMinMs);
      expect(fault.detectionMs).toBeLessThanOrEqual(detectMaxMs);

      // the crashed primary's own check fails at its next `fall` runs (a refused socket fails at once) and it goes to FAULT
      const crashMs = fault.injectedAtMs;
      const oldFailed = first(result.events, 'vip.check', { node: spec.primary, ok: false }, crashMs);
      expect(oldFailed.atMs - crashMs).toBeLessThanOrEqual(check.fall * check.intervalMs + CHECK_SLACK_MS);
      const oldFault = first(result.events, 'vip.state', { node: spec.primary, state: 'fault' }, crashMs);
      expect(oldFault.atMs - oldFailed.atMs).toBeLessThanOrEqual(LINE_SLACK_MS);

      // promotion, then the standby's check passes at its next `rise` runs
      const writer = one(result.events, 'writer');
      expect(writer.detail).toMatchObject({ writer: spec.standby, previous: spec.primary });
      const passed = first(result.events, 'vip.check', { node: spec.standby, ok: true }, crashMs);
      expect(passed.atMs).toBeGreaterThanOrEqual(writer.atMs - LINE_SLACK_MS);
      expect(passed.atMs - writer.atMs).toBeLessThanOrEqual(check.rise * check.intervalMs + CHECK_SLACK_MS);

      // out of FAULT it is a backup, and master once no advert came for its master-down interval — at
      // least its skew after its check passed (the old master's priority-0 advert, at the earliest), at
      // most the whole master-down interval
      const master = first(result.events, 'vip.state', { node: spec.standby, state: 'master' }, crashMs);
      expect(master.atMs - passed.atMs).toBeGreaterThanOrEqual(skew - LINE_SLACK_MS);
      expect(master.atMs - passed.atMs).toBeLessThanOrEqual(masterDown + LINE_SLACK_MS);
      expect(twoMasters(result.events)).toEqual([]);

      // the apps' route moved to the standby when it took the address
      const route = one(result.events, 'route.changed');
      expect(route.detail).toMatchObject({ layer: 'database', via: 'vip', from: spec.primary, to: spec.standby });
      expect(Math.abs(route.atMs - master.atMs)).toBeLessThanOrEqual(LINE_SLACK_MS);
      expect(fault.switchedLayer).toBe('database');

      // the rows: through one address, the member that committed each write is read back
      const to = (member: string) => db(result.events, 'writes.to').find((e) => e.detail.member === member);
      const [toOld, toNew] = [to(spec.primary), to(spec.standby)];
      expect(toOld, 'writes committed by the old writer').toBeDefined();
      expect(toNew, 'writes committed by the new writer').toBeDefined();
      // a write left while no member held the address waits (SYN retransmitted) within its own deadline for the new holder
      expect(Number(toNew!.detail.firstSentMs)).toBeGreaterThanOrEqual(master.atMs - WRITE_TIMEOUT_MS - LINE_SLACK_MS);
      expect(Number(toNew!.detail.firstSentMs)).toBeLessThanOrEqual(master.atMs + writePeriodMs + LINE_SLACK_MS);
      timelines.push(
        `  host timeline: crash ${sec(crashMs)}, old primary's check failed ${sec(oldFailed.atMs)} (FAULT ${sec(oldFault.atMs)}), writer ${sec(writer.atMs)}, ` +
          `standby's check passed ${sec(passed.atMs)}, standby MASTER ${sec(master.atMs)} (${sec(master.atMs - passed.atMs)} after its check; master-down ${sec(masterDown)}), ` +
          `first write on the new writer ${sec(Number(toNew!.detail.firstSentMs))}`,
      );

      // RTO: detection + promotion (defaults.ts, postgres-streaming promotionMs.max) + the next `rise`
      // checks + master-down + the app's next write, seen by the next probe
      const promotionMaxMs = defaults.database['postgres-streaming'].promotionMs.max;
      const rtoMaxMs = detectMaxMs + promotionMaxMs + check.rise * check.intervalMs + CHECK_SLACK_MS + masterDown + writePeriodMs + scenario.load.probeIntervalMs + LINE_SLACK_MS;
      expect(fault.rtoMs).not.toBeNull();
      expect(fault.rtoMs!).toBeGreaterThanOrEqual(master.atMs - crashMs - LINE_SLACK_MS);
      expect(fault.rtoMs!).toBeLessThanOrEqual(rtoMaxMs);
      const resumed = one(result.events, 'writes.resumed');
      expect(resumed.detail.writer).toBe(spec.standby);
      expect(Number(resumed.detail.unavailableMs)).toBeLessThanOrEqual(rtoMaxMs);

      // lost writes: the checker's count at the writer change, exact by an independent recount
      assertLostCounted(result, spec.standby);

      // the old primary took nothing after its fence, came back as a standby (its check keeps it in FAULT)
      assertDemoted(result, spec.primary);
      expect(only(result.events, 'vip.state', { node: spec.primary, state: 'master' }).filter((e) => e.atMs > crashMs)).toEqual([]);

      // the simulator models the same mechanism: the route moves within the standby's next checks and master-down of the writer change
      const simWriter = one(sim.events, 'writer');
      const simRoute = one(sim.events, 'route.changed');
      expect(simRoute.detail).toMatchObject({ via: 'vip', to: spec.standby });
      expect(simRoute.atMs - simWriter.atMs).toBeGreaterThanOrEqual(skew);
      expect(simRoute.atMs - simWriter.atMs).toBeLessThanOrEqual(check.rise * check.intervalMs + masterDown);

      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
      expect(sim.verdict, JSON.stringify(sim.expectations)).toBe('pass');
      assertNothingLeft(record, result);
    },
    240_000,
  );

  it(
    "a dropped port 5432 leaves the primary's local check passing: it keeps the address until the controller fences it (immediate shutdown), then the standby takes it as after a crash",
    async () => {
      const dropped = (yaml: string) =>
        yaml.replace(/action: service-stop\n( +)target: db-a\n +service: postgres[^\n]*\n/, 'action: network-drop\n$1target: db-a\n$1protocol: tcp\n$1port: 5432\n');
      const { loaded, record, result, sim } = await drill(VIP, { text: dropped });
      table.push({ run: 'host-postgres-vip, 5432 dropped', host: figuresOf(result), sim: figuresOf(sim) });
      const { scenario } = loaded;
      expect(scenario.faults[0]).toMatchObject({ action: 'network-drop', port: 5432 });
      const spec = scenario.setup.database!;
      const { check, advertIntMs } = spec.endpoint.vip!;
      const { healthCheck } = scenario.controller;
      const masterDown = masterDownIntervalMs(DB_VIP_PRIORITY.standby, advertIntMs, 2);
      const fault = result.metrics.perFault[0]!;
      const dropMs = fault.injectedAtMs;

      // the controller's checks get no answer: each fails at its timeout, the threshold-th within threshold × interval + timeout
      expect(fault.detectionMs).toBeGreaterThanOrEqual((healthCheck.unhealthyThreshold - 1) * healthCheck.intervalMs + healthCheck.timeoutMs);
      expect(fault.detectionMs).toBeLessThanOrEqual(healthCheck.unhealthyThreshold * healthCheck.intervalMs + healthCheck.timeoutMs + CHECK_SLACK_MS);

      // over the Unix socket the primary still answers: no failed check and no FAULT until its fence
      const fenced = one(result.events, 'fenced', { member: spec.primary });
      expect(only(result.events, 'vip.check', { node: spec.primary, ok: false }).filter((e) => e.atMs >= dropMs && e.atMs < fenced.atMs)).toEqual([]);
      const oldFault = first(result.events, 'vip.state', { node: spec.primary, state: 'fault' }, dropMs);
      expect(oldFault.atMs).toBeGreaterThanOrEqual(fenced.atMs);
      expect(oldFault.atMs - fenced.atMs).toBeLessThanOrEqual(check.fall * check.intervalMs + CHECK_SLACK_MS);

      // the standby took the address only after the primary let it go, within its checks and master-down of the promotion
      const writer = one(result.events, 'writer');
      const master = first(result.events, 'vip.state', { node: spec.standby, state: 'master' }, dropMs);
      expect(master.atMs).toBeGreaterThan(oldFault.atMs);
      expect(master.atMs - writer.atMs).toBeLessThanOrEqual(check.rise * check.intervalMs + CHECK_SLACK_MS + masterDown + LINE_SLACK_MS);
      expect(twoMasters(result.events)).toEqual([]);
      const route = one(result.events, 'route.changed');
      expect(route.detail).toMatchObject({ via: 'vip', from: spec.primary, to: spec.standby });

      assertDemoted(result, spec.primary);
      assertLostCounted(result, spec.standby);
      timelines.push(`  host timeline (5432 dropped): drop ${sec(dropMs)}, fence ${sec(fenced.atMs)}, old primary FAULT ${sec(oldFault.atMs)}, writer ${sec(writer.atMs)}, standby MASTER ${sec(master.atMs)}`);

      // the simulator: the route moves only after the promotion, within the standby's checks and master-down
      const simWriter = one(sim.events, 'writer');
      const simRoute = one(sim.events, 'route.changed');
      expect(simRoute.detail).toMatchObject({ via: 'vip', to: spec.standby });
      expect(simRoute.atMs - simWriter.atMs).toBeLessThanOrEqual(check.rise * check.intervalMs + masterDown);
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
      assertNothingLeft(record, result);
    },
    240_000,
  );
});
