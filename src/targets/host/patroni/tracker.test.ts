import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../../measure/events.js';
import type { NodeStatus, PgState, Unreachable } from './rest.js';
import { PatroniTracker, type Observation } from './tracker.js';

type Status = NodeStatus | Unreachable;
const primary = (timeline: number, lsn = 100): Status => ({ state: 'running', role: 'primary', timeline, lsn, unlocked: false, streamingTo: [] });
const replica = (timeline: number, lsn = 100): Status => ({ state: 'running', role: 'replica', timeline, lsn, unlocked: false, streamingTo: [] });
const down: Status = { unreachable: 'refused' };

function track() {
  const events: Array<{ type: string; detail: EventDetail }> = [];
  const tracker = new PatroniTracker('db', ['a', 'b'], 'a', (_c, type, detail) => events.push({ type, detail }));
  const see = (atMs: number, leader: string | null | undefined, a: Status, b: Status, pg?: [PgState | Unreachable, PgState | Unreachable]) => {
    const o: Observation = { atMs, leader, nodes: new Map([['a', a], ['b', b]]), ...(pg ? { postgres: new Map([['a', pg[0]], ['b', pg[1]]]) } : {}) };
    tracker.observe(o);
  };
  const types = () => events.filter((e) => !['member', 'primaries', 'leader.changed'].includes(e.type)).map((e) => e.type);
  return { events, tracker, see, types };
}

describe('PatroniTracker', () => {
  it('crash of the leader: writer.lost, failover.started when another node takes the key (detectionMs since the loss), writer when it runs as primary', () => {
    const { events, tracker, see, types } = track();
    see(0, 'a', primary(1, 500), replica(1, 400));
    see(1_000, 'a', down, replica(1, 400));
    see(19_000, 'a', down, replica(1, 400));
    see(20_000, 'b', down, replica(1, 400));
    see(20_200, 'b', down, primary(2, 400));
    expect(types()).toEqual(['writer.lost', 'failover.started', 'writer']);
    expect(events.find((e) => e.type === 'writer.lost')!.detail).toEqual({ database: 'db', target: 'a', lagBytes: 100 });
    expect(events.find((e) => e.type === 'failover.started')!.detail).toMatchObject({ from: 'a', target: 'a', to: 'b', detectionMs: 19_000 });
    expect(events.find((e) => e.type === 'writer')!.detail).toEqual({ database: 'db', writer: 'b', previous: 'a', timeline: 2 });
    expect(tracker.writer).toBe('b');
    expect(events.filter((e) => e.type === 'leader.changed').map((e) => e.detail.leader)).toEqual(['b']);
  });

  it('a key that lapses (nobody holds it) starts the failover too', () => {
    const { events, see, types } = track();
    see(0, 'a', primary(1), replica(1));
    see(5_000, null, down, replica(1));
    expect(types()).toEqual(['writer.lost', 'failover.started']);
    expect(events.find((e) => e.type === 'failover.started')!.detail.reason).toBe('Patroni leader key lapsed');
  });

  it('PostgreSQL restarted in place by Patroni (the key never moves): writer.lost then writer.back, no failover', () => {
    const { see, types } = track();
    see(0, 'a', primary(1), replica(1));
    see(1_000, 'a', { state: 'crashed', role: 'primary', unlocked: false, streamingTo: [] }, replica(1));
    see(3_000, 'a', { state: 'starting', role: 'primary', unlocked: false, streamingTo: [] }, replica(1));
    see(4_000, 'a', primary(1), replica(1));
    expect(types()).toEqual(['writer.lost', 'writer.back']);
  });

  it('etcd unreachable says nothing about the leader: no failover on a missing answer', () => {
    const { see, types } = track();
    see(0, 'a', primary(1), replica(1));
    see(1_000, undefined, primary(1), replica(1));
    expect(types()).toEqual([]);
  });

  it('two nodes running as primary show up in `primaries` (split brain)', () => {
    const { events, see } = track();
    see(0, 'a', primary(1), replica(1));
    see(21_000, 'b', primary(1), primary(2));
    expect(events.filter((e) => e.type === 'primaries').map((e) => e.detail.nodes)).toEqual(['a', 'a,b']);
  });

  it('members: one event per change of role, state, timeline or reachability', () => {
    const { events, see } = track();
    see(0, 'a', primary(1), replica(1));
    see(200, 'a', primary(1, 900), replica(1, 800));
    see(400, 'a', down, replica(1));
    const members = events.filter((e) => e.type === 'member' && e.detail.node === 'a').map((e) => e.detail);
    expect(members).toEqual([
      { database: 'db', node: 'a', reachable: true, role: 'primary', state: 'running', timeline: 1 },
      { database: 'db', node: 'a', reachable: false, reason: 'refused' },
    ]);
  });

  it("Patroni dead on the leader but its PostgreSQL running: PostgreSQL's own answer counts; two primaries once the other is promoted", () => {
    const { events, see, types } = track();
    const pgPrimary = (timeline: number): PgState => ({ role: 'primary', timeline });
    see(0, 'a', primary(1), replica(1), [pgPrimary(1), { role: 'replica' }]);
    see(1_000, 'a', down, replica(1), [pgPrimary(1), { role: 'replica' }]);
    see(20_000, 'b', down, replica(1), [pgPrimary(1), { role: 'replica' }]);
    // Patroni on b still says timeline 1 a moment after the promotion; PostgreSQL is on 2 already
    see(20_200, 'b', down, replica(1), [pgPrimary(1), pgPrimary(2)]);
    expect(types()).toEqual(['failover.started', 'writer']);
    expect(events.find((e) => e.type === 'failover.started')!.detail.detectionMs).toBeUndefined();
    expect(events.find((e) => e.type === 'writer')!.detail).toMatchObject({ writer: 'b', timeline: 2 });
    expect(events.filter((e) => e.type === 'primaries').map((e) => e.detail.nodes)).toEqual(['a', 'a,b']);
  });
});
