import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** The arbiter's answer to one node (the controller's {@link FailoverController.mayHoldAddress}). */
export type ArbiterAsk = (node: string) => Promise<{ granted: boolean; reason: string }>;

/** TCP port of the arbiter on the controller's address, where the nodes' fencing scripts ask. */
export const ARBITER_PORT = 7946;

/**
 * The arbiter as the nodes reach it on the host target: an HTTP server of this process on a Unix
 * socket in the run's folder (the relay in the controller's namespace forwards the nodes' TCP
 * connections to it). `GET /may-hold?node=<id>` answers `200 granted …` or `403 refused …`; anything
 * else is a 404. Until the run's controller is attached (setup) every node is granted: setup waits
 * for one holder anyway, and nothing is fenced before the run starts.
 */
export class ArbiterEndpoint {
  #server?: Server;
  #ask?: ArbiterAsk;
  #socketPath?: string;
  /** Questions answered, for the run's facts. */
  asked = 0;

  /** From now on, questions go to `ask`. */
  attach(ask: ArbiterAsk): void {
    this.#ask = ask;
  }

  /** Listens on `socketPath` (a stale file there is removed first). */
  async listen(socketPath: string): Promise<void> {
    rmSync(socketPath, { force: true });
    const server = createServer((req, res) => void this.#handle(req, res));
    this.#server = server;
    this.#socketPath = socketPath;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://arbiter');
    const node = url.searchParams.get('node');
    if (req.method !== 'GET' || url.pathname !== '/may-hold' || !node) {
      res.writeHead(404, { connection: 'close' }).end('not found\n');
      return;
    }
    this.asked++;
    const answer = this.#ask ? await this.#ask(node) : { granted: true, reason: 'setup: no controller yet' };
    res.writeHead(answer.granted ? 200 : 403, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`${answer.granted ? 'granted' : 'refused'} ${answer.reason}\n`);
  }

  /** Stops listening and removes the socket file. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.#socketPath) rmSync(this.#socketPath, { force: true });
  }
}
