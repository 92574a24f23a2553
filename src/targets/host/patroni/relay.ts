import { request } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { boundLifetime, exitWithParent, isMain, numberArg } from '../programs/guard.js';

/**
 * A helper program in the controller's namespace that talks to the run's nodes for the controller's
 * process, which cannot reach the run's addresses from the root namespace: one JSON request per
 * stdin line, one JSON answer per stdout line with the request's id. Two kinds: HTTP (Patroni's REST
 * API and etcd's v3 gateway speak JSON over plain HTTP) and SQL (one query on PostgreSQL, for what
 * PostgreSQL itself says when Patroni cannot be asked). Connection strings travel on stdin, never on
 * a command line.
 */

/** An HTTP request: a line of JSON on stdin. */
export interface HttpRelayRequest {
  id: number;
  kind?: 'http';
  method: 'GET' | 'POST';
  url: string;
  /** A JSON body for POST. */
  body?: unknown;
  timeoutMs: number;
}

/** One SQL statement on a node's PostgreSQL (a connection per connection string, kept open). */
export interface SqlRelayRequest {
  id: number;
  kind: 'sql';
  connection: string;
  sql: string;
  timeoutMs: number;
}

export type RelayRequest = HttpRelayRequest | SqlRelayRequest;

/** An answer: the HTTP status and body (parsed when JSON), the SQL rows, or why there was none. */
export interface RelayAnswer {
  id: number;
  status?: number;
  body?: unknown;
  rows?: Array<Record<string, unknown>>;
  /** `refused`, `timeout`, `reset`, an errno code, or PostgreSQL's message. */
  error?: string;
  latencyMs: number;
}

/** Bodies larger than this are cut off (Patroni's and etcd's answers here are a few kB). */
const MAX_BODY_BYTES = 1 << 20;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

type Outcome = Omit<RelayAnswer, 'id' | 'latencyMs'>;

/** Answers a request within its timeout, whatever happens. */
function bounded(req: RelayRequest, work: (answer: (o: Outcome) => void, onTimeout: (undo: () => void) => void) => void): Promise<RelayAnswer> {
  const start = nowMs();
  return new Promise((resolve) => {
    let done = false;
    let undo: () => void = () => undefined;
    const answer = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ id: req.id, ...o, latencyMs: Math.round((nowMs() - start) * 10) / 10 });
    };
    // one deadline for connect and answer: a dropped or frozen peer answers neither
    const timer = setTimeout(() => {
      answer({ error: 'timeout' });
      undo();
    }, req.timeoutMs);
    work(answer, (u) => (undo = u));
  });
}

/** Makes one HTTP request on a fresh connection. */
export function httpOnce(req: HttpRelayRequest): Promise<RelayAnswer> {
  return bounded(req, (answer, onTimeout) => {
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers = payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {};
    const r = request(req.url, { method: req.method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      res.on('end', () => answer({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', () => answer({ error: 'reset' }));
    });
    onTimeout(() => r.destroy());
    r.on('error', (err: NodeJS.ErrnoException) => answer({ error: errorName(err) }));
    r.end(payload);
  });
}

function errorName(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ECONNRESET') return 'reset';
  return err.code ?? err.message;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Open PostgreSQL connections by connection string; a connection that failed or timed out is dropped. */
export class SqlConnections {
  readonly #clients = new Map<string, Promise<pg.Client>>();

  query(req: SqlRelayRequest): Promise<RelayAnswer> {
    return bounded(req, (answer, onTimeout) => {
      onTimeout(() => this.#drop(req.connection));
      this.#client(req.connection, req.timeoutMs)
        .then((c) => c.query(req.sql))
        .then((r) => answer({ rows: r.rows as Array<Record<string, unknown>> }))
        .catch((err: NodeJS.ErrnoException) => {
          this.#drop(req.connection);
          // an errno (refused, reset, …) or PostgreSQL's own message ("the database system is starting up")
          answer({ error: /^E[A-Z]+$/.test(err.code ?? '') ? errorName(err) : err.message });
        });
    });
  }

  #client(connection: string, timeoutMs: number): Promise<pg.Client> {
    let c = this.#clients.get(connection);
    if (!c) {
      const client = new pg.Client({ connectionString: connection, connectionTimeoutMillis: timeoutMs });
      client.on('error', () => this.#drop(connection));
      c = client.connect().then(() => client);
      this.#clients.set(connection, c);
    }
    return c;
  }

  /** Forgets a connection and ends it without waiting: a frozen server would never answer the goodbye. */
  #drop(connection: string): void {
    const c = this.#clients.get(connection);
    this.#clients.delete(connection);
    void c?.then((client) => client.end().catch(() => undefined)).catch(() => undefined);
  }

  close(): void {
    for (const k of [...this.#clients.keys()]) this.#drop(k);
  }
}

/** Parses a request line; undefined for anything that is not one. */
export function parseRelayRequest(line: string): RelayRequest | undefined {
  try {
    const q = JSON.parse(line) as Record<string, unknown>;
    if (typeof q.id !== 'number' || typeof q.timeoutMs !== 'number') return undefined;
    if (q.kind === 'sql') {
      if (typeof q.connection !== 'string' || typeof q.sql !== 'string' || !q.connection.startsWith('postgresql://')) return undefined;
      return { id: q.id, kind: 'sql', connection: q.connection, sql: q.sql, timeoutMs: q.timeoutMs };
    }
    if (typeof q.url !== 'string' || !q.url.startsWith('http://')) return undefined;
    if (q.method !== 'GET' && q.method !== 'POST') return undefined;
    return { id: q.id, method: q.method, url: q.url, timeoutMs: q.timeoutMs, ...(q.body !== undefined ? { body: q.body } : {}) };
  } catch {
    return undefined;
  }
}

/** Parses an answer line; undefined for anything that is not one. */
export function parseRelayAnswer(line: string): RelayAnswer | undefined {
  try {
    const a = JSON.parse(line) as Partial<RelayAnswer>;
    if (typeof a.id !== 'number' || typeof a.latencyMs !== 'number') return undefined;
    return a as RelayAnswer;
  } catch {
    return undefined;
  }
}

/** Answers every request line of `input` on `output`, concurrently; resolves when `input` ends. */
export function serveRelay(input: Readable, output: Writable): Promise<void> {
  const sql = new SqlConnections();
  return new Promise((resolve) => {
    const lines = createInterface({ input });
    lines.on('line', (line) => {
      const req = parseRelayRequest(line);
      if (!req) return;
      const answer = req.kind === 'sql' ? sql.query(req) : httpOnce(req);
      void answer.then((a) => output.write(`${JSON.stringify(a)}\n`));
    });
    lines.on('close', () => {
      sql.close();
      resolve();
    });
  });
}

/** argv: lifetimeMs. Ends with stdin, its parent or its lifetime. */
async function main(argv: string[]): Promise<void> {
  exitWithParent();
  boundLifetime(numberArg(argv[0], 'lifetimeMs'));
  await serveRelay(process.stdin, process.stdout);
  process.exit(0);
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`relay: ${err.message}`);
    process.exit(1);
  });
