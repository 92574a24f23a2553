import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A moto server of this test process, on its own loopback port. */
export interface MotoHandle {
  /** `http://127.0.0.1:<port>`: give it to `awsClients` as the endpoint. */
  endpoint: string;
  port: number;
  /** Empties every backend (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** Stops the server and its process group; resolves when it has exited. */
  stop(): Promise<void>;
}

const MOTO_VERSION = '5.2.5';
const READY_TIMEOUT_MS = 30_000;

function motoPython(): string {
  const root = process.env.FAILDRILL_CACHE ? join(process.env.FAILDRILL_CACHE, 'venvs') : join(homedir(), '.cache/faildrill/venvs');
  const python = join(root, `moto-${MOTO_VERSION}`, 'bin/python');
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: the moto ${MOTO_VERSION} virtualenv is not installed. Create it with \`npx faildrill setup aws\` (npm test does so through scripts/test-setup.mjs).`);
  }
  return python;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function waitReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`moto server exited before it answered (code ${child.exitCode ?? child.signalCode}):\n${stderr()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto server at ${endpoint} did not answer within ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/** Starts the moto 5.2.5 virtualenv's server on a free 127.0.0.1 port and waits until it answers. Stop it in `afterAll`. */
export async function startMoto(): Promise<MotoHandle> {
  const python = motoPython();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4_000);
  });
  const stop = async (): Promise<void> => {
    if (!running.has(child)) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
    running.delete(child);
  };
  try {
    await waitReady(endpoint, child, () => err);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    port,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset at ${endpoint} answered ${response.status}`);
    },
    stop,
  };
}
