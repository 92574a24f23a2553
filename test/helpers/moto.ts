import { MotoServer } from '../../src/targets/aws/emulators/moto-server.js';

/** A moto server of this test process, on its own loopback port. */
export interface MotoHandle {
  /** `http://127.0.0.1:<port>`: give it to `awsClients` as the endpoint. */
  endpoint: string;
  port: number;
  /** The server's process id (its process group is stopped with it). */
  pid: number | undefined;
  /** Empties every backend (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** Stops the server and its process group; resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the pinned moto 5.2.5 venv's server (`src/targets/aws/emulators/moto-server.ts`) on a free
 * 127.0.0.1 port and waits until it answers. Stop it in `afterAll`. A missing venv fails the test with
 * the fix (`npx faildrill setup aws`; `npm test` creates it through scripts/test-setup.mjs).
 */
export async function startMoto(): Promise<MotoHandle> {
  const server = await MotoServer.start();
  return {
    endpoint: server.endpoint,
    port: server.port,
    pid: server.pid,
    reset: () => server.reset(),
    stop: () => server.stop(),
  };
}
