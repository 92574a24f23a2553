import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/run/result.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { faildrill, repoRoot, runCli, tempDir } from '../helpers/cli.js';

const SCENARIO = join(repoRoot, 'scenarios/aws-dns-failover.yaml');
/** How often the aws session reads the control plane back (src/targets/aws/session.ts POLL_MS), with slack for a busy machine. */
const POLL_SLACK_MS = 1_500;

describe('aws target on moto (started by faildrill)', () => {
  it(
    'drills the Route 53 failover record: FIS stops the primary, Route 53 (evaluated by faildrill) moves the record, clients follow within the TTL, and everything tagged is deleted',
    async () => {
      const { scenario } = await loadScenarioFile(SCENARIO);
      const out = tempDir();
      const r = await runCli(['run', SCENARIO, '--target', 'aws', '--aws', 'moto', '--no-history', '--out', out, '--reporter', 'console,json']);
      expect(r.code, r.output).toBe(0);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
      const fault = result.metrics.perFault[0]!;
      const hc = scenario.setup.dns!.healthCheck;
      const ttlMs = scenario.setup.dns!.ttlMs;
      // a stopped instance refuses at once: each checker fails from its next check (within one interval of the
      // fault) and turns unhealthy at its failureThreshold-th failed check; > 82 % of checkers must have turned
      expect(fault.detectedBy).toBe('route53');
      expect(fault.detectionMs!).toBeGreaterThanOrEqual((hc.failureThreshold - 1) * hc.intervalMs);
      expect(fault.detectionMs!).toBeLessThanOrEqual(hc.failureThreshold * hc.intervalMs + POLL_SLACK_MS);
      // our DNS server answers from the next read of the record sets after the verdict
      expect(fault.switchMs!).toBeLessThanOrEqual(POLL_SLACK_MS);
      // every client honours the TTL: they all follow within one TTL of the switch, and the recovery window decides RTO
      expect(fault.rtoMs!).toBeLessThanOrEqual(fault.timeToSwitchMs! + ttlMs + scenario.measure.recovery.windowMs + POLL_SLACK_MS);
      // failback: the instance runs again, checkers turn healthy after failureThreshold passing checks
      expect(fault.failbackMs!).toBeLessThanOrEqual(hc.failureThreshold * hc.intervalMs + ttlMs + POLL_SLACK_MS * 2);
      // open loop: rate × duration requests were sent, whatever the outage (within one per client)
      const requests = result.metrics.requestCount;
      expect(Math.abs(requests - (scenario.load.ratePerSec * scenario.durationMs) / 1000)).toBeLessThanOrEqual(scenario.load.clients);
      // errors only while clients still went to the stopped primary: at most the rate over detection + switch + TTL
      expect(fault.errorCount).toBeLessThanOrEqual(Math.ceil((scenario.load.ratePerSec * (fault.timeToSwitchMs! + ttlMs + POLL_SLACK_MS)) / 1000));

      const events = result.events;
      const injected = events.find((e) => e.component === 'fault' && e.type === 'injected')!;
      expect(injected.detail.effect).toBe('applied by faildrill');
      expect(events.some((e) => e.component === 'fis' && e.type === 'experiment')).toBe(true);
      expect(events.some((e) => e.component === 'route53' && e.type === 'health' && String(e.detail.evaluatedBy).startsWith('faildrill'))).toBe(true);
      expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
      expect(result.invariants.find((i) => i.name === 'every-fault-removed')).toMatchObject({ pass: true });
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
    expect(r.stderr).toMatch(/dns-failover\.yaml:\d+:\d+: faults\[0\]\.action: fault 'service-stop' is not available on the aws target/);
  });
});
