import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { DbWriter, type DbWriterOptions } from './db-writer.js';
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
 * The app server of the host target's test hosts: `/` answers with its server id — 503 while
 * `canServe` says no (an app that cannot write to its database) — and `/health` returns 200 only while
 * fully operational (listening, event loop responsive). Every answer names the server in
 * {@link SERVER_HEADER}.
 */
export async function startAppServer(options: { id: string; port: number; host?: string; canServe?: () => boolean }): Promise<AppServer> {
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
    if (options.canServe && !options.canServe()) {
      res.writeHead(503, headers);
      res.end(`${options.id}: cannot write to the database\n`);
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

/** What an app that writes through a database is told (a JSON file): its writer's options, less the run's t0. */
export type AppWriteConfig = Omit<DbWriterOptions, 't0Ns'>;

/** What an app prints once its writes ran their schedule to the end. */
export const WRITES_DONE = 'writes done';

/** The line on stdin that starts an app's writes: the run's t0 (CLOCK_MONOTONIC ns). */
export function startLine(t0Ns: bigint): string {
  return `${JSON.stringify({ t0Ns: String(t0Ns) })}\n`;
}

/** Resolves with the t0 of the first start line on stdin; never resolves when stdin ends first. */
function awaitStart(): Promise<bigint> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      try {
        const { t0Ns } = JSON.parse(line) as { t0Ns?: unknown };
        if (typeof t0Ns !== 'string' || !/^\d+$/.test(t0Ns)) return;
        lines.close();
        resolve(BigInt(t0Ns));
      } catch {
        // not a start line
      }
    });
  });
}

/**
 * argv: id port lifetimeMs [writeConfigFile]. With a write config the app writes through the database
 * from the run's t0 (given on stdin, {@link startLine}), prints each write's row on stdout
 * (`db-writer.ts`) and answers `/` with 503 while it cannot write.
 */
async function main(argv: string[]): Promise<void> {
  const [id, port, lifetimeMs, writeConfig] = argv;
  if (!id) throw new Error('usage: app-server <id> <port> <lifetimeMs> [writeConfigFile]');
  exitWithParent();
  boundLifetime(numberArg(lifetimeMs, 'lifetimeMs'));
  let writer: DbWriter | undefined;
  const app = await startAppServer({ id, port: numberArg(port, 'port'), ...(writeConfig ? { canServe: () => writer?.canWrite ?? true } : {}) });
  console.log(`app ${id} listening on ${app.port}`);
  // writes in flight are abandoned, unreported: the app is gone before their answer (as a killed app's are)
  const stop = () => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (writeConfig) {
    const config = JSON.parse(readFileSync(writeConfig, 'utf8')) as AppWriteConfig;
    const t0Ns = await awaitStart();
    writer = new DbWriter({ ...config, t0Ns }, (row) => process.stdout.write(`${JSON.stringify(row)}\n`));
    await writer.run();
    console.log(WRITES_DONE);
  }
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`app-server: ${err.message}`);
    process.exit(1);
  });
