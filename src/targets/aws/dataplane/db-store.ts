import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const HOST = '127.0.0.1';

/** What a member does with a write the app sent: only the writer commits; replication decides when it is acknowledged. */
export type Replicate = (id: string) => Promise<void>;

/**
 * One RDS member's data, kept by faildrill because emulators hold none: an HTTP server on
 * 127.0.0.1 that stays on one port for the run and keeps the write ids it committed.
 * - `POST /write/<id>`: the writer commits and answers 200 once `replicate` resolved (the
 *   acknowledgement); any other member answers 503 `read-only`.
 * - `POST /replicate/<id>`: a standby applies a write shipped by the writer (200).
 * - `GET /health`: 200. `GET /ids`: the committed ids as JSON.
 * While the member is down (stopped, rebooting) its listener is closed: connections are refused.
 */
export class DbStore {
  readonly committed = new Map<string, number>();
  writer = false;
  #server?: Server;
  #port = 0;

  private constructor(
    readonly member: string,
    private readonly nowMs: () => number,
    private readonly replicate: Replicate,
  ) {}

  /** Starts serving on a free loopback port. */
  static async start(member: string, nowMs: () => number, replicate: Replicate): Promise<DbStore> {
    const store = new DbStore(member, nowMs, replicate);
    await store.up();
    return store;
  }

  get url(): string {
    return `http://${HOST}:${this.#port}`;
  }

  get serving(): boolean {
    return this.#server !== undefined;
  }

  /** Opens the listener (on the port it had). */
  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, HOST, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the listener and drops open connections: the member refuses until {@link up}. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Commits `id` here (a shipped write, or the writer's own). */
  apply(id: string): void {
    if (!this.committed.has(id)) this.committed.set(id, this.nowMs());
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const headers = { 'content-type': 'text/plain', 'x-faildrill-db-member': this.member };
    const [, verb, id] = /^\/(write|replicate|health|ids)(?:\/([\w-]+))?$/.exec(req.url ?? '') ?? [];
    if (verb === 'health' && req.method === 'GET') return void res.writeHead(200, headers).end('ok\n');
    if (verb === 'ids' && req.method === 'GET') return void res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify([...this.committed.keys()]));
    if (req.method !== 'POST' || !id) return void res.writeHead(404, headers).end('not found\n');
    if (verb === 'replicate') {
      this.apply(id);
      return void res.writeHead(200, headers).end('applied\n');
    }
    if (!this.writer) return void res.writeHead(503, headers).end('read-only\n');
    this.apply(id);
    try {
      await this.replicate(id);
      res.writeHead(200, headers).end('committed\n');
    } catch (err) {
      res.writeHead(503, headers).end(`not acknowledged: ${(err as Error).message}\n`);
    }
  }
}
