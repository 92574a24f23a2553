import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshAccountCredentials, LocalStackServer, type LocalStackHealth } from '../../src/targets/aws/emulators/localstack-server.js';

/** A LocalStack (community, host mode, no Docker) of this test process, on its own loopback port. */
export interface LocalStackHandle {
  /** `http://127.0.0.1:<port>`: give it to `awsClients` as the endpoint. */
  endpoint: string;
  port: number;
  pid: number | undefined;
  /** What `/_localstack/health` said at start (which services it serves). */
  health: LocalStackHealth;
  /** Its files: `<dir>/filesystem`, `<dir>/tmp`, `<dir>/localstack.log`. */
  dir: string;
  /** Credentials of an account nobody used yet: LocalStack has no reset, so each case takes a fresh account. */
  freshAccount(): { accessKeyId: string; secretAccessKey: string };
  /** Stops it and its process group, then removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts LocalStack from the pinned venv (`src/targets/aws/emulators/localstack-server.ts`) on a free
 * 127.0.0.1 port, its files in a fresh temporary folder, and waits for `/_localstack/health` (~6 s).
 * Stop it in `afterAll`. A missing venv fails with the fix (`npx faildrill setup aws --localstack`).
 */
export async function startLocalStack(): Promise<LocalStackHandle> {
  const runDir = mkdtempSync(join(tmpdir(), 'faildrill-localstack-'));
  let server: LocalStackServer;
  try {
    server = await LocalStackServer.start({ runDir });
  } catch (error) {
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: server.endpoint,
    port: server.port,
    pid: server.pid,
    health: server.health,
    dir: server.dir!,
    freshAccount: freshAccountCredentials,
    stop: async () => {
      await server.stop();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
