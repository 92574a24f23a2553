import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../errors.js';
import { parseScenario } from '../scenario/load.js';
import { HOST_PROGRAMS } from '../targets/host/programs/locate.js';
import { autocannonConfig, HOST_DRIVERS, openLoopConfig, type DriverSettings } from './driver-registry.js';

const settings: DriverSettings = {
  url: 'http://198.18.0.10:80/',
  ratePerSec: 12.5,
  clients: 40,
  timeoutMs: 1_000,
  probeIntervalMs: 20,
  t0Ns: 123_456_789n,
  durationMs: 50_000,
  seed: 7,
};

describe('the host load drivers', () => {
  it('bounds every driver as the host load always has: (rate + probes/s) × (run + 5 s) × 1.5 rows, probes/s × (run + 1 s) probes', () => {
    const rate = Math.round(settings.ratePerSec);
    const probesPerSec = 1000 / settings.probeIntervalMs;
    const seconds = settings.durationMs / 1000;
    for (const driver of Object.values(HOST_DRIVERS)) {
      expect(driver.config(settings, -1_500)).toMatchObject({
        url: settings.url,
        t0Ns: String(settings.t0Ns),
        startAtMs: -1_500,
        endAtMs: settings.durationMs,
        timeoutMs: settings.timeoutMs,
        probeIntervalMs: settings.probeIntervalMs,
        maxRequests: Math.ceil((rate + probesPerSec) * (seconds + 5) * 1.5),
        maxProbes: Math.ceil(probesPerSec * (seconds + 1)),
      });
    }
  });

  it('gives the open-loop driver the exact rate, every client and the seed; autocannon a whole rate and at most 32 connections', () => {
    expect(openLoopConfig(settings, 0)).toMatchObject({ ratePerSec: 12.5, clients: 40, seed: 7 });
    // connections: min(clients 40, 32, whole rate 13)
    expect(autocannonConfig(settings, 0)).toMatchObject({ ratePerSec: 13, connections: 13 });
    expect(autocannonConfig({ ...settings, ratePerSec: 500 }, 0)).toMatchObject({ connections: 32 });
  });

  it('lists every driver program among the host programs that preflight checks are built', () => {
    const programs: string[] = Object.values(HOST_PROGRAMS);
    for (const driver of Object.values(HOST_DRIVERS)) expect(programs).toContain(driver.program);
  });

  it('reads load.driver from the scenario: open-loop unless it says autocannon, anything else exit 2 at its line', () => {
    const text = readFileSync(new URL('../../scenarios/host-keepalived.yaml', import.meta.url), 'utf8');
    expect(parseScenario(text, 'k.yaml').scenario.load.driver).toBe('open-loop');
    const withDriver = (driver: string) => text.replace('  probeInterval: 20ms\n', `  probeInterval: 20ms\n  driver: ${driver}\n`);
    expect(withDriver('x')).not.toBe(text);
    expect(parseScenario(withDriver('autocannon'), 'k.yaml').scenario.load.driver).toBe('autocannon');
    const line = withDriver('wrk').split('\n').findIndex((l) => l.startsWith('  driver:')) + 1;
    let error: unknown;
    try {
      parseScenario(withDriver('wrk'), 'k.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(2);
    expect((error as ScenarioError).message).toMatch(new RegExp(`^k\\.yaml:${line}:\\d+: load\\.driver: expected one of open-loop, autocannon`));
  });
});
