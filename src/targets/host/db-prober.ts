import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { boundLifetime, exitWithParent, isMain, numberArg } from './programs/guard.js';
import { parseProbeRequest, type ProbeAnswer, type ProbeRequest } from './programs/prober.js';

/** Who the checks log in as, and with what. */
export interface DbCheckLogin {
  user: string;
  password: string;
  database: string;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** `postgres://198.18.7.102:5432/…` → host and port. */
export function dbTarget(url: string): { host: string; port: number } | undefined {
  const m = /^postgres:\/\/([0-9.]+):(\d+)(\/.*)?$/.exec(url);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/** A short reason for a failed check: refused (stopped, fenced), timeout (frozen, dropped), reset, or the server's message. */
function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return 'refused';
  if (e.code === 'ECONNRESET') return 'reset';
  const message = String(e.message ?? err);
  if (/timeout|timed out/i.test(message)) return 'timeout';
  return e.code ? `${e.code}: ${message}` : message;
}

/**
 * One check of a PostgreSQL server as the controller makes it: a fresh TCP connection, login and
 * `SELECT 1`, all within `timeoutMs`. A stopped or fenced server fails at once (refused), a frozen one
 * or one whose port is dropped when the timeout runs out (the kernel may accept, nothing answers).
 */
export async function checkPostgres(request: ProbeRequest, login: DbCheckLogin): Promise<ProbeAnswer> {
  const start = nowMs();
  const answer = (ok: boolean, reason?: string): ProbeAnswer => ({ id: request.id, ok, latencyMs: Math.round((nowMs() - start) * 10) / 10, ...(reason ? { reason } : {}) });
  const target = dbTarget(request.url);
  if (!target) return answer(false, `not a postgres:// address: ${request.url}`);
  const client = new pg.Client({
    ...target,
    ...login,
    application_name: 'faildrill-check',
    connectionTimeoutMillis: request.timeoutMs,
    query_timeout: request.timeoutMs,
  });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeAnswer>((resolve) => (timer = setTimeout(() => resolve(answer(false, 'timeout')), request.timeoutMs)));
  const attempt = (async () => {
    await client.connect();
    await client.query('SELECT 1');
    return answer(true);
  })().catch((err: unknown) => answer(false, reasonOf(err)));
  const result = await Promise.race([attempt, deadline]);
  clearTimeout(timer);
  // a frozen server never answers the goodbye: drop the socket
  void client.end().catch(() => undefined);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  return result;
}

/** Answers every request line of `input` on `output`, concurrently; resolves when `input` ends. */
export function serveDbChecks(input: Readable, output: Writable, login: DbCheckLogin): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input });
    lines.on('line', (line) => {
      const request = parseProbeRequest(line);
      if (request) void checkPostgres(request, login).then((answer) => output.write(`${JSON.stringify(answer)}\n`));
    });
    lines.on('close', () => resolve());
  });
}

/** argv: lifetimeMs loginFile (JSON {user, password, database}). Same line protocol as the HTTP prober (`programs/prober.ts`). */
async function main(argv: string[]): Promise<void> {
  const [lifetimeMs, loginFile] = argv;
  if (!loginFile) throw new Error('usage: db-prober <lifetimeMs> <loginFile>');
  exitWithParent();
  boundLifetime(numberArg(lifetimeMs, 'lifetimeMs'));
  const login = JSON.parse(readFileSync(loginFile, 'utf8')) as DbCheckLogin;
  await serveDbChecks(process.stdin, process.stdout, login);
  process.exit(0);
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`db-prober: ${err.message}`);
    process.exit(1);
  });
