import { expect } from 'vitest';
import type { RunResult } from '../../src/run/result.js';
import type { Scenario } from '../../src/scenario/schema.js';

import { POLL_SLACK_MS } from './aws-drill.js';

/**
 * The figures `aws-dns-failover.yaml` implies on any emulator, derived from its Route 53 health check,
 * TTL, recovery window and load; one place for the moto and LocalStack drills.
 */
export function expectDnsDrillBounds(result: RunResult, scenario: Scenario): void {
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
  // failback: the instance runs again and serves after its boot time; checkers turn healthy after failureThreshold passing checks
  const bootMs = scenario.setup.servers.find((s) => s.id === scenario.setup.dns!.primary)!.bootMs;
  expect(fault.failbackMs!).toBeGreaterThanOrEqual(bootMs);
  expect(fault.failbackMs!).toBeLessThanOrEqual(bootMs + hc.failureThreshold * hc.intervalMs + ttlMs + POLL_SLACK_MS * 2);
  // open loop: rate × duration requests were sent, whatever the outage (within one per client)
  expect(Math.abs(result.metrics.requestCount - (scenario.load.ratePerSec * scenario.durationMs) / 1000)).toBeLessThanOrEqual(scenario.load.clients);
  // errors only while clients still went to the stopped primary: at most the rate over detection + switch + TTL
  expect(fault.errorCount).toBeLessThanOrEqual(Math.ceil((scenario.load.ratePerSec * (fault.timeToSwitchMs! + ttlMs + POLL_SLACK_MS)) / 1000));
  expect(result.events.find((e) => e.component === 'fault' && e.type === 'injected')!.detail.effect).toBe('applied by faildrill');
  expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
  expect(result.invariants.find((i) => i.name === 'every-fault-removed')).toMatchObject({ pass: true });
}
