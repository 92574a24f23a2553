import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../../shared/timers.js';
import { NsProcess } from '../process.js';
import type { HostNode } from '../topology.js';
import { ETCD_CLIENT_PORT, etcdArgs } from './config.js';
import type { HttpCall } from './rest.js';

/** Grace for etcd to stop on SIGTERM before SIGKILL. */
const ETCD_STOP_GRACE_MS = 3_000;

/** The run's one etcd member (Patroni's DCS) in the DCS node's namespace; data under `<runDir>/etcd`. */
export class EtcdMember {
  process?: NsProcess;
  readonly dataDir: string;
  readonly logFile: string;

  constructor(
    readonly node: HostNode,
    runDir: string,
    private readonly token: string,
    private readonly program: string,
  ) {
    this.dataDir = join(runDir, 'etcd');
    this.logFile = join(runDir, 'etcd.log');
  }

  get clientUrl(): string {
    return `http://${this.node.ip}:${ETCD_CLIENT_PORT}`;
  }

  /** Starts etcd; `onPid` journals it. */
  start(onPid: (pid: number) => void): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.process = new NsProcess({
      ns: this.node.ns,
      role: 'etcd',
      command: this.program,
      args: etcdArgs({ name: 'dcs', ip: this.node.ip, dataDir: this.dataDir, token: this.token }),
      logFile: this.logFile,
    });
    if (this.process.pid) onPid(this.process.pid);
  }

  /** Resolves once etcd answers `GET /health` with `"health":"true"`; throws after `timeoutMs`, on abort or when etcd exits. */
  async waitHealthy(call: HttpCall, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await waitUntil(
      async () => {
        if (this.process && !this.process.running) throw new Error(`etcd exited during start (see ${this.logFile})`);
        const a = await call({ method: 'GET', url: `${this.clientUrl}/health`, timeoutMs: 1_000 });
        const body = a.body as { health?: unknown } | undefined;
        return a.status === 200 && (body?.health === 'true' || body?.health === true);
      },
      { timeoutMs, what: `etcd answering at ${this.clientUrl}/health`, pollMs: 200, ...(signal ? { signal } : {}) },
    );
  }

  async stop(): Promise<void> {
    await this.process?.stop(ETCD_STOP_GRACE_MS);
  }
}
