import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from './app-server.js';
import { parseProbeAnswer, parseProbeRequest, serveProbes, type ProbeAnswer } from './prober.js';

let app: AppServer | undefined;
let silent: Server | undefined;
afterEach(async () => {
  await app?.close();
  silent?.closeAllConnections();
  silent?.close();
  app = silent = undefined;
});

/** Runs the prober over in-memory stdin/stdout: sends `requests` as lines, collects one answer per request. */
async function ask(requests: object[]): Promise<ProbeAnswer[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  const served = serveProbes(input, output);
  const answers: ProbeAnswer[] = [];
  const lines = createInterface({ input: output });
  const all = new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      const answer = parseProbeAnswer(line);
      if (answer) answers.push(answer);
      if (answers.length === requests.length) resolve();
    }),
  );
  for (const r of requests) input.write(`${JSON.stringify(r)}\n`);
  await all;
  input.end();
  await served;
  return answers.sort((a, b) => a.id - b.id);
}

describe('the prober: one JSON line per check in, one answer per check out', () => {
  it('answers ok for a healthy app and refused for a closed port, with the ids of the requests', async () => {
    app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });
    const closed = await startAppServer({ id: 'gone', port: 0, host: '127.0.0.1' });
    await closed.close();
    const answers = await ask([
      { id: 1, url: `http://127.0.0.1:${app.port}/health`, timeoutMs: 1_000 },
      { id: 2, url: `http://127.0.0.1:${closed.port}/health`, timeoutMs: 1_000 },
    ]);
    expect(answers.map((a) => [a.id, a.ok, a.reason])).toEqual([
      [1, true, undefined],
      [2, false, 'refused'],
    ]);
  });

  it('fails a check that gets no answer at its timeout (not before)', async () => {
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const timeoutMs = 200; // the request's own timeout
    const [answer] = await ask([{ id: 7, url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, timeoutMs }]);
    expect(answer!.ok).toBe(false);
    expect(answer!.reason).toBe('timeout');
    expect(answer!.latencyMs).toBeGreaterThanOrEqual(timeoutMs);
  });

  it('ignores lines that are not requests and parses what it answers', () => {
    expect(parseProbeRequest('not json')).toBeUndefined();
    expect(parseProbeRequest('{"id":"1","url":"x","timeoutMs":1}')).toBeUndefined();
    expect(parseProbeRequest('{"id":1,"url":"http://a/","timeoutMs":5}')).toEqual({ id: 1, url: 'http://a/', timeoutMs: 5 });
    expect(parseProbeAnswer('{"id":3,"ok":false,"latencyMs":1.5,"reason":"status 503"}')).toEqual({ id: 3, ok: false, latencyMs: 1.5, reason: 'status 503' });
  });
});
