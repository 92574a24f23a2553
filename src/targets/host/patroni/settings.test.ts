import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../errors.js';
import { parseScenario } from '../../../scenario/load.js';
import { failoverBoundMs, highestBinDir, patroniSettings } from './settings.js';

const scenario = (database: string, layers = '') => `name: patroni
duration: 5m
setup:
  servers: [{ id: db-a }, { id: db-b }]
  database: { engine: postgres-streaming, primary: db-a, standby: db-b${database} }
${layers}`;

const issues = (text: string): string[] => {
  try {
    parseScenario(text, 'p.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    return err.issues.map((i) => `${i.line}:${i.path}: ${i.message}`);
  }
};

describe('setup.database.patroni', () => {
  it("takes Patroni's documented defaults (ttl 30 s, loop_wait 10 s, retry_timeout 10 s) when absent", () => {
    const s = patroniSettings(parseScenario(scenario(''), 'p.yaml').scenario);
    expect(s).toMatchObject({ ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000, primary: 'db-a', standby: 'db-b', synchronous: false });
    expect(failoverBoundMs(s)).toBe(30_000 + 10_000 + 10_000);
  });

  it('reads the scenario timings', () => {
    const s = patroniSettings(parseScenario(scenario(', patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 5s }'), 'p.yaml').scenario);
    expect(s).toMatchObject({ ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 5_000 });
  });

  it("rejects what Patroni's docs forbid, naming line and field: minimums, fractions, loop_wait + 2 × retry_timeout > ttl", () => {
    expect(issues(scenario(', patroni: { ttl: 19s }'))).toContain('5:setup.database.patroni.ttl: expected a duration between 20s and 24h');
    expect(issues(scenario(', patroni: { loopWait: 500ms }'))).toEqual(expect.arrayContaining([expect.stringMatching(/^5:setup\.database\.patroni\.loopWait: expected a duration between 1s/)]));
    expect(issues(scenario(', patroni: { retryTimeout: 2s }'))).toEqual(expect.arrayContaining([expect.stringMatching(/^5:setup\.database\.patroni\.retryTimeout: expected a duration between 3s/)]));
    expect(issues(scenario(', patroni: { ttl: 30500ms }'))).toEqual([expect.stringContaining('setup.database.patroni.ttl: expected whole seconds')]);
    // 10 s + 2 × 10 s = 30 s > 25 s
    expect(issues(scenario(', patroni: { ttl: 25s }'))).toEqual([expect.stringContaining('setup.database.patroni.ttl: Patroni requires loopWait + 2 × retryTimeout ≤ ttl')]);
    // 2 s + 2 × 9 s = 20 s: exactly allowed
    expect(issues(scenario(', patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 9s }'))).toEqual([]);
  });

  it('is for postgres-streaming only', () => {
    const text = scenario(', patroni: {}').replace('postgres-streaming', 'aurora');
    expect(issues(text)).toEqual([expect.stringContaining('setup.database.patroni: Patroni manages postgres-streaming, not aurora')]);
  });

  it('needs the platform database layer', () => {
    const s = parseScenario(scenario('', 'controller: { layers: { database: controller } }'), 'p.yaml').scenario;
    expect(() => patroniSettings(s)).toThrow(/layers\.database: platform/);
  });
});

describe('highestBinDir', () => {
  it('picks the highest version folder that holds postgres', () => {
    const root = mkdtempSync(join(tmpdir(), 'pgbin-'));
    try {
      for (const [v, server] of [['13', true], ['15', true], ['16', false], ['9.6', true]] as const) {
        mkdirSync(join(root, v, 'bin'), { recursive: true });
        if (server) writeFileSync(join(root, v, 'bin', 'postgres'), '');
      }
      expect(highestBinDir(root)).toBe(join(root, '15', 'bin'));
      expect(highestBinDir(join(root, 'none'))).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
