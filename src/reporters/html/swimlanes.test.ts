import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../measure/events.js';
import { buildLanes, LANE_RULES, type LaneRule } from './swimlanes.js';

const ev = (atMs: number, component: string, type: string, detail: RunEvent['detail']): RunEvent => ({ atMs, component, type, detail });

describe('buildLanes', () => {
  it('opens a lane with the state before its first event and closes it at the end of the run', () => {
    const lanes = buildLanes(
      [ev(100, 'dns', 'answer', { record: 'app.example.com', answer: 'web-2', previous: 'web-1' }), ev(400, 'dns', 'answer', { record: 'app.example.com', answer: 'web-1', previous: 'web-2' })],
      1_000,
    );
    expect(lanes).toEqual([
      {
        section: 'DNS answer',
        label: 'app.example.com',
        spans: [
          { startMs: 0, endMs: 100, state: 'web-1' },
          { startMs: 100, endMs: 400, state: 'web-2' },
          { startMs: 400, endMs: 1_000, state: 'web-1' },
        ],
      },
    ]);
  });

  it('gives every layer of the issue a lane, in rule order, with tones for state words', () => {
    const lanes = buildLanes(
      [
        ev(0, 'server', 'state', { server: 'app-1', state: 'stopped', previous: 'up' }),
        ev(10, 'lb', 'target.health', { targetGroup: 'tg', target: 'app-1', health: 'draining', previous: 'healthy' }),
        ev(20, 'lb', 'route.changed', { layer: 'loadBalancer', resource: 'alb', from: 'tg-a', to: 'tg-b' }),
        ev(30, 'vip', 'holders', { vip: 'vip-1', holders: 'a,b', previous: 'a' }),
        ev(30, 'vip', 'state', { vip: 'vip-1', node: 'b', state: 'master', previous: 'backup' }),
        ev(40, 'db', 'writer', { database: 'db', writer: 'db-b', previous: 'db-a' }),
        ev(50, 'asg', 'instance', { group: 'asg', instance: 'i-1', state: 'pending' }),
        ev(60, 'controller', 'failover', { failoverId: 'fo-1', group: 'lb:alb', direction: 'failover', from: 'primary', to: 'secondary', status: 'pending' }),
        ev(70, 'controller', 'failover', { failoverId: 'fo-1', group: 'lb:alb', direction: 'failover', from: 'primary', to: 'secondary', status: 'completed' }),
        ev(80, 'mystery', 'thing', { x: 1 }),
      ],
      100,
    );
    expect(lanes.map((l) => `${l.section}: ${l.label}`)).toEqual([
      'Load balancer forwards to: alb',
      'Target health: tg / app-1',
      'VIP holder: vip-1',
      'VRRP state: vip-1 / b',
      'Database writer: db',
      'Autoscaling instances: asg / i-1',
      'Server state: app-1',
      'Controller failovers: lb:alb',
    ]);
    const byLabel = Object.fromEntries(lanes.map((l) => [l.label, l.spans]));
    expect(byLabel['vip-1']!.map((s) => [s.state, s.tone])).toEqual([
      ['a', undefined],
      ['a, b', 'bad'],
    ]);
    expect(byLabel['tg / app-1']!.map((s) => s.tone)).toEqual(['good', 'warn']);
    expect(byLabel['asg / i-1']).toEqual([{ startMs: 50, endMs: 100, state: 'pending', tone: 'warn' }]);
    expect(byLabel['lb:alb']!.map((s) => s.state)).toEqual(['on primary', 'failover pending', 'on secondary']);
  });

  it('drops zero-length states and merges what they split', () => {
    const lanes = buildLanes(
      [ev(10, 'server', 'state', { server: 's', state: 'slow', previous: 'up' }), ev(10, 'server', 'state', { server: 's', state: 'up', previous: 'slow' })],
      50,
    );
    expect(lanes[0]!.spans).toEqual([{ startMs: 0, endMs: 50, state: 'up', tone: 'good' }]);
  });

  it('takes a new layer as one more rule', () => {
    const rule: LaneRule = { component: 'queue', type: 'leader', section: 'Queue leader', lane: (d) => String(d.queue), state: (d) => String(d.leader) };
    const lanes = buildLanes([ev(5, 'queue', 'leader', { queue: 'orders', leader: 'broker-2' })], 10, [...LANE_RULES, rule]);
    expect(lanes).toEqual([{ section: 'Queue leader', label: 'orders', spans: [{ startMs: 5, endMs: 10, state: 'broker-2' }] }]);
  });
});
