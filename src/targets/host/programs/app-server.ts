import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundLifetime, exitWithParent, isMain, numberArg } from './guard.js';

/** The header every answer of the app server names its server in (the load and probes read it). */
export const SERVER_HEADER = 'x-faildrill-server';

/** Event-loop lag beyond which `/health` answers 503 (a frozen or overloaded app is not healthy). */
export const UNHEALTHY_LAG_MS = 1_000;

const LAG_SAMPLE_MS = 100;

/** A running app server. */
export interface AppServer {
  readonly server: Server;
  /** The port it listens on (the one asked for, or the one the OS chose for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The app server of the host target's test hosts: `/` answers with its server id, `/health` returns
 * 200 only while fully operational (listening, event loop responsive). Every answer names the server
 * in {@link SERVER_HEADER}.
 */
export async function startAppServer(options: { id: string; port: number; host?: string }): Promise<AppServer> {
  let lagMs = 0;
  let last = process.hrtime.bigint();
  const lagTimer = setInterval(() => {
    const now = process.hrtime.bigint();
    lagMs = Math.max(0, Number(now - last) / 1e6 - LAG_SAMPLE_MS);
    last = now;
  }, LAG_SAMPLE_MS);
  lagTimer.unref();
  let listening = false;
  const server = createServer((req, res) => {
    const headers = { 'content-type': 'text/plain', [SERVER_HEADER]: options.id };
    if (req.url === '/health') {
      const ok = listening && lagMs < UNHEALTHY_LAG_MS;
      res.writeHead(ok ? 200 : 503, headers);
      res.end(ok ? 'ok\n' : `degraded: event loop lag ${Math.round(lagMs)} ms\n`);
      return;
    }
    res.writeHead(200, headers);
    res.end(`${options.id}\n`);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  listening = true;
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(lagTimer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** argv: id port lifetimeMs */
async function main(argv: string[]): Promise<void> {
  const [id, port, lifetimeMs] = argv;
  if (!id) throw new Error('usage: app-server <id> <port> <lifetimeMs>');
  exitWithParent();
  boundLifetime(numberArg(lifetimeMs, 'lifetimeMs'));
  const app = await startAppServer({ id, port: numberArg(port, 'port') });
  console.log(`app ${id} listening on ${app.port}`);
  const stop = () => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`app-server: ${err.message}`);
    process.exit(1);
  });
