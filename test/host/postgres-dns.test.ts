import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaults } from '../../src/scenario/defaults.js';
import { DNS_SERVER_PROGRAM } from '../../src/targets/host/db-endpoint/dns.js';
import type { HostRunInfo } from '../../src/targets/host/session.js';
import { assertDemoted, assertLostCounted, assertNothingLeft, db, drill, figuresOf, figuresTable, one, type Figures } from '../helpers/postgres-drill.js';

/**
 * The database writer found through DNS for real on the host target (`endpoint.mode: dns`): a DNS
 * server of the run answers the writer's name with TTL `endpoint.ttl`, the app's resolver caches the
 * answer for that TTL, our controller changes the record when it promotes the standby. Every bound
 * is derived from the scenario's configuration or a cited default; host and sim figures are printed
 * side by side.
 */
const DNS = 'scenarios/host-postgres-dns.yaml';
/** A check's own latency (a refused connect, a login) and timers on a busy two-core machine. */
const CHECK_SLACK_MS = 300;
/** Lines from the DNS server and the apps reach the run a little after they happened; timers fire late, never early. */
const LINE_SLACK_MS = 250;
const table: Array<{ run: string; host: Figures; sim: Figures }> = [];
const timelines: string[] = [];
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

describe('host target: PostgreSQL failover with the writer found through DNS', () => {
  afterAll(() => {
    process.stdout.write(`postgres dns drill, host beside sim:\n${figuresTable(table)}\n${timelines.join('\n')}\n`);
  });

  it(
    'the app writes to the old address until its cached answer expires, then to the promoted standby: switch within the TTL of the record change, lost writes counted exactly',
    async () => {
      const { loaded, record, result, sim } = await drill(DNS);
      table.push({ run: 'host-postgres-dns', host: figuresOf(result), sim: figuresOf(sim) });
      const { scenario } = loaded;
      const spec = scenario.setup.database!;
      expect(spec.endpoint.mode).toBe('dns');
      const ttlMs = spec.endpoint.ttlMs;
      const writePeriodMs = 1000 / spec.writeRate;
      const { healthCheck } = scenario.controller;

      // detection: the stopped primary refuses at once, so the controller's threshold-th failed check
      // comes within threshold × interval of the crash and not before (threshold − 1) × interval
      const fault = result.metrics.perFault[0]!;
      const detectMinMs = (healthCheck.unhealthyThreshold - 1) * healthCheck.intervalMs;
      const detectMaxMs = healthCheck.unhealthyThreshold * healthCheck.intervalMs + CHECK_SLACK_MS;
      expect(fault.detectedBy).toBe('controller');
      expect(fault.detectionMs).toBeGreaterThanOrEqual(detectMinMs);
      expect(fault.detectionMs).toBeLessThanOrEqual(detectMaxMs);

      // the controller promoted the standby and changed the record (its UPSERT) once, right after
      const writer = one(result.events, 'writer');
      expect(writer.detail).toMatchObject({ writer: spec.standby, previous: spec.primary });
      const changed = one(result.events, 'record.changed');
      expect(changed.detail).toMatchObject({ writer: spec.standby, previous: spec.primary, ttlSec: ttlMs / 1000, name: `writer.${spec.id}.db.faildrill.test` });
      expect(changed.atMs).toBeGreaterThanOrEqual(writer.atMs);
      expect(changed.atMs - writer.atMs).toBeLessThanOrEqual(LINE_SLACK_MS);

      // the app's route moved when it was first answered with the new writer: not before its cached
      // answer (asked before the record change) had lived a whole TTL, and at its first write after that
      const route = one(result.events, 'route.changed');
      expect(route.detail).toMatchObject({ layer: 'database', via: 'dns', from: spec.primary, to: spec.standby, app: spec.clients![0] });
      expect(fault.switchedLayer).toBe('database');
      expect(route.atMs).toBeGreaterThanOrEqual(changed.atMs);
      expect(route.atMs - changed.atMs).toBeLessThanOrEqual(ttlMs + writePeriodMs + LINE_SLACK_MS);
      const previousAnswerAtMs = Number(route.detail.previousAnswerAtMs);
      expect(previousAnswerAtMs).toBeLessThan(changed.atMs);
      expect(route.atMs - previousAnswerAtMs).toBeGreaterThanOrEqual(ttlMs - LINE_SLACK_MS);
      expect(route.atMs - previousAnswerAtMs).toBeLessThanOrEqual(ttlMs + writePeriodMs + LINE_SLACK_MS);

      // the rows: the app kept writing to the old address (failing: it was crashed and fenced) until
      // it switched, and wrote to the new one only from then on
      const to = (member: string) => db(result.events, 'writes.to').find((e) => e.detail.member === member)!;
      const [toOld, toNew] = [to(spec.primary), to(spec.standby)];
      expect(toOld, 'writes to the old writer').toBeDefined();
      expect(toNew, 'writes to the new writer').toBeDefined();
      expect(Number(toOld.detail.lastSentMs)).toBeGreaterThanOrEqual(route.atMs - writePeriodMs - LINE_SLACK_MS);
      expect(Number(toOld.detail.lastSentMs)).toBeLessThanOrEqual(route.atMs);
      expect(Number(toNew.detail.firstSentMs)).toBeGreaterThanOrEqual(route.atMs - LINE_SLACK_MS);
      // every write of the record's TTL after the crash went to the old address and failed
      const failedAfterCrash = (Number(toOld.detail.lastSentMs) - fault.injectedAtMs) / writePeriodMs;
      expect(Number(toOld.detail.failed)).toBeGreaterThanOrEqual(Math.floor(failedAfterCrash) - 1);
      expect(Number(toNew.detail.failed)).toBe(0);
      timelines.push(
        `  host timeline: crash ${sec(fault.injectedAtMs)}, writer ${sec(writer.atMs)}, record changed ${sec(changed.atMs)}, app's previous answer ${sec(previousAnswerAtMs)}, ` +
          `last write to the old address ${sec(Number(toOld.detail.lastSentMs))}, route changed ${sec(route.atMs)} (${sec(route.atMs - changed.atMs)} after the record), first write to the new ${sec(Number(toNew.detail.firstSentMs))}`,
      );

      // RTO: detection + promotion (defaults.ts, postgres-streaming promotionMs.max) + the cached
      // answer running out (≤ TTL) + the app's next write, seen by the next probe
      const promotionMaxMs = defaults.database['postgres-streaming'].promotionMs.max;
      const rtoMaxMs = detectMaxMs + promotionMaxMs + ttlMs + writePeriodMs + scenario.load.probeIntervalMs;
      expect(fault.rtoMs).not.toBeNull();
      expect(fault.rtoMs!).toBeGreaterThanOrEqual(route.atMs - fault.injectedAtMs - LINE_SLACK_MS);
      expect(fault.rtoMs!).toBeLessThanOrEqual(rtoMaxMs);
      const resumed = one(result.events, 'writes.resumed');
      expect(resumed.detail.writer).toBe(spec.standby);
      expect(Number(resumed.detail.unavailableMs)).toBeLessThanOrEqual(rtoMaxMs);

      // lost writes: the checker's count at the writer change, exact by an independent recount
      assertLostCounted(result, spec.standby);

      // the old primary took nothing after its fence, and came back as a standby once its fault was removed
      assertDemoted(result, spec.primary);

      // the simulator models the same: the route moves at the app's next TTL boundary after the writer change
      const simWriter = one(sim.events, 'writer');
      const simRoute = one(sim.events, 'route.changed');
      expect(simRoute.atMs).toBeGreaterThanOrEqual(simWriter.atMs);
      expect(simRoute.atMs - simWriter.atMs).toBeLessThanOrEqual(ttlMs);

      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
      expect(sim.verdict, JSON.stringify(sim.expectations)).toBe('pass');
      assertNothingLeft(record, result);
      // the DNS server names neither the run's folder nor a namespace: look for it by its program and address
      const host = record.extra?.host as HostRunInfo;
      const controllerIp = `${host.subnet.split('.').slice(0, 3).join('.')}.11`;
      const servers = readdirSync('/proc').filter((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes(`${DNS_SERVER_PROGRAM}.js`) && cmd.includes(controllerIp);
        } catch {
          return false;
        }
      });
      expect(servers).toEqual([]);
    },
    240_000,
  );
});
