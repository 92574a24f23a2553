/** The part of autocannon's documented API (it ships no types) that the autocannon driver uses. */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** One connection of autocannon; its documented events are headers, body, response and reset. */
    type Client = EventEmitter;
    interface Options {
      url: string;
      connections?: number;
      /** Requests per second over all connections. */
      overallRate?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds, at least 1. */
      timeout?: number;
      setupClient?: (client: Client) => void;
    }
    /** Emits start, tick, done, response (client, statusCode, resBytes, responseTime ms), reqError (error), error. */
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, done?: (err: Error | null, result: unknown) => void): autocannon.Instance;
  export = autocannon;
}
