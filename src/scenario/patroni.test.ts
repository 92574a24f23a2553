import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.js';
import { failoverBoundMs, keyLapseMs, PATRONI_RESTART_MS, patroniPromotionMs, patroniTimingsOf, restartInPlaceMs, usesPatroni } from './patroni.js';
import { PATRONI_DEFAULTS } from './schema.js';

const scenario = (extra = '', layers = 'platform') => `name: p
duration: 5m
setup:
  servers: [{ id: db-a }, { id: db-b }]
  database: { engine: postgres-streaming, primary: db-a, standby: db-b${extra} }
controller: { layers: { database: ${layers} } }
`;

describe('Patroni timings of a scenario', () => {
  it("the scenario's setup.database.patroni, else Patroni's defaults; Patroni only in platform mode", () => {
    const own = parseScenario(scenario(', patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 5s }'), 'p.yaml').scenario;
    expect(patroniTimingsOf(own.setup.database!)).toEqual({ ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 5_000 });
    expect(patroniTimingsOf(parseScenario(scenario(), 'p.yaml').scenario.setup.database!)).toEqual(PATRONI_DEFAULTS);
    expect(usesPatroni(own)).toBe(true);
    expect(usesPatroni(parseScenario(scenario('', 'controller'), 'p.yaml').scenario)).toBe(false);
  });

  it('key lapse ttl − loop_wait … ttl; restart in place within loop_wait + restart', () => {
    const t = { ttlMs: 20_000, loopWaitMs: 2_000, retryTimeoutMs: 5_000 };
    expect(keyLapseMs(t)).toEqual({ min: 18_000, max: 20_000 });
    expect(restartInPlaceMs(t)).toEqual({ min: PATRONI_RESTART_MS.min, max: t.loopWaitMs + PATRONI_RESTART_MS.max });
    expect(failoverBoundMs(t)).toBe(27_000);
  });

  it('lapse + promotion stays within ttl + loop_wait + retry_timeout for the smallest timings Patroni allows (ttl 20 s, loop_wait 1 s, retry_timeout 3 s)', () => {
    const t = { ttlMs: 20_000, loopWaitMs: 1_000, retryTimeoutMs: 3_000 };
    expect(keyLapseMs(t).max + patroniPromotionMs().max).toBeLessThanOrEqual(failoverBoundMs(t));
  });
});
