import { describe, expect, it } from 'vitest';
import { EventLog } from '../measure/events.js';
import { VirtualClock } from '../simulator/clock.js';
import { Engine } from '../simulator/engine.js';
import { SeededRng } from '../random/seeded-rng.js';
import { FailoverController, type ControllerConfig } from './controller.js';
import type { DnsPort, FailoverMember, Notification } from './ports.js';

/** A controller on a virtual clock with scripted endpoints and an in-memory DNS record. */
function harness(overrides: Partial<ControllerConfig> = {}, dnsBehaviour: { failSetActive?: boolean; delayMs?: number } = {}) {
  const engine = new Engine();
  const clock = new VirtualClock(engine);
  const events = new EventLog(clock);
  const up = new Map<string, boolean>([
    ['a', true],
    ['b', true],
  ]);
  let active: FailoverMember = 'primary';
  const setCalls: Array<{ atMs: number; member: FailoverMember }> = [];
  const dns: DnsPort = {
    setActive: async (_record, member) => {
      setCalls.push({ atMs: clock.nowMs(), member });
      if (dnsBehaviour.delayMs) await clock.sleep(dnsBehaviour.delayMs);
      if (dnsBehaviour.failSetActive) throw new Error('Throttling: rate exceeded');
      active = member;
    },
    getActive: async () => active,
    drainMs: async () => 60_000,
  };
  const notifications: Notification[] = [];
  const config: ControllerConfig = {
    healthCheck: { intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3, path: '/health' },
    automaticFailover: true,
    failback: 'automatic',
    failoverOn: 'unhealthy',
    groups: [
      {
        id: 'dns:app',
        layer: 'dns',
        target: 'app.example.com',
        members: { primary: { id: 'a', endpoints: ['a'] }, secondary: { id: 'b', endpoints: ['b'] } },
        mode: 'controller',
      },
    ],
    ...overrides,
  };
  const controller = new FailoverController(config, {
    clock,
    rng: new SeededRng(1),
    events,
    notifier: { notify: (n) => notifications.push(n) },
    dns,
    probe: {
      probe: (endpoint) =>
        new Promise((resolve) =>
          engine.after(10, () => resolve(up.get(endpoint) ? { ok: true, latencyMs: 10 } : { ok: false, latencyMs: 1, reason: 'refused' })),
        ),
    },
  });
  const at = (ms: number, fn: () => void) => engine.at(ms, fn);
  const statuses = () =>
    events.events.filter((e) => e.type === 'failover').map((e) => `${e.detail.failoverId} ${e.detail.direction} ${e.detail.status}`);
  return { engine, controller, up, at, statuses, setCalls, notifications, events, active: () => active };
}

