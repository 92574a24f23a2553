import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOnce, parseRelayAnswer, parseRelayRequest, serveRelay, type RelayRequest } from './relay.js';
import { isUnreachable, leaderKey, PatroniApi, postgresState, type HttpCall } from './rest.js';

/** Bodies as Patroni 3.0.2 writes them (patroni/api.py get_postgresql_status, utils.py cluster_as_json). */
const PRIMARY = {
  state: 'running',
  postmaster_start_time: '2026-11-30 16:31:45.444+00:00',
  role: 'master',
  server_version: 150018,
  xlog: { location: 50_331_968 },
  timeline: 1,
  replication: [{ usename: 'replicator', application_name: 'db-b', client_addr: '198.18.7.102', state: 'streaming', sync_state: 'async', sync_priority: 0 }],
  dcs_last_seen: 1_790_000_000,
  database_system_identifier: '7400000000000000000',
  patroni: { version: '3.0.2', scope: 'a1b2c3' },
};
const REPLICA = {
  state: 'running',
  role: 'replica',
  xlog: { received_location: 50_331_968, replayed_location: 50_331_900, replayed_timestamp: null, paused: false },
  timeline: 1,
};
const CLUSTER = {
  members: [
    { name: 'db-a', role: 'leader', state: 'running', api_url: 'http://198.18.7.101:8008/patroni', host: '198.18.7.101', port: 5432, timeline: 1 },
    { name: 'db-b', role: 'replica', state: 'running', api_url: 'http://198.18.7.102:8008/patroni', host: '198.18.7.102', port: 5432, timeline: 1, lag: 0 },
  ],
};

let server: Server;
let port = 0;
let holder: string | undefined = 'db-a';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/patroni' && req.method === 'GET') return json(200, PRIMARY);
      if (req.url === '/replica/patroni') return json(503, REPLICA);
      if (req.url === '/cluster') return json(200, CLUSTER);
      if (req.url === '/v3/kv/range' && req.method === 'POST') {
        const key = Buffer.from((JSON.parse(body) as { key: string }).key, 'base64').toString();
        if (key !== leaderKey('a1b2c3') || holder === undefined) return json(200, { header: { revision: '7' } });
        return json(200, { header: { revision: '7' }, kvs: [{ key: Buffer.from(key).toString('base64'), value: Buffer.from(holder).toString('base64'), lease: '7587' }], count: '1' });
      }
      if (req.url === '/slow') return setTimeout(() => res.end('{}'), 2_000);
      json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const direct: HttpCall = (req) => httpOnce({ ...req, id: 0 });

describe('PatroniApi', () => {
  it("reads a primary's and a replica's /patroni (Patroni answers 503 on a replica, with a body)", async () => {
    const api = new PatroniApi(direct, 1_000, port, port);
    expect(await api.status('127.0.0.1')).toEqual({ state: 'running', role: 'primary', timeline: 1, lsn: 50_331_968, unlocked: false, streamingTo: ['db-b'] });
    const replica = new PatroniApi((req) => direct({ ...req, url: req.url.replace('/patroni', '/replica/patroni') }), 1_000, port, port);
    expect(await replica.status('127.0.0.1')).toEqual({ state: 'running', role: 'replica', timeline: 1, lsn: 50_331_900, unlocked: false, streamingTo: [] });
  });

  it('reads /cluster members with their lag', async () => {
    const api = new PatroniApi(direct, 1_000, port, port);
    expect(await api.cluster('127.0.0.1')).toEqual([
      { name: 'db-a', role: 'leader', state: 'running', timeline: 1 },
      { name: 'db-b', role: 'replica', state: 'running', timeline: 1, lagBytes: 0 },
    ]);
  });

  it("reads the leader key's holder from etcd's v3 gateway, '' when nobody holds it", async () => {
    const api = new PatroniApi(direct, 1_000, port, port);
    holder = 'db-b';
    expect(await api.leader('127.0.0.1', 'a1b2c3')).toBe('db-b');
    holder = undefined;
    expect(await api.leader('127.0.0.1', 'a1b2c3')).toBe('');
    holder = 'db-a';
  });

  it('a node that does not answer is unreachable, with the reason', async () => {
    const refused = new PatroniApi(direct, 1_000, 1, 1);
    const status = await refused.status('127.0.0.1');
    expect(isUnreachable(status) && status.unreachable).toBe('refused');
    const slow = await httpOnce({ id: 1, method: 'GET', url: `http://127.0.0.1:${port}/slow`, timeoutMs: 200 });
    expect(slow.error).toBe('timeout');
    expect(slow.latencyMs).toBeLessThan(2_000);
  });
});

describe('the relay program', () => {
  it('answers each request line with a line of the same id', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: string[] = [];
    output.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const served = serveRelay(input, output);
    const requests: RelayRequest[] = [
      { id: 7, method: 'GET', url: `http://127.0.0.1:${port}/cluster`, timeoutMs: 1_000 },
      { id: 8, method: 'POST', url: `http://127.0.0.1:${port}/v3/kv/range`, body: { key: Buffer.from(leaderKey('a1b2c3')).toString('base64') }, timeoutMs: 1_000 },
    ];
    for (const r of requests) input.write(`${JSON.stringify(r)}\n`);
    input.write('not json\n');
    input.write(`${JSON.stringify({ id: 9, method: 'GET', url: 'file:///etc/passwd', timeoutMs: 1 })}\n`);
    for (let i = 0; i < 100 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    input.end();
    await served;
    const answers = lines.map((l) => parseRelayAnswer(l)!);
    expect(answers.map((a) => a.id).sort()).toEqual([7, 8]);
    expect(answers.find((a) => a.id === 7)).toMatchObject({ status: 200, body: CLUSTER });
    expect(answers.find((a) => a.id === 8)!.status).toBe(200);
  });
});

describe('PostgreSQL asked directly', () => {
  it('reads pg_is_in_recovery() and a primary timeline; anything else is unreachable', async () => {
    const answer = (a: { rows?: Array<Record<string, unknown>>; error?: string }) => async () => ({ ...a, latencyMs: 1 });
    expect(await postgresState(answer({ rows: [{ recovery: false, timeline: 2 }] }), 'postgresql://x', 100)).toEqual({ role: 'primary', timeline: 2 });
    expect(await postgresState(answer({ rows: [{ recovery: true, timeline: null }] }), 'postgresql://x', 100)).toEqual({ role: 'replica' });
    expect(await postgresState(answer({ error: 'timeout' }), 'postgresql://x', 100)).toEqual({ unreachable: 'timeout' });
    expect(isUnreachable(await postgresState(answer({ rows: [] }), 'postgresql://x', 100))).toBe(true);
  });

  it('the relay takes SQL only for postgresql:// connection strings, HTTP only for http:// URLs', () => {
    expect(parseRelayRequest(JSON.stringify({ id: 1, kind: 'sql', connection: 'postgresql://u:p@h/db', sql: 'SELECT 1', timeoutMs: 100 }))).toMatchObject({ kind: 'sql' });
    expect(parseRelayRequest(JSON.stringify({ id: 1, kind: 'sql', connection: '/tmp/socket', sql: 'SELECT 1', timeoutMs: 100 }))).toBeUndefined();
    expect(parseRelayRequest(JSON.stringify({ id: 1, method: 'GET', url: 'file:///etc/passwd', timeoutMs: 100 }))).toBeUndefined();
    expect(parseRelayRequest(JSON.stringify({ id: 1, method: 'DELETE', url: 'http://h/', timeoutMs: 100 }))).toBeUndefined();
  });
});
