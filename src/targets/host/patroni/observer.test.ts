import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../../measure/events.js';
import { PatroniObserver } from './observer.js';
import { PatroniApi, type HttpCall, type SqlCall } from './rest.js';
import { PatroniTracker } from './tracker.js';

describe('PatroniObserver', () => {
  it('feeds the tracker from its loops (leader key, /patroni, PostgreSQL) until stopped', async () => {
    let holder = 'a';
    let calls = 0;
    const http: HttpCall = async (req) => {
      calls++;
      if (req.url.endsWith('/v3/kv/range')) return { status: 200, body: { kvs: [{ value: Buffer.from(holder).toString('base64') }] }, latencyMs: 1 };
      const primary = req.url.startsWith(`http://${holder === 'a' ? '10.0.0.1' : '10.0.0.2'}:`);
      return { status: primary ? 200 : 503, body: { state: 'running', role: primary ? 'master' : 'replica', timeline: holder === 'a' ? 1 : 2 }, latencyMs: 1 };
    };
    const sql: SqlCall = async (req) => ({ rows: [{ recovery: !req.connection.includes(holder === 'a' ? '10.0.0.1' : '10.0.0.2'), timeline: holder === 'a' ? 1 : 2 }], latencyMs: 1 });
    const types: string[] = [];
    const details: EventDetail[] = [];
    const tracker = new PatroniTracker('db', ['a', 'b'], 'a', (_c, type, detail) => {
      types.push(type);
      details.push(detail);
    });
    const nodes = new Map([
      ['a', { ip: '10.0.0.1', connection: 'postgresql://p@10.0.0.1/postgres' }],
      ['b', { ip: '10.0.0.2', connection: 'postgresql://p@10.0.0.2/postgres' }],
    ]);
    const observer = new PatroniObserver(new PatroniApi(http, 100), '10.0.0.9', 'scope', nodes, sql, tracker, () => 0, 10);
    observer.start();
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => types.includes('primaries'));
    holder = 'b';
    await until(() => tracker.writer === 'b');
    await observer.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(after);
    expect(tracker.writer).toBe('b');
    expect(types).toEqual(expect.arrayContaining(['leader.changed', 'failover.started', 'writer']));
    expect(observer.latest.nodes.size).toBe(2);
  });
});
