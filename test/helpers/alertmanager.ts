import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/targets/aws/emulators/process.js';

/** Debian's package (`scripts/test-setup.mjs` installs it); 0.25 serves the v2 API. */
const BINARY = 'prometheus-alertmanager';
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/** One alert as `GET /api/v2/alerts` lists it (gettableAlert in Alertmanager's OpenAPI spec). */
export interface ListedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/** An Alertmanager of this test process on 127.0.0.1. */
export interface AlertmanagerHandle {
  /** `http://127.0.0.1:<port>`: the `url` of a `type: alertmanager` notifier. */
  url: string;
  /** `GET /api/v2/alerts` (active, silenced and inhibited alerts; Alertmanager leaves resolved ones out). */
  alerts(): Promise<ListedAlert[]>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its config and storage. */
  stop(): Promise<void>;
}

/** One receiver that sends nothing anywhere: the alerts are only kept for the API. */
const CONFIG = ['route:', '  receiver: none', 'receivers:', '  - name: none', ''].join('\n');

/**
 * Starts `prometheus-alertmanager` on a free 127.0.0.1 port with clustering (gossip) off, its storage
 * and a minimal config in a temp folder, and waits until `/-/ready` answers 200.
 */
export async function startAlertmanager(): Promise<AlertmanagerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'faildrill-alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, CONFIG);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    BINARY,
    [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      stderr += String(err);
      resolve();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running()) {
      await stop();
      throw new Error(`${BINARY} exited before it was ready (install it: apt-get install prometheus-alertmanager):\n${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })
      .then(async (r) => (await r.body?.cancel(), r.ok))
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${BINARY} did not answer ${url}/-/ready within ${READY_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await sleep(100);
  }
  return {
    url,
    alerts: async () => {
      const response = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`GET /api/v2/alerts: HTTP ${response.status}`);
      return (await response.json()) as ListedAlert[];
    },
    stop,
  };
}
