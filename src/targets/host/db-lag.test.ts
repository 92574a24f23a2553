import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { WallClock } from '../shared/wall-clock.js';
import { LagMonitor } from './db-lag.js';
import type { PgNode, ReplicationInfo } from './postgres/node.js';

const spec = parseScenario(
  ['name: lag', 'duration: 30s', 'setup:', '  servers: [{ id: a }, { id: b }, { id: c }]', '  database: { engine: postgres-streaming, primary: b, standby: c, lagAlert: 5s }', 'load: { rate: 1, clients: 1 }', ''].join('\n'),
  'lag.yaml',
).scenario.setup.database!;

function monitor(lags: Array<number | null | 'gone'>) {
  const events: Array<[string, Record<string, unknown>]> = [];
  let i = 0;
  const row = (replayLagMs: number | null): ReplicationInfo =>
    ({ application: 'c', state: 'streaming', syncState: 'async', replayLagMs }) as ReplicationInfo;
  const writer = {
    replication: async () => {
      const lag = lags[i++];
      return lag === 'gone' ? [] : [row(lag ?? null)];
    },
  } as unknown as PgNode;
  const m = new LagMonitor(spec, { writer: () => writer, standbyId: () => 'c' }, new WallClock(), (_c, type, detail) => events.push([type, detail]));
  return { m, events };
}

describe("the host's replication lag, measured", () => {
  it("emits lag when it moved by a second (or a quarter), and alerts above the scenario's lagAlert (5 s) until it is back under", async () => {
    const { m, events } = monitor([0, 400, 1_500, 5_200, 5_900, 8_000, 'gone', 2_000, null]);
    for (let k = 0; k < 9; k++) await m.pollOnce();
    expect(events).toEqual([
      ['lag', expect.objectContaining({ lagMs: 0, standby: 'c' })],
      // 400: under a second from 0, not emitted
      ['lag', expect.objectContaining({ lagMs: 1_500 })],
      ['lag', expect.objectContaining({ lagMs: 5_200 })],
      ['lag.alert', { database: 'db', lagMs: 5_200, thresholdMs: 5_000 }],
      // 5 900: 700 ms from 5 200, under max(1 s, 5 200 / 4): not emitted
      ['lag', expect.objectContaining({ lagMs: 8_000 })],
      // no standby streaming: nothing measured
      ['lag', expect.objectContaining({ lagMs: 2_000 })],
      ['lag.ok', { database: 'db', lagMs: 2_000, thresholdMs: 5_000 }],
      // replay_lag null: caught up and idle
      ['lag', expect.objectContaining({ lagMs: 0 })],
    ]);
    expect(m.lagMs).toBe(0);
  });
});
