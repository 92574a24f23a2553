import { describe, expect, it } from 'vitest';
import { defaults } from '../../scenario/defaults.js';
import { DB_VIP_PRIORITY } from '../../scenario/db-vip.js';
import { parseScenario } from '../../scenario/load.js';
import { explainFirst, range } from '../test-helpers.js';
import { endpointRefresh } from './database.js';
import { dbVipFollow } from './db-vip.js';

/** RFC 3768 §6.1 (VRRPv2): Skew_Time = (256 − priority)/256 s, Master_Down_Interval = 3 × advert_int + Skew_Time. */
const skewMs = (priority: number) => ((256 - priority) * 1000) / 256;
const masterDownMs = (priority: number, advertMs: number) => 3 * advertMs + skewMs(priority);

const HC = { intervalMs: 1_000, timeoutMs: 500, unhealthy: 2 };
const scenario = (fault: string, vip = '{ advertInt: 1s, check: { interval: 1s, timeout: 1s, fall: 1, rise: 1 } }') => `
name: v
duration: 2m
setup:
  servers: [{ id: app, latency: 1ms }, { id: db-a }, { id: db-b }]
  database: { id: pg, engine: postgres-streaming, primary: db-a, standby: db-b, clients: [app], writeRate: 20, endpoint: { mode: vip, vip: ${vip} } }
controller: { healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 2 }, layers: { database: controller } }
load: { rate: 20, clients: 10, timeout: 1s }
faults: [ ${fault} ]
`;
const promotion = defaults.database['postgres-streaming'].promotionMs;

describe('explain, endpoint mode vip: the address follows the writer through the members’ writer checks', () => {
  it('after the promotion: (rise − 1) × interval + skew(90) to rise × interval + 3 × advert + skew(90)', () => {
    const db = parseScenario(scenario('{ id: f, at: 30s, action: service-stop, target: db-a, service: postgres }', '{ advertInt: 2s, check: { interval: 3s, timeout: 1s, fall: 2, rise: 4 } }'), 'v.yaml').scenario.setup.database!;
    const w = dbVipFollow(db, db.endpoint.vip!);
    expect(w.min.ms).toBeCloseTo(3 * 3_000 + skewMs(DB_VIP_PRIORITY.standby), 9);
    expect(w.max!.ms).toBeCloseTo(4 * 3_000 + masterDownMs(DB_VIP_PRIORITY.standby, 2_000), 9);
    expect(w.min.formula).toBe('(rise − 1) × check interval + skew(db-b)');
    expect(w.max!.formula).toBe('rise × check interval + masterDown(db-b)');
    expect(w.max!.numbers).toBe('4 × 3s + (3 × 2s + (256 − 90)/256 s)');
    // the app's delay after the switch is this window in vip mode (dns: the TTL, controller: none)
    expect(endpointRefresh(db)).toEqual(w);
  });

  it('PostgreSQL stopped on the primary: our controller detects, promotes, and the address follows within the window', () => {
    const e = explainFirst(scenario('{ id: f, at: 30s, action: service-stop, target: db-a, service: postgres, duration: 20s }'));
    expect(e.decidedBy).toBe('our controller (db:pg)');
    // two refused checks, one per interval (+1 ms: app latency of the answer)
    expect(range(e, 'detection')).toEqual([(HC.unhealthy - 1) * HC.intervalMs + 1, HC.unhealthy * HC.intervalMs + 1]);
    const [min, max] = range(e, 'switch') as [number, number];
    expect(min).toBeCloseTo(promotion.min + 0 * 1_000 + skewMs(90), 9);
    expect(max).toBeCloseTo(promotion.max + 1 * 1_000 + masterDownMs(90, 1_000), 9);
    expect(e.notes.join('\n')).toContain('endpoint mode vip: the address follows the writer');
  });

  it('a frozen primary whose check times out late: the switch bound grows to the priority-0 advert plus the skew when that comes last', () => {
    // fall 3 × interval 2 s + timeout 1.9 s after the fault − the earliest verdict (1 × 1 s + 500 ms) + skew(90) beats promotion.max + rise × 2 s + masterDown
    const vip = '{ advertInt: 1s, check: { interval: 2s, timeout: 1900ms, fall: 3, rise: 1 } }';
    const e = explainFirst(scenario('{ id: f, at: 30s, action: process-pause, target: db-a, service: postgres, duration: 30s }', vip));
    const verdictMinMs = (HC.unhealthy - 1) * HC.intervalMs + HC.timeoutMs;
    expect(range(e, 'detection')).toEqual([verdictMinMs, HC.unhealthy * HC.intervalMs + HC.timeoutMs]);
    const late = 3 * 2_000 + 1_900 - verdictMinMs + skewMs(90);
    const follow = promotion.max + 1 * 2_000 + masterDownMs(90, 1_000);
    expect(late).toBeGreaterThan(follow);
    expect((range(e, 'switch') as [number, number])[1]).toBeCloseTo(late, 9);
  });

  it('network-drop of 5432 on the primary: the controller detects at its timeout; the old master keeps the address until the fence fails its check', () => {
    const e = explainFirst(scenario('{ id: f, at: 30s, action: network-drop, target: db-a, protocol: tcp, port: 5432, duration: 20s }', '{ advertInt: 1s, check: { interval: 2s, fall: 3, rise: 1 } }'));
    expect(range(e, 'detection')).toEqual([(HC.unhealthy - 1) * HC.intervalMs + HC.timeoutMs, HC.unhealthy * HC.intervalMs + HC.timeoutMs]);
    // fence at the verdict, then fall runs: 3 × 2 s + skew(90) after it, against promotion.max + 2 s + masterDown(90)
    const late = 3 * 2_000 + skewMs(90);
    const follow = promotion.max + 2_000 + masterDownMs(90, 1_000);
    expect((range(e, 'switch') as [number, number])[1]).toBeCloseTo(Math.max(late, follow), 9);
    // a drop of port 80 reaches nothing on a PostgreSQL member
    expect(range(explainFirst(scenario('{ id: f, at: 30s, action: network-drop, target: db-a, protocol: tcp, port: 80, duration: 20s }')), 'switch')).toBe('never');
  });

  it('keepalived stopped on the primary: no switch; writes fail until it starts again and waits its master-down interval at priority 100', () => {
    const e = explainFirst(scenario('{ id: f, at: 30s, action: service-stop, target: db-a, service: keepalived, duration: 20s }'));
    expect(range(e, 'switch')).toBe('never');
    const [min, max] = range(e, 'rto') as [number, number];
    const back = 20_000 + masterDownMs(DB_VIP_PRIORITY.primary, 1_000);
    // the recovery rule may close (1 − 0.99) × 5 s early and one bucket; the client period (10 / 20 s) and one bucket late
    expect(min).toBeCloseTo(back - 50 - 100, 9);
    expect(max).toBeCloseTo(back + 100 + 500, 9);
    expect(e.notes.join('\n')).toContain('db-b is in FAULT');
  });

  it('keepalived stopped on the standby: nothing moves, nothing fails', () => {
    const e = explainFirst(scenario('{ id: f, at: 30s, action: service-stop, target: db-b, service: keepalived, duration: 20s }'));
    expect(range(e, 'switch')).toBe('never');
    // no client fails: at most one bucket of the measurement (resolution 100 ms)
    expect(range(e, 'rto')).toEqual([0, 100]);
    expect(e.notes.join('\n')).toContain('the database VIP stays on db-a');
  });
});
