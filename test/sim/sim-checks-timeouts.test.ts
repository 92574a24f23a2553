import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { defaults } from '../../src/scenario/defaults.js';
import { simulate } from '../helpers/sim.js';

/**
 * Issue 10, "Health checks": a check that gets no answer fails when its timeout runs out, a refused
 * one at once. Each checker's phases come from its own sub-seed, so for one seed a drop and a stop
 * give the same check times; the verdict moves by the checker's timeout less the 1 ms a refusal takes
 * (the model's refused latency). Sources: ELBv2 target group health checks (HealthCheckTimeoutSeconds:
 * "no response means a failed health check"), Route 53 developer guide (TCP connection within 4 s, a
 * response within 2 s after connecting), the scenario's `controller.healthCheck.timeout`.
 */
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const FAULT_AT_MS = 60_000;
const REFUSED_MS = 1;

const FAULTS = {
  stop: 'action: service-stop, target: a',
  drop: 'action: network-drop, target: a, protocol: tcp, port: 80',
  isolate: 'action: aws:network:disrupt-connectivity, target: a',
  freeze: 'action: process-pause, target: a',
} as const;
type FaultKind = keyof typeof FAULTS;

const fault = (kind: FaultKind) => `faults:\n  - { id: f, at: 60s, duration: 60s, ${FAULTS[kind]} }\n`;

const TG_TIMEOUT_MS = 5_000;
const targetGroup = (kind: FaultKind) => `
name: tg-timeout
duration: 2m30s
setup:
  servers: [{ id: a, latency: 10ms }, { id: b, latency: 10ms }]
  loadBalancer:
    targetGroups:
      - { id: tg, priority: 1, targets: [a, b], healthCheck: { interval: 10s, timeout: 5s, unhealthyThreshold: 2, healthyThreshold: 2 } }
load: { rate: 2, clients: 2, timeout: 1s }
${fault(kind)}`;

const route53 = (kind: FaultKind) => `
name: r53-timeout
duration: 2m30s
setup:
  servers: [{ id: a, latency: 10ms }, { id: b, latency: 10ms }]
  dns: { record: app, ttl: 10s, primary: a, secondary: b, healthCheck: { interval: 10s, failureThreshold: 3 } }
controller:
  layers: { dns: platform }
load: { rate: 2, clients: 2, timeout: 1s }
${fault(kind)}`;

const PROBE_TIMEOUT_MS = 3_000;
const controller = (kind: FaultKind) => `
name: probe-timeout
duration: 2m30s
setup:
  servers: [{ id: a, latency: 10ms }, { id: b, latency: 10ms }]
  dns: { record: app, ttl: 10s, primary: a, secondary: b }
controller:
  healthCheck: { interval: 5s, timeout: 3s, unhealthyThreshold: 3, healthyThreshold: 3 }
  layers: { dns: controller }
load: { rate: 2, clients: 2, timeout: 1s }
${fault(kind)}`;

type Verdict = (e: RunEvent) => boolean;
const tgVerdict: Verdict = (e) => e.component === 'lb' && e.type === 'target.health' && e.detail.target === 'a' && e.detail.health === 'unhealthy';
const r53Verdict: Verdict = (e) => e.component === 'route53' && e.type === 'health' && e.detail.health === 'unhealthy';
const probeVerdict: Verdict = (e) => e.component === 'controller' && e.type === 'health' && e.detail.target === 'a' && e.detail.health === 'unhealthy';

/** The first verdict after the fault, in ms after it. */
async function detectionMs(yaml: string, seed: number, verdict: Verdict): Promise<number> {
  const { record } = await simulate(yaml, seed);
  const e = record.events.find((x) => x.atMs >= FAULT_AT_MS && verdict(x));
  if (!e) throw new Error(`seed ${seed}: no verdict`);
  return e.atMs - FAULT_AT_MS;
}

/** Detection of `kind` minus detection of a stop, seed by seed. */
async function lateBy(scenario: (k: FaultKind) => string, kind: FaultKind, verdict: Verdict): Promise<{ stop: number[]; other: number[] }> {
  const stop: number[] = [];
  const other: number[] = [];
  for (const seed of SEEDS) {
    stop.push(await detectionMs(scenario('stop'), seed, verdict));
    other.push(await detectionMs(scenario(kind), seed, verdict));
  }
  return { stop, other };
}

describe('a check without an answer fails at its timeout, a refused one at once', () => {
  it.each(['drop', 'isolate', 'freeze'] as const)('target group (interval 10 s, timeout 5 s, 2 failures): %s is detected 5 s later than a stop', async (kind) => {
    const { stop, other } = await lateBy(targetGroup, kind, tgVerdict);
    for (let i = 0; i < SEEDS.length; i++) {
      // a stop: the 2nd refused check after the fault, in (10 s, 20 s] + 1 ms
      expect(stop[i]!).toBeGreaterThan(10_000);
      expect(stop[i]!).toBeLessThanOrEqual(20_000 + REFUSED_MS);
      expect(other[i]! - stop[i]!).toBe(TG_TIMEOUT_MS - REFUSED_MS);
    }
  }, 120_000);

  it.each([
    ['drop', defaults.route53.connectTimeoutMs],
    ['isolate', defaults.route53.connectTimeoutMs],
    // a frozen process's kernel completes the handshake: only the 2 s response timeout runs
    ['freeze', defaults.route53.responseTimeoutMs],
  ] as const)('Route 53 (connect 4 s, response 2 s): %s is detected %i ms later than a stop', async (kind, timeoutMs) => {
    const { stop, other } = await lateBy(route53, kind, r53Verdict);
    for (let i = 0; i < SEEDS.length; i++) {
      // the 3rd failure in a row of the checker that tips the share: (20 s, 30 s] after a stop
      expect(stop[i]!).toBeGreaterThan(20_000);
      expect(stop[i]!).toBeLessThanOrEqual(30_000 + REFUSED_MS);
      expect(other[i]! - stop[i]!).toBe(timeoutMs - REFUSED_MS);
    }
  }, 120_000);

  it.each(['drop', 'isolate', 'freeze'] as const)("the controller's probe (interval 5 s, timeout 3 s, 3 failures): %s is detected 3 s later than a stop", async (kind) => {
    const { stop, other } = await lateBy(controller, kind, probeVerdict);
    for (let i = 0; i < SEEDS.length; i++) {
      expect(stop[i]!).toBeGreaterThan(10_000);
      expect(stop[i]!).toBeLessThanOrEqual(15_000 + REFUSED_MS);
      expect(other[i]! - stop[i]!).toBe(PROBE_TIMEOUT_MS - REFUSED_MS);
    }
  }, 120_000);
});