describe('FailoverController', () => {
  it('fails over after the unhealthy threshold and back after the healthy threshold', async () => {
    const h = harness();
    h.controller.start();
    h.at(10_000, () => h.up.set('a', false));
    h.at(20_000, () => h.up.set('a', true));
    await h.engine.runUntil(30_000);
    const [failover, failback] = h.controller.failovers;
    // checks every second: the third failed check lands in (12 s, 13 s]
    expect(failover!.startMs).toBeGreaterThan(12_000);
    expect(failover!.startMs).toBeLessThanOrEqual(13_010);
    expect(failover).toMatchObject({ direction: 'failover', type: 'automatic', status: 'completed', to: 'secondary' });
    expect(failback!.startMs).toBeGreaterThan(21_000);
    expect(failback!.startMs).toBeLessThanOrEqual(22_010);
    expect(failback).toMatchObject({ direction: 'failback', status: 'completed', to: 'primary' });
    expect(h.statuses()).toEqual([
      'fo-1 failover pending',
      'fo-1 failover in_progress',
      'fo-1 failover completed',
      'fo-2 failback pending',
      'fo-2 failback in_progress',
      'fo-2 failback completed',
    ]);
    expect(h.notifications.map((n) => n.failoverId)).toEqual(['fo-1', 'fo-1', 'fo-1', 'fo-2', 'fo-2', 'fo-2']);
    expect(h.active()).toBe('primary');
  });

  it('runs one failover at a time per group', async () => {
    const h = harness({}, { delayMs: 5_000 });
    h.controller.start();
    h.at(10_000, () => h.up.set('a', false));
    h.at(13_500, () => void h.controller.manualFailback('dns:app'));
    await h.engine.runUntil(16_000);
    expect(h.setCalls).toHaveLength(1);
    expect(h.events.events.some((e) => e.type === 'failover.rejected' && String(e.detail.reason).includes('fo-1'))).toBe(true);
  });

  it('waits for a manual failback when failback is manual', async () => {
    const h = harness({ failback: 'manual' });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    h.at(10_000, () => h.up.set('a', true));
    h.at(40_000, () => void h.controller.manualFailback('dns:app'));
    await h.engine.runUntil(39_000);
    expect(h.active()).toBe('secondary');
    expect(h.notifications.some((n) => n.summary.includes('manual failback pending'))).toBe(true);
    await h.engine.runUntil(41_000);
    expect(h.active()).toBe('primary');
    expect(h.controller.failovers.at(-1)).toMatchObject({ type: 'manual', direction: 'failback', status: 'completed' });
  });

  it('refuses to fail over to an unhealthy secondary and says so', async () => {
    const h = harness();
    h.controller.start();
    h.at(5_000, () => {
      h.up.set('a', false);
      h.up.set('b', false);
    });
    await h.engine.runUntil(20_000);
    expect(h.setCalls).toHaveLength(0);
    expect(h.controller.failovers).toHaveLength(1);
    expect(h.controller.failovers[0]).toMatchObject({ status: 'failed' });
    expect(h.controller.failovers[0]!.reason).toContain('no healthy member');
    expect(h.notifications.at(-1)!.severity).toBe('critical');
  });

  it('marks a failover failed when the port call fails, and keeps routing unchanged', async () => {
    const h = harness({}, { failSetActive: true });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.engine.runUntil(12_000);
    expect(h.controller.failovers[0]).toMatchObject({ status: 'failed' });
    expect(h.controller.failovers[0]!.reason).toContain('Throttling');
    expect(h.active()).toBe('primary');
  });

  it('does nothing automatically when automatic failover is off', async () => {
    const h = harness({ automaticFailover: false });
    h.controller.start();
    h.at(5_000, () => h.up.set('a', false));
    await h.engine.runUntil(20_000);
    expect(h.controller.failovers).toHaveLength(0);
    expect(h.controller.endpointHealth('a')).toBe('unhealthy');
  });

  it('planned failover switches first, waits the drain time, then announces the primary may go down', async () => {
    const h = harness();
    h.controller.start();
    h.at(10_000, () => void h.controller.plannedFailover('dns:app'));
    await h.engine.runUntil(80_000);
    expect(h.setCalls).toEqual([{ atMs: 10_000, member: 'secondary' }]);
    const drained = h.events.events.find((e) => e.type === 'drain.complete');
    expect(drained?.atMs).toBe(70_000);
    // the planned failover completes once drained, not when routing changed
    expect(h.controller.failovers[0]).toMatchObject({ type: 'planned', status: 'completed', startMs: 10_000, endMs: 70_000 });
    // the primary stays healthy, yet no automatic failback during maintenance
    expect(h.active()).toBe('secondary');
    h.controller.endMaintenance('dns:app');
    await h.engine.runUntil(81_000);
    expect(h.active()).toBe('primary');
  });

  it('rolls a planned failover back when the secondary fails while the primary drains', async () => {
    const h = harness();
    h.controller.start();
    h.at(10_000, () => void h.controller.plannedFailover('dns:app'));
    h.at(20_000, () => h.up.set('b', false));
    await h.engine.runUntil(80_000);
    expect(h.setCalls.map((c) => [c.atMs, c.member])).toEqual([
      [10_000, 'secondary'],
      [70_000, 'primary'],
    ]);
    expect(h.controller.failovers[0]).toMatchObject({ type: 'planned', status: 'rolled_back' });
    expect(h.events.events.some((e) => e.type === 'drain.aborted')).toBe(true);
    expect(h.events.events.some((e) => e.type === 'drain.complete')).toBe(false);
    expect(h.active()).toBe('primary');
  });
});
