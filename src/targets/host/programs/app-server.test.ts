import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_HEADER, startAppServer, type AppServer } from './app-server.js';

function fetchText(port: number, path: string): Promise<{ status: number; server: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers[SERVER_HEADER] ?? ''), body }));
    }).on('error', reject);
  });
}

let app: AppServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the app server of the host target', () => {
  it('answers / with its id and names itself in x-faildrill-server', async () => {
    app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });
    const answer = await fetchText(app.port, '/');
    expect(answer).toEqual({ status: 200, server: 'web-1', body: 'web-1\n' });
  });

  it('answers /health with 200 while listening and responsive', async () => {
    app = await startAppServer({ id: 'web-2', port: 0, host: '127.0.0.1' });
    const health = await fetchText(app.port, '/health');
    expect(health.status).toBe(200);
    expect(health.server).toBe('web-2');
  });

  it('refuses connections once closed (a stopped service)', async () => {
    const closed = await startAppServer({ id: 'web-3', port: 0, host: '127.0.0.1' });
    await closed.close();
    await expect(fetchText(closed.port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
