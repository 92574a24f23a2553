import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectDnsDrillBounds } from '../helpers/aws-dns-drill.js';
import { faildrill, repoRoot, tempDir } from '../helpers/cli.js';
import { runAwsDrill } from '../helpers/aws-drill.js';

const SCENARIO = join(repoRoot, 'scenarios/aws-dns-failover.yaml');

describe('aws target on moto (started by faildrill)', () => {
  it(
    'drills the Route 53 failover record: FIS stops the primary, Route 53 (evaluated by faildrill) moves the record, clients follow within the TTL, and everything tagged is deleted',
    async () => {
      const { scenario, result } = await runAwsDrill(SCENARIO);
      expectDnsDrillBounds(result, scenario);

      const events = result.events;
      expect(events.some((e) => e.component === 'fis' && e.type === 'experiment')).toBe(true);
      expect(events.some((e) => e.component === 'route53' && e.type === 'health' && String(e.detail.evaluatedBy).startsWith('faildrill'))).toBe(true);
    },
    300_000,
  );
});

describe('aws target guard', () => {
  it('refuses a non-loopback endpoint without --allow-account with exit 2, before anything is sent', () => {
    const r = faildrill(['run', SCENARIO, '--target', 'aws', '--endpoint', 'https://route53.amazonaws.com', '--no-history', '--out', tempDir()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--allow-account');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the fault a scenario needs that the aws target lacks, with exit 2', () => {
    const r = faildrill(['run', join(repoRoot, 'scenarios/dns-failover.yaml'), '--target', 'aws', '--no-history', '--out', tempDir()]);
    expect(r.code).toBe(2);
    // service-stop on the aws target stops only a database member's store (capabilities.ts): an app server is refused at its target field
    expect(r.stderr).toMatch(/dns-failover\.yaml:\d+:\d+: faults\[0\]\.target: service-stop on the aws target stops a database member's store .* 'web-primary' is no database member/);
  });
});
