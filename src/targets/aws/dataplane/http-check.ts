import { request, type ClientRequest } from 'node:http';
import type { CheckAttempt, CheckTransport } from './route53-checker.js';

/** Why a connection failed, from its errno: `refused` for ECONNREFUSED (a closed port answers at once), else the code. */
function reasonOf(err: NodeJS.ErrnoException): string {
  return err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message);
}

/**
 * Route 53's HTTP health check as one request: a fresh TCP connection to `url`, then a GET whose
 * status code decides. No timeouts here: the checker races the two phases against its own Clock.
 */
export function httpCheckTransport(url: string): CheckTransport {
  return {
    open(): CheckAttempt {
      let req: ClientRequest | undefined;
      const connected = new Promise<void>((resolve, reject) => {
        req = request(url, { method: 'GET', agent: false, headers: { 'user-agent': 'faildrill Route 53 checker' } });
        req.once('socket', (socket) => {
          if (!socket.connecting) resolve();
          else socket.once('connect', () => resolve());
        });
        req.once('error', (err: NodeJS.ErrnoException) => reject(new Error(reasonOf(err))));
      });
      const response = new Promise<number>((resolve, reject) => {
        if (!req) return reject(new Error(`cannot request ${url}`));
        req.once('response', (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          res.once('end', () => req!.destroy());
        });
        req!.once('error', (err: NodeJS.ErrnoException) => reject(new Error(reasonOf(err))));
      });
      connected.catch(() => undefined);
      response.catch(() => undefined);
      req?.end();
      return { connected, response, abort: () => req?.destroy() };
    },
  };
}
