import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsService } from '../clients.js';
import { EmulatorStartError } from './errors.js';
import { parseEndpoint, portOf } from './endpoint.js';
import { EmulatorProcess, freePort, portTaken, waitForServer } from './process.js';
import { LOCALSTACK_VENV, requireVenv } from './venv.js';

/** Where LocalStack listens when users run it themselves (Docker or the CLI). */
export const DEFAULT_LOCALSTACK_URL = 'http://localhost.localstack.cloud:4566';
/** LocalStack is ready in ~6 s (design.md §8); this leaves room for a loaded machine. */
const READY_TIMEOUT_MS = 90_000;
const PORT_ATTEMPTS = 3;

/** `GET /_localstack/health`. */
export interface LocalStackHealth {
  /** Service name → `available`, `running`, `disabled`, `error`…; a service it does not serve is absent. */
  services: Record<string, string>;
  /** `community`, `pro`, … (`unknown` for localstack-core in host mode). */
  edition?: string;
  version?: string;
}

/** LocalStack's names for faildrill's services (its health endpoint keys). */
const HEALTH_KEYS: Record<AwsService, string> = {
  route53: 'route53',
  elbv2: 'elbv2',
  rds: 'rds',
  ec2: 'ec2',
  autoscaling: 'autoscaling',
  fis: 'fis',
  sns: 'sns',
  cloudwatch: 'cloudwatch',
  sts: 'sts',
};

/** Of `wanted`, the services this LocalStack does not serve (the community edition: ELBv2, RDS, Auto Scaling, FIS). */
export function unservedServices(health: LocalStackHealth, wanted: readonly AwsService[]): AwsService[] {
  return wanted.filter((service) => !['available', 'running'].includes(health.services[HEALTH_KEYS[service]] ?? ''));
}

/** Credentials of a LocalStack account nobody used yet: LocalStack takes a 12-digit access key id as the account id. */
export function freshAccountCredentials(): { accessKeyId: string; secretAccessKey: string } {
  const digits = [randomInt(1, 10), ...Array.from({ length: 11 }, () => randomInt(0, 10))].join('');
  return { accessKeyId: digits, secretAccessKey: 'test' };
}

/**
 * The environment of LocalStack in host mode (design.md §8): bound to 127.0.0.1 with hypercorn (the
 * default server ignores the host and binds 0.0.0.0), nothing written outside `dir`, no DNS server,
 * no telemetry, no certificate download; URLs it hands out (SNS SubscribeURL) point at this port.
 */
export function localStackEnvironment(port: number, dir: string): Record<string, string> {
  return {
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    GATEWAY_SERVER: 'hypercorn',
    LOCALSTACK_HOST: `127.0.0.1:${port}`,
    OVERRIDE_IN_DOCKER: '0',
    DNS_ADDRESS: '0',
    DISABLE_EVENTS: '1',
    SKIP_SSL_CERT_DOWNLOAD: '1',
    FILESYSTEM_ROOT: join(dir, 'filesystem'),
    TMPDIR: join(dir, 'tmp'),
  };
}

export interface LocalStackStartOptions {
  /** The run's folder: LocalStack's files, temporary files and log go to `<runDir>/localstack/`. */
  runDir: string;
  /** A fixed port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Where to find the venv (`FAILDRILL_CACHE`); default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** It stops by itself after this long (default 6 h). */
  lifetimeMs?: number;
  readyTimeoutMs?: number;
}

