/** The part of autocannon (which ships no types) that the load driver uses. */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** One connection of autocannon; emits request, headers, response, timeout, connError. */
    interface Client extends EventEmitter {
      destroyed?: boolean;
      _connect(): void;
    }
    interface Options {
      url: string;
      connections?: number;
      /** Requests per second over all connections. */
      overallRate?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds. */
      timeout?: number;
      setupClient?: (client: Client) => void;
    }
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, done?: (err: Error | null, result: unknown) => void): autocannon.Instance;
  export = autocannon;
}
