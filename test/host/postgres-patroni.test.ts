import { afterAll, describe, expect, it } from 'vitest';
import type { LoadedScenario } from '../../src/scenario/load.js';
import { PATRONI_POLL_MS } from '../../src/targets/host/patroni/observer.js';
import { failoverBoundMs, patroniSettings } from '../../src/targets/host/patroni/settings.js';
import { assertDemoted, assertLostCounted, assertNothingLeft, db, drill, figuresOf, figuresTable, type Figures } from '../helpers/postgres-drill.js';

/**
 * Platform mode for real on the host target: Patroni (the pinned PyPI release) with etcd fails the
 * database over by itself when the primary's node is cut off; faildrill watches and measures what the
 * app's clients and writes saw. Then the same scenario with our controller failing over, so that the
 * two can be compared on one fault. Bounds come from the scenario's Patroni timings (Patroni's
 * dynamic configuration docs) and its controller health check, never from a run.
 */
const PATRONI = 'scenarios/host-postgres-patroni.yaml';
/**
 * The leader refreshes its key once per HA loop: every loop_wait plus the loop's own run time, which
 * on a loaded two-core machine we allow a second for. The key cannot lapse sooner than
 * ttl − (loop_wait + run time) after the cut.
 */
const LOOP_RUN_MS = 1_000;
/** The observer's resolution: a poll every PATRONI_POLL_MS and a request of at most 1 s. */
const OBSERVER_SLACK_MS = PATRONI_POLL_MS + 1_000;
/** etcd's lessor looks for expired leases every 500 ms (etcd lease/lessor.go, revokeExpiredLeases). */
const ETCD_REVOKE_MS = 500;
/** A check's own latency and late timers on a busy machine (as in postgres-drill.test.ts). */
const CHECK_SLACK_MS = 300;

const table: Array<{ run: string; host: Figures; sim: Figures }> = [];

/** The app's next write after the switch, seen by the load's next probe. */
const nextWriteMs = (loaded: LoadedScenario) => 1000 / loaded.scenario.setup.database!.writeRate + loaded.scenario.load.probeIntervalMs;

describe('host target: PostgreSQL failed over by Patroni (platform mode), and by our controller on the same fault', () => {
  afterAll(() => {
    process.stdout.write(`postgres drills, Patroni beside our controller (host and sim):\n${figuresTable(table)}\n`);
  });

  it(
    "Patroni: the cut-off primary's leader key lapses within ttl, the standby leads within ttl + loop_wait + retry_timeout, lost writes counted exactly; nothing left",
    async () => {
      const { loaded, record, result, sim } = await drill(PATRONI);
      table.push({ run: 'patroni (platform)', host: figuresOf(result), sim: figuresOf(sim) });
      const spec = loaded.scenario.setup.database!;
      const settings = patroniSettings(loaded.scenario);
      const fault = result.metrics.perFault[0]!;

      // detection: Patroni's verdict, the leader key lapsing (etcd), observed
      expect(fault.detectedBy).toBe('db');
      expect(fault.detectionMs).toBeGreaterThanOrEqual(settings.ttlMs - settings.loopWaitMs - LOOP_RUN_MS);
      // the cut drops what db-a receives, not what it sends: the keepalive of the HA loop due after the
      // cut still reaches etcd (its answer is lost), so the key's last refresh may come up to one loop
      // after the cut; etcd's lessor revokes an expired lease within 500 ms of its expiry
      expect(fault.detectionMs).toBeLessThanOrEqual(settings.ttlMs + settings.loopWaitMs + ETCD_REVOKE_MS + OBSERVER_SLACK_MS);
      expect(fault.switchedLayer).toBe('database');
      expect(fault.rtoMs).not.toBeNull();
      expect(fault.rtoMs!).toBeLessThanOrEqual(failoverBoundMs(settings) + OBSERVER_SLACK_MS + nextWriteMs(loaded));
      const writer = db(result.events, 'writer');
      expect(writer.map((e) => e.detail.writer)).toEqual([spec.standby]);
      // Patroni's own account agrees: the leader key moved to the standby, which runs a new timeline
      expect(db(result.events, 'leader.changed').map((e) => e.detail.leader)).toContain(spec.standby);
      expect(Number(db(result.events, 'patroni.writer')[0]?.detail.timeline)).toBeGreaterThanOrEqual(2);

      assertLostCounted(result, spec.standby);
      assertDemoted(result, spec.primary);
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
      expect(sim.verdict, JSON.stringify(sim.expectations)).toBe('pass');
      assertNothingLeft(record, result);
    },
    300_000,
  );

  it(
    'our controller on the same fault: fences, promotes and repoints within its health check, the same figures measured',
    async () => {
      // the same setup and fault, with the controller failing over on its own checks
      const checks = '  healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 2, healthyThreshold: 2 }\n';
      const { loaded, record, result, sim } = await drill(PATRONI, {
        text: (yaml) => yaml.replace('    database: platform ', '    database: controller ').replace('controller:\n', `controller:\n${checks}`),
      });
      table.push({ run: 'our controller', host: figuresOf(result), sim: figuresOf(sim) });
      expect(loaded.scenario.controller.layers.database).toBe('controller');
      const spec = loaded.scenario.setup.database!;
      const { healthCheck } = loaded.scenario.controller;
      const fault = result.metrics.perFault[0]!;
      // a dropped port answers nothing: each failed check costs its timeout
      expect(fault.detectedBy).toBe('controller');
      expect(fault.detectionMs).toBeGreaterThanOrEqual((healthCheck.unhealthyThreshold - 1) * healthCheck.intervalMs);
      expect(fault.detectionMs).toBeLessThanOrEqual(healthCheck.unhealthyThreshold * healthCheck.intervalMs + healthCheck.timeoutMs + CHECK_SLACK_MS);
      expect(db(result.events, 'writer').map((e) => e.detail.writer)).toEqual([spec.standby]);
      assertLostCounted(result, spec.standby);
      const invariant = result.invariants.find((i) => i.name === 'demoted-primary-acknowledges-no-writes');
      expect(invariant?.pass, invariant?.message).toBe(true);
      expect(sim.metrics.perFault[0]!.detectedBy).toBe('controller');
      assertNothingLeft(record, result);
    },
    240_000,
  );
});
