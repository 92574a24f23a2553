import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioError, UsageError } from '../errors.js';
import { parseDurationMs } from '../scenario/duration.js';
import { documentText, sourceOf } from './scenario-doc.js';
import { applySwarm, parseKeyPath } from './swarm.js';

const lbFailover = readFileSync(new URL('../../scenarios/lb-failover.yaml', import.meta.url), 'utf8');

const SWARM = `
swarm:
  faults:
    atJitter: 30s
    duration: { min: 1m, max: 3m }
  parameters:
    - { path: load.honourTtl, min: 0.5, max: 1 }
    - { path: load.clients, min: 10, max: 90 }
    - { path: 'setup.loadBalancer.targetGroups[1].deregistrationDelay', min: 5s, max: 45s }
`;
const source = (extra = SWARM) => sourceOf(lbFailover + extra, 'lb-swarm.yaml');

describe('applySwarm', () => {
  it('draws the same values for the same seed and different ones for other seeds', () => {
    const a = applySwarm(source(), 7);
    const b = applySwarm(source(), 7);
    expect(a.drawn).toEqual(b.drawn);
    expect(String(a.doc)).toBe(String(b.doc));
    const others = [8, 9, 10, 11].map((seed) => JSON.stringify(applySwarm(source(), seed).drawn));
    expect(new Set([JSON.stringify(a.drawn), ...others]).size).toBe(5);
  });

  it('keeps every draw within its range, for many seeds', () => {
    const base = source().loaded.scenario;
    for (let seed = 0; seed < 200; seed++) {
      const { loaded, drawn } = applySwarm(source(), seed);
      const s = loaded.scenario;
      s.faults.forEach((f, i) => {
        expect(Math.abs(f.atMs - base.faults[i]!.atMs)).toBeLessThanOrEqual(30_000);
        expect(f.atMs % 1_000).toBe(0);
        expect(f.durationMs).toBeGreaterThanOrEqual(60_000);
        expect(f.durationMs).toBeLessThanOrEqual(180_000);
      });
      expect(s.load.honourTtlShare).toBeGreaterThanOrEqual(0.5);
      expect(s.load.honourTtlShare).toBeLessThanOrEqual(1);
      expect(Number.isInteger(s.load.clients)).toBe(true);
      expect(s.load.clients).toBeGreaterThanOrEqual(10);
      expect(s.load.clients).toBeLessThanOrEqual(90);
      const delayMs = s.setup.loadBalancer!.targetGroups[1]!.deregistrationDelayMs;
      expect(delayMs).toBeGreaterThanOrEqual(5_000);
      expect(delayMs).toBeLessThanOrEqual(45_000);
      expect(parseDurationMs(String(drawn['setup.loadBalancer.targetGroups[1].deregistrationDelay']))).toBe(delayMs);
      expect(s.swarm).toBeUndefined();
    }
  });

  it('keeps the jittered at within the run', () => {
    const late = lbFailover.replace('at: 2m, action: service-stop, target: blue-1', 'at: 9m50s, action: service-stop, target: blue-1');
    for (let seed = 0; seed < 100; seed++) {
      const { loaded } = applySwarm(sourceOf(late + 'swarm: { faults: { atJitter: 1m } }\n', 'late.yaml'), seed);
      expect(loaded.scenario.faults[0]!.atMs).toBeLessThan(600_000);
      expect(loaded.scenario.faults[0]!.atMs).toBeGreaterThanOrEqual(530_000);
    }
  });

  it('writes draws in the scenario syntax and leaves the rest of the document as written', () => {
    const { doc } = applySwarm(source(), 3);
    const text = documentText(doc);
    expect(text).toMatch(/- \{ id: blue-1-down, at: \d+m\d*s?, action: service-stop, target: blue-1, duration: \d+m(\d+s)? \}/);
    expect(text).toContain('# the listener does not fail over between groups by itself');
    expect(text).not.toContain('swarm:');
  });

  it('rejects paths that do not name a duration or number of the scenario, at the entry', () => {
    const bad = (path: string, min = '1s', max = '2s') => () => applySwarm(source(`swarm:\n  parameters:\n    - { path: ${path}, min: ${min}, max: ${max} }\n`), 1);
    expect(bad('setup.dns.ttl')).toThrow(/setup.dns is not in the scenario/);
    expect(bad('setup.nope')).toThrow(/unknown key 'nope' under setup; expected one of servers, dns, loadBalancer/);
    expect(bad('load.nope')).toThrow(/unknown key 'nope' under load/);
    expect(bad("'setup.loadBalancer.targetGroups[5].deregistrationDelay'")).toThrow(/targetGroups has 2 items; .*\[5\] does not exist/);
    expect(bad('setup.loadBalancer.id')).toThrow(/swarm draws only durations and numbers/);
    expect(bad('load.clients')).toThrow(/load.clients is a number; expected numeric min and max/);
    expect(bad('load.timeout', '1', '2')).toThrow(/load.timeout is a duration/);
    expect(bad('load.clients', '1.5', '3')).toThrow(/is an integer/);
    try {
      bad('load.nope')();
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as ScenarioError).issues[0]).toMatchObject({ file: 'lb-swarm.yaml', path: 'swarm.parameters[0].path' });
      expect((err as ScenarioError).issues[0]!.line).toBe(lbFailover.split('\n').length + 2);
    }
  });

  it('needs a swarm: section', () => {
    expect(() => applySwarm(source(''), 1)).toThrow(UsageError);
  });

  it('reports a drawn value the scenario does not accept', () => {
    expect(() => applySwarm(source('swarm:\n  parameters:\n    - { path: load.honourTtl, min: 2, max: 3 }\n'), 1)).toThrow(
      /drawn value invalid: expected a number from 0 to 1/,
    );
  });
});

describe('parseKeyPath', () => {
  it('reads dotted keys and list indexes', () => {
    expect(parseKeyPath('setup.loadBalancer.targetGroups[0].healthCheck.interval')).toEqual(['setup', 'loadBalancer', 'targetGroups', 0, 'healthCheck', 'interval']);
    expect(parseKeyPath('setup.servers.1.latency')).toEqual(['setup', 'servers', 1, 'latency']);
  });
});
