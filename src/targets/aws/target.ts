import type { Target, TargetSettings } from '../../run/target.js';
import { awsCapabilities } from './capabilities.js';
import { missingEmulators, type EmulatorKind } from './emulators/preflight.js';

/** The emulators a run's settings make faildrill start: moto by default, LocalStack (plus moto for what it lacks) with `--aws localstack`, none with `--endpoint` or `--aws account`. */
function emulatorsFor(settings: TargetSettings = {}): EmulatorKind[] {
  if (settings.endpoint !== undefined || settings.aws === 'account') return [];
  return settings.aws === 'localstack' ? ['localstack', 'moto'] : ['moto'];
}

/** The AWS API through SDK v3: a moto server or LocalStack faildrill starts, one already running, or a real account. */
export const awsTarget: Target = {
  name: 'aws',
  description: 'the AWS API through SDK v3: moto server, LocalStack or a real account',
  capabilities: awsCapabilities,
  deterministic: false,
  options: [
    { flags: '--aws <where>', key: 'aws', description: 'moto (default) or localstack: faildrill starts it on loopback; account: the real account of the SDK credential chain', choices: ['moto', 'localstack', 'account'] },
    { flags: '--endpoint <url>', key: 'endpoint', description: 'use a running emulator (or AWS endpoint) instead of starting one' },
    { flags: '--allow-account <id>', key: 'allowAccount', description: 'allow calls to real AWS, only if STS GetCallerIdentity says this account' },
    { flags: '--region <region>', key: 'region', description: 'AWS region (default us-east-1)' },
  ],
  preflight: async (_scenario, settings) => missingEmulators(emulatorsFor(settings)),
  // the session pulls in the AWS SDK: loaded only when an aws run starts, so every other command starts fast
  open: async (scenario, options) => (await import('./session.js')).AwsSession.open(scenario, options),
  describe: async (scenario, { settings }) => (await import('./describe.js')).describeAws(scenario, settings),
  cleanup: async ({ run }) =>
    run === undefined
      ? (await import('./cleanup-target.js')).cleanupAwsTarget()
      : { removed: [], skipped: [`--run ${run}: the aws target cleans whole endpoints, not single runs; nothing done`], errors: [] },
};
