import type { CleanupReport } from '../../run/target.js';
import { connectAws } from './connect.js';

/**
 * `faildrill cleanup --target aws`: deletes everything tagged `faildrill:run-id` that killed runs left.
 * Emulators faildrill starts die with it (and their state with them), so there is only something to
 * clean on an endpoint that outlives a run: `AWS_ENDPOINT_URL` (a running moto or LocalStack), or a
 * real account named by `FAILDRILL_ALLOW_ACCOUNT` (checked against STS like `--allow-account`).
 */
export async function cleanupAwsTarget(env: NodeJS.ProcessEnv = process.env): Promise<CleanupReport> {
  const endpoint = env.AWS_ENDPOINT_URL;
  const allowAccount = env.FAILDRILL_ALLOW_ACCOUNT;
  if (endpoint === undefined && allowAccount === undefined) {
    return {
      removed: [],
      skipped: ['no endpoint outlives a run: set AWS_ENDPOINT_URL (a running emulator) or FAILDRILL_ALLOW_ACCOUNT (a real account) to clean one'],
      errors: [],
    };
  }
  const connection = await connectAws({
    settings: { ...(endpoint ? { endpoint } : { aws: 'account' }), ...(allowAccount ? { allowAccount } : {}), ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) },
    services: ['sts', 'ec2', 'route53', 'elbv2', 'rds', 'autoscaling', 'fis', 'sns', 'cloudwatch'],
    runDir: '/nonexistent',
    lifetimeMs: 0,
  });
  try {
    const { cleanupAws } = await import('./cleanup.js');
    const report = await cleanupAws(connection.clients);
    const kinds = new Map<string, string[]>();
    for (const r of report.removed) kinds.set(r.kind, [...(kinds.get(r.kind) ?? []), r.id]);
    return {
      removed: [...kinds].map(([kind, items]) => ({ kind, items })),
      skipped: report.unsearched.map((u) => `${u.service} not searched: ${u.errorName}: ${u.message}`),
      errors: report.failed.map((f) => `${f.resource.kind} ${f.resource.id}: ${f.errorName}: ${f.message}`),
    };
  } finally {
    await connection.close();
  }
}
