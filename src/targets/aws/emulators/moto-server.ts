import { EmulatorStartError } from './errors.js';
import { parseEndpoint, portOf } from './endpoint.js';
import { EmulatorProcess, freePort, portTaken, waitForServer } from './process.js';
import { MOTO_VENV, requireVenv } from './venv.js';

/** moto answers in ~1 s (design.md §8); this leaves room for a loaded machine. */
const READY_TIMEOUT_MS = 30_000;
/** Attempts with a fresh free port when another process took the one picked. */
const PORT_ATTEMPTS = 3;

export interface MotoStartOptions {
  /** A fixed port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Where to find the venv (`FAILDRILL_CACHE`); default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** The server stops by itself after this long (default 6 h). */
  lifetimeMs?: number;
  /** Its output is appended here. */
  logFile?: string;
  readyTimeoutMs?: number;
}

async function answersAsMoto(endpoint: string, signal: AbortSignal): Promise<boolean> {
  const response = await fetch(`${endpoint}/moto-api/`, { signal });
  await response.body?.cancel();
  return response.ok;
}

/**
 * A moto server (`moto[server]` 5.2.5, one port for every service): one faildrill started on
 * 127.0.0.1, or one already running (`--endpoint`). Reset empties every backend.
 */
export class MotoServer implements AsyncDisposable {
  private constructor(
    /** `http://127.0.0.1:<port>`: the endpoint for `awsClients`. */
    readonly endpoint: string,
    readonly port: number,
    private readonly process?: EmulatorProcess,
  ) {}

  /** Whether faildrill started it (and so stops it). */
  get owned(): boolean {
    return this.process !== undefined;
  }

  /** The server's pid when faildrill started it. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /**
   * Starts the venv's moto server on 127.0.0.1 and waits until it answers. Throws
   * `EmulatorMissingError` (exit 3, naming `npx faildrill setup aws`) when the venv is absent.
   */
  static async start(options: MotoStartOptions = {}): Promise<MotoServer> {
    const python = await requireVenv(MOTO_VENV, options.env);
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const endpoint = `http://127.0.0.1:${port}`;
      const server = new EmulatorProcess({
        label: `moto server ${MOTO_VENV.version}`,
        python,
        module: 'moto.server',
        args: ['-H', '127.0.0.1', '-p', String(port)],
        ...(options.lifetimeMs !== undefined ? { lifetimeMs: options.lifetimeMs } : {}),
        ...(options.logFile ? { logFile: options.logFile } : {}),
      });
      try {
        await server.waitReady((signal) => answersAsMoto(endpoint, signal), options.readyTimeoutMs ?? READY_TIMEOUT_MS, endpoint);
        return new MotoServer(endpoint, port, server);
      } catch (error) {
        await server.stop();
        const retry = options.port === undefined && attempt < PORT_ATTEMPTS && portTaken(server.output());
        if (!retry) throw error;
      }
    }
  }

  /** A moto server already running at `url` (`--endpoint`); faildrill resets it but never stops it. */
  static async attach(url: string, timeoutMs = 5_000): Promise<MotoServer> {
    const parsed = parseEndpoint(url, '--endpoint');
    const endpoint = parsed.origin;
    if (!(await waitForServer((signal) => answersAsMoto(endpoint, signal), timeoutMs))) {
      throw new EmulatorStartError(`no moto server answers at ${endpoint}/moto-api/: start one (\`localstack/moto.sh\`) or drop --endpoint to let faildrill start its own`);
    }
    return new MotoServer(endpoint, portOf(parsed));
  }

  /** Empties every backend (`POST /moto-api/reset`). */
  async reset(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    if (!response.ok) throw new EmulatorStartError(`moto reset at ${this.endpoint} answered HTTP ${response.status}`);
  }

  /** Stops a server faildrill started (its whole process group); a no-op for an attached one. */
  async stop(): Promise<void> {
    await this.process?.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