async function health(endpoint: string, signal?: AbortSignal): Promise<LocalStackHealth> {
  const response = await fetch(`${endpoint}/_localstack/health`, { signal: signal ?? AbortSignal.timeout(5_000) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new EmulatorStartError(`${endpoint}/_localstack/health answered HTTP ${response.status}`);
  }
  const body = (await response.json()) as Partial<LocalStackHealth>;
  if (typeof body.services !== 'object' || body.services === null) throw new EmulatorStartError(`${endpoint}/_localstack/health has no services: not LocalStack?`);
  return { services: body.services, ...(body.edition ? { edition: body.edition } : {}), ...(body.version ? { version: body.version } : {}) };
}

/**
 * LocalStack: the community edition from PyPI (`localstack-core`) started in host mode without Docker,
 * or one already running (Docker, the LocalStack CLI, a licensed edition with `LOCALSTACK_AUTH_TOKEN`).
 * It has no reset: a fresh 12-digit access key id is a fresh account ({@link freshAccountCredentials}).
 */
export class LocalStackServer implements AsyncDisposable {
  private constructor(
    readonly endpoint: string,
    readonly port: number,
    /** What `/_localstack/health` said when it became ready. */
    readonly health: LocalStackHealth,
    private readonly process?: EmulatorProcess,
    /** `<runDir>/localstack` when faildrill started it. */
    readonly dir?: string,
  ) {}

  get owned(): boolean {
    return this.process !== undefined;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /**
   * Starts `python -m localstack.runtime.main` from the LocalStack venv on 127.0.0.1 and waits for
   * `/_localstack/health`. Throws `EmulatorMissingError` (exit 3, naming `npx faildrill setup aws
   * --localstack`) when the venv is absent or on a Python older than its minimum (3.13).
   */
  static async start(options: LocalStackStartOptions): Promise<LocalStackServer> {
    const python = await requireVenv(LOCALSTACK_VENV, options.env);
    const dir = join(options.runDir, 'localstack');
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const endpoint = `http://127.0.0.1:${port}`;
      const env = localStackEnvironment(port, dir);
      mkdirSync(env.FILESYSTEM_ROOT!, { recursive: true });
      mkdirSync(env.TMPDIR!, { recursive: true });
      const server = new EmulatorProcess({
        label: `LocalStack ${LOCALSTACK_VENV.version}`,
        python,
        module: 'localstack.runtime.main',
        args: [],
        env,
        cwd: dir,
        logFile: join(dir, 'localstack.log'),
        ...(options.lifetimeMs !== undefined ? { lifetimeMs: options.lifetimeMs } : {}),
      });
      try {
        let ready: LocalStackHealth | undefined;
        await server.waitReady(
          async (signal) => {
            ready = await health(endpoint, signal);
            return true;
          },
          options.readyTimeoutMs ?? READY_TIMEOUT_MS,
          `${endpoint}/_localstack/health`,
        );
        return new LocalStackServer(endpoint, port, ready!, server, dir);
      } catch (error) {
        await server.stop();
        const retry = options.port === undefined && attempt < PORT_ATTEMPTS && portTaken(server.output());
        if (!retry) throw error;
      }
    }
  }

  /** A LocalStack already running at `url` (default {@link DEFAULT_LOCALSTACK_URL}); faildrill never stops it. */
  static async attach(url: string = DEFAULT_LOCALSTACK_URL, timeoutMs = 5_000): Promise<LocalStackServer> {
    const parsed = parseEndpoint(url, '--endpoint');
    const endpoint = parsed.origin;
    let found: LocalStackHealth | undefined;
    const answered = await waitForServer(async (signal) => {
      found = await health(endpoint, signal);
      return true;
    }, timeoutMs);
    if (!answered || !found) {
      throw new EmulatorStartError(
        `no LocalStack answers at ${endpoint}/_localstack/health: start it (localstack/README.md: \`docker compose -f localstack/docker-compose.yml up -d\`), or use --aws localstack without --endpoint to let faildrill start one`,
      );
    }
    return new LocalStackServer(endpoint, portOf(parsed), found);
  }

  /** Asks `/_localstack/health` again. */
  async currentHealth(): Promise<LocalStackHealth> {
    return health(this.endpoint);
  }

  /** Stops a LocalStack faildrill started (its whole process group); a no-op for an attached one. Its files stay in the run's folder. */
  async stop(): Promise<void> {
    await this.process?.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
