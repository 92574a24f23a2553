import { UsageError } from '../../errors.js';
import type { TargetSettings } from '../../run/target.js';
import { AWS_SERVICES, awsClients, EMULATOR_CREDENTIALS, type AwsClients, type AwsService } from './clients.js';
import { freshAccountCredentials, LocalStackServer, unservedServices } from './emulators/localstack-server.js';
import { MotoServer } from './emulators/moto-server.js';
import { AwsGuard, isLoopbackEndpoint } from './guard.js';

/** Where a run's AWS calls go. */
export type AwsMode = 'moto' | 'localstack' | 'endpoint' | 'aws';

/** The run's way into AWS: the clients, the emulators faildrill started (stopped by {@link close}), and what it is. */
export interface AwsConnectionHandle {
  mode: AwsMode;
  clients: AwsClients;
  /** The endpoint of each service: an emulator's, or undefined for AWS itself. */
  endpoints: Partial<Record<AwsService, string>>;
  /** The account the guard checked against `--allow-account`, when one was named. */
  accountId?: string;
  /** Whether the emulators evaluate Route 53 health checks and probe targets (they never do; real AWS does). */
  emulated: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  settings: TargetSettings;
  /** The services the scenario needs (LocalStack community lacks some: they go to moto). */
  services: readonly AwsService[];
  /** The run's folder: LocalStack's files go under it. */
  runDir: string;
  /** Emulators stop by themselves after this long. */
  lifetimeMs: number;
}

const DEFAULT_REGION = 'us-east-1';

/**
 * Connects a run to AWS as its settings say: `--aws moto` (default) starts a moto server,
 * `--aws localstack` starts LocalStack in host mode and routes the services its edition lacks to a
 * moto server, `--endpoint URL` uses an emulator already running (or, when not loopback, AWS itself),
 * and `--aws account` is the real account of the SDK's credential chain and region. The guard is installed before any call:
 * real AWS without `--allow-account` matching STS is refused before a request leaves the machine.
 */
export async function connectAws(options: ConnectOptions): Promise<AwsConnectionHandle> {
  const { settings } = options;
  const region = settings.region ?? DEFAULT_REGION;
  const started: Array<{ stop(): Promise<void> }> = [];
  const close = async () => {
    for (const emulator of started.reverse()) await emulator.stop().catch(() => undefined);
  };
  try {
    const { mode, endpoints, credentials } = await endpointsFor(options, started);
    const clients = awsClients({ region, endpoints, ...(credentials ? { credentials } : {}) });
    const guard = new AwsGuard(clients, settings.allowAccount ? { allowAccount: settings.allowAccount } : {}).install();
    const accountId = await guard.verify();
    const emulated = AWS_SERVICES.every((s) => isLoopbackEndpoint(endpoints[s]));
    return {
      mode,
      clients,
      endpoints,
      ...(accountId ? { accountId } : {}),
      emulated,
      close: async () => {
        clients.destroy();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function endpointsFor(
  options: ConnectOptions,
  started: Array<{ stop(): Promise<void> }>,
): Promise<{ mode: AwsMode; endpoints: Partial<Record<AwsService, string>>; credentials?: { accessKeyId: string; secretAccessKey: string } }> {
  const { settings } = options;
  const every = (endpoint: string | undefined) => Object.fromEntries(AWS_SERVICES.map((s) => [s, endpoint])) as Partial<Record<AwsService, string>>;
  if (settings.endpoint !== undefined) {
    if (settings.aws !== undefined) throw new UsageError('--endpoint and --aws exclude each other: --endpoint uses a running emulator, --aws starts one');
    const loopback = isLoopbackEndpoint(settings.endpoint);
    return { mode: 'endpoint', endpoints: every(settings.endpoint), ...(loopback ? { credentials: EMULATOR_CREDENTIALS } : {}) };
  }
  if (settings.aws === 'localstack') {
    const localstack = await LocalStackServer.start({ runDir: options.runDir, lifetimeMs: options.lifetimeMs });
    started.push(localstack);
    const lacking = unservedServices(localstack.health, options.services);
    const endpoints = every(localstack.endpoint);
    if (lacking.length > 0) {
      // the community edition lacks ELBv2, RDS, Auto Scaling and FIS: those go to moto, per service
      const moto = await MotoServer.start({ lifetimeMs: options.lifetimeMs });
      started.push(moto);
      for (const service of lacking) endpoints[service] = moto.endpoint;
    }
    return { mode: 'localstack', endpoints, credentials: freshAccountCredentials() };
  }
  if (settings.aws === 'account') return { mode: 'aws', endpoints: every(undefined) };
  if (settings.aws === 'moto' || settings.aws === undefined) {
    const moto = await MotoServer.start({ lifetimeMs: options.lifetimeMs });
    started.push(moto);
    return { mode: 'moto', endpoints: every(moto.endpoint), credentials: EMULATOR_CREDENTIALS };
  }
  throw new UsageError(`--aws ${settings.aws}: expected moto, localstack or account`);
}
