import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { parseIdRanges } from '../../src/measure/write-ids.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { EARLY_MS, POLL_SLACK_MS, runAwsDrill } from '../helpers/aws-drill.js';


const db = (events: readonly RunEvent[], type: string) => events.filter((e) => e.component === 'db' && e.type === type);
const one = (events: readonly RunEvent[], type: string) => {
  const found = db(events, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

const drill = (file: string) => runAwsDrill(join(repoRoot, 'scenarios', file));

/** The app's writes as faildrill's checker and stores reported them at the end of the run. */
function writesOf(events: readonly RunEvent[]) {
  const writes = one(events, 'writes');
  const stores = new Map(db(events, 'store').map((e) => [String(e.detail.member), parseIdRanges(String(e.detail.ids))]));
  return { sent: Number(writes.detail.sent), acked: parseIdRanges(String(writes.detail.ackedIds)), stores };
}

// concurrent: each drill starts its own moto on its own port, and mostly waits on the wall clock
describe.concurrent('aws target on moto: the database layer', () => {
  it(
    'Multi-AZ DB cluster: FIS failover-db-cluster moves the writer, the app follows the endpoint within its TTL, the semi-synchronous reader lost nothing',
    async () => {
      const { result, scenario } = await drill('aws-db-multi-az.yaml');
      const events = result.events;
      const spec = scenario.setup.database!;
      const [fault] = result.metrics.perFault;

      // FailoverDBCluster applied by faildrill; moto swapped the writer (read back in the same effect)
      const injected = events.find((e) => e.component === 'fault' && e.type === 'injected')!;
      expect(injected.detail).toMatchObject({ effect: 'applied by faildrill', call: 'FailoverDBCluster', affects: spec.primary });
      expect(injected.detail.writer).not.toBe(injected.detail.previousWriter);
      expect(one(events, 'writer').detail).toMatchObject({ writer: spec.standby, previous: spec.primary });

      // detection: the platform's failover, seen at faildrill's next read of the control plane
      expect(fault!.detectedBy).toBe('db');
      expect(fault!.detectionMs!).toBeLessThanOrEqual(POLL_SLACK_MS);
      // switch: the app re-resolves the writer endpoint within one TTL (scenario endpoint.ttl)
      const route = one(events, 'route.changed');
      expect(route.detail).toMatchObject({ layer: 'database', fromServers: spec.primary, toServers: spec.standby });
      expect(fault!.timeToSwitchMs!).toBeLessThanOrEqual(spec.endpoint.ttlMs + POLL_SLACK_MS);
      // RTO: apps answer 503 from the first refused write until the app writes to the new writer
      expect(fault!.rtoMs!).toBeLessThanOrEqual(spec.endpoint.ttlMs + POLL_SLACK_MS);

      // nothing lost: every acknowledged id is on both members (synchronous to the one reader)
      expect(db(events, 'data.lost')).toHaveLength(0);
      expect(one(events, 'writes.checked').detail.missing).toBe(0);
      expect(result.metrics.lostWrites).toBe(0);
      const { sent, acked, stores } = writesOf(events);
      expect(Math.abs(sent - (spec.writeRate * scenario.durationMs) / 1000)).toBeLessThanOrEqual(1);
      expect(acked.size).toBeGreaterThan(0);
      for (const member of [spec.primary, spec.standby]) {
        const held = stores.get(member)!;
        expect([...acked].filter((id) => !held.has(id)), member).toEqual([]);
      }

      expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
      expect(result.verdict).toBe('pass');
    },
    300_000,
  );

  it(
    'read replica: the writer stops during a lag spike, the controller promotes the replica (recorded by faildrill) and repoints the app; the lost writes are named id by id',
    async () => {
      const { result, scenario } = await drill('aws-db-replica-promotion.yaml');
      const events = result.events;
      const spec = scenario.setup.database!;
      const ctrl = scenario.controller.healthCheck;
      const [fault] = result.metrics.perFault;
      const spike = spec.lagSpikes[0]!;

      // the stop is faildrill's, on its own store: the emulator has no database process
      const injected = events.find((e) => e.component === 'fault' && e.type === 'injected')!;
      expect(injected.detail).toMatchObject({ effect: 'applied by faildrill', member: spec.primary });
      // detection: the stopped store refuses at once; unhealthy at the threshold-th check, the first within one interval
      expect(fault!.detectedBy).toBe('controller');
      expect(fault!.detectionMs!).toBeGreaterThanOrEqual((ctrl.unhealthyThreshold - 1) * ctrl.intervalMs - EARLY_MS);
      expect(fault!.detectionMs!).toBeLessThanOrEqual(ctrl.unhealthyThreshold * ctrl.intervalMs + POLL_SLACK_MS);

      // PromoteReadReplica accepted, the promotion recorded by faildrill (moto still reports the source)
      expect(events.some((e) => e.component === 'database' && e.type === 'promotion.recorded' && e.detail.source === 'faildrill')).toBe(true);
      const writer = one(events, 'writer');
      expect(writer.detail).toMatchObject({ writer: spec.standby, previous: spec.primary });
      // controller endpoint: the app is repointed at the promotion
      const route = one(events, 'route.changed');
      expect(route.detail).toMatchObject({ layer: 'database', fromServers: spec.primary, toServers: spec.standby });
      expect(route.atMs - writer.atMs).toBeLessThanOrEqual(POLL_SLACK_MS);
      expect(fault!.rtoMs!).toBeLessThanOrEqual(ctrl.unhealthyThreshold * ctrl.intervalMs + 2 * POLL_SLACK_MS);

      // the lag spike crossed the alert threshold and ended
      expect(db(events, 'lag.alert').map((e) => e.detail.lagMs)).toEqual([spike.lagMs]);
      expect(db(events, 'lag.ok')).toHaveLength(1);

      // lost: acknowledged in the spike's lag before the writer stopped, at writeRate (scenario)
      const lost = one(events, 'data.lost');
      const lostIds = parseIdRanges(String(lost.detail.ids));
      expect(lost.detail.writes).toBe(lostIds.size);
      expect(lost.detail.target).toBe(spec.primary);
      expect(lostIds.size).toBeGreaterThanOrEqual(Math.floor((spec.writeRate * (spike.lagMs - 1_000)) / 1000));
      expect(lostIds.size).toBeLessThanOrEqual(Math.ceil((spec.writeRate * (spike.lagMs + 1_000)) / 1000));
      expect(Number(lost.detail.rpoMs)).toBeGreaterThanOrEqual(spike.lagMs - 1_000);
      expect(Number(lost.detail.rpoMs)).toBeLessThanOrEqual(spike.lagMs + 1_000);
      expect(result.metrics.lostWrites).toBe(lostIds.size);
      expect(result.metrics.rpoMs).toBe(lost.detail.rpoMs);
      // id by id: acknowledged, committed by the old writer, absent from the promoted replica
      const { acked, stores } = writesOf(events);
      const oldWriter = stores.get(spec.primary)!;
      const promoted = stores.get(spec.standby)!;
      for (const id of lostIds) {
        expect(acked.has(id), id).toBe(true);
        expect(oldWriter.has(id), id).toBe(true);
        expect(promoted.has(id), id).toBe(false);
      }
      // and every other acknowledged id made it
      expect([...acked].filter((id) => !lostIds.has(id) && !promoted.has(id))).toEqual([]);

      expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
      expect(result.verdict).toBe('pass');
    },
    420_000,
  );

  it('refuses a forceFailover reboot of a Multi-AZ instance on moto with exit 2 naming why (moto ignores ForceFailover)', async () => {
    const r = await runCli(['run', join(repoRoot, 'scenarios/db-multi-az.yaml'), '--target', 'aws', '--aws', 'moto', '--no-history', '--out', tempDir(), '--reporter', 'json']);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('forceFailover');
    expect(r.output).toContain('moto ignores ForceFailover');
  }, 120_000);
});
