import { defaults } from '../../scenario/defaults.js';
import { describe, expect, it } from 'vitest';
import { PATRONI_REST_TIMEOUT_MS, PATRONI_RESTART_MS, PG_PROMOTE_MS } from '../../scenario/patroni.js';
import { explainFirst, range } from '../test-helpers.js';

const db = (engine: string, fault: string, extra = '') => `
name: db
duration: 10m
setup:
  servers: [{ id: app, latency: 30ms }, { id: w }, { id: r }]
  database: { id: orders, engine: ${engine}, primary: w, standby: r, writeRate: 20, endpoint: { mode: dns, ttl: 5s }${extra} }
load: { rate: 100, clients: 20 }
faults: [ ${fault} ]
`;

describe('database platform', () => {
  // design.md §5: Multi-AZ DB cluster failover under 35 s (15–35 s modelled); the writer endpoint's 5 s TTL
  it('FIS failover-db-cluster: the failover starts with the action, the app follows within the endpoint TTL, nothing lost', () => {
    const e = explainFirst(db('rds-multi-az-cluster', '{ id: f, at: 2m, action: "aws:rds:failover-db-cluster", target: orders }'));
    expect(range(e, 'detection')).toEqual([0, 0]);
    expect(range(e, 'timeToSwitch')).toEqual([15_000, 35_000 + 5_000]);
    expect(range(e, 'rpo')).toEqual([0, 0]);
    expect(range(e, 'failback')).toBe('never');
  });

  // design.md §5: a Multi-AZ instance fails over in 60–120 s, detection (assumed 10–30 s) included
  it('a crashed writer: detected within the assumed window, failed over within the documented range', () => {
    const e = explainFirst(db('rds-multi-az-instance', '{ id: f, at: 2m, action: service-stop, target: w }'));
    expect(range(e, 'detection')).toEqual([10_000, 30_000]);
    expect(range(e, 'switch')).toEqual([60_000 - 30_000, 120_000 - 10_000 + 5_000]);
    expect(range(e, 'timeToSwitch')).toEqual([60_000, 125_000]);
  });

  it('a read replica is promoted by our controller (RDS never does): detection, then 60–180 s of promotion; the lag is the RPO bound', () => {
    const e = explainFirst(
      db('rds-read-replica', '{ id: f, at: 5m, action: service-stop, target: w }', ', replicationLag: 1s, lagSpikes: [ { at: 4m, duration: 3m, lag: 45s } ]').replace(
        'load:',
        'controller: { healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 3 }, layers: { database: controller } }\nload:',
      ),
    );
    expect(e.decidedBy).toBe('our controller (db:orders)');
    expect(range(e, 'detection')).toEqual([10_001, 15_001]);
    expect(range(e, 'switch')).toEqual([60_000, 180_000 + 5_000]);
    expect(range(e, 'rpo')).toEqual([0, 45_000]);
  });

  it('a reboot without failover moves nothing: clients wait out the reboot', () => {
    const e = explainFirst(db('rds-multi-az-instance', '{ id: f, at: 2m, action: "aws:rds:reboot-db-instances", target: orders }'));
    expect(range(e, 'timeToSwitch')).toBe('never');
    // 60 s reboot (assumed), every request fails meanwhile: the rule may close 1 % × 5 s early, one bucket, one client period (20/100 s)
    expect(range(e, 'rto')).toEqual([60_000 - 50 - 100, 60_000 + 100 + 200]);
  });

  // host-postgres-*.yaml: PostgreSQL stopped on the primary (service: postgres) is what the controller's check and the app talk to
  it('PostgreSQL stopped on the primary, our controller promotes: 2 refused checks every 1 s, then fence + pg_promote + repoint (defaults: measured on the host)', () => {
    const e = explainFirst(
      db('postgres-streaming', '{ id: f, at: 2m, action: service-stop, target: w, service: postgres, duration: 10s }', ', replication: synchronous').replace(
        'load:',
        'controller: { healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 2 }, layers: { database: controller } }\nload:',
      ),
    );
    expect(e.decidedBy).toBe('our controller (db:orders)');
    expect(range(e, 'detection')).toEqual([1_001, 2_001]);
    const promotion = defaults.database['postgres-streaming'].promotionMs;
    expect(range(e, 'switch')).toEqual([promotion.min, promotion.max + 5_000]);
  });

  describe('Patroni (postgres-streaming, platform mode): bounds from ttl, loop_wait, retry_timeout', () => {
    const PATRONI = ', patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 5s }';
    const TTL = 20_000;
    const LOOP_WAIT = 2_000;
    const ENDPOINT_TTL = 5_000;
    // rate 100, 20 clients: a client sends every 200 ms; RTO's slack is that period and the 100 ms resolution
    const SLACK = 100 + 200;

    // a network-drop drops only what the leader receives: the refresh its next HA loop sends may still reach etcd
    it.each([
      ['the node cut off (network-drop)', 'action: network-drop', TTL + LOOP_WAIT, 'ttl + loop_wait'],
      ['PostgreSQL frozen (its HA loop blocks)', 'action: process-pause, service: postgres', TTL, 'ttl'],
      ['the instance stopped', 'action: "aws:ec2:stop-instances"', TTL, 'ttl'],
    ])('%s: the key lapses ttl − loop_wait … its last refresh + ttl after the fault; REST check + pg_promote, then the endpoint', (_, fault, maxMs, maxFormula) => {
      const e = explainFirst(db('postgres-streaming', `{ id: f, at: 2m, target: w, ${fault}, duration: 90s }`, PATRONI));
      expect(e.decidedBy).toBe('Patroni (postgres-streaming)');
      expect(range(e, 'detection')).toEqual([TTL - LOOP_WAIT, maxMs]);
      expect(range(e, 'switch')).toEqual([PATRONI_REST_TIMEOUT_MS + PG_PROMOTE_MS.min, PATRONI_REST_TIMEOUT_MS + PG_PROMOTE_MS.max + ENDPOINT_TTL]);
      const detection = e.bounds.find((b) => b.figure === 'detection')!.window!;
      expect([detection.min.formula, detection.min.numbers, detection.max!.formula]).toEqual(['ttl − loop_wait', '20s − 2s', maxFormula]);
      expect(e.notes.join('\n')).toContain('ttl + loop_wait + retry_timeout = 20s + 2s + 5s = 27s');
    });

    it("Patroni's defaults when the scenario sets none: ttl 30 s, loop_wait 10 s", () => {
      const e = explainFirst(db('postgres-streaming', '{ id: f, at: 2m, target: w, action: network-drop }'));
      expect(range(e, 'detection')).toEqual([30_000 - 10_000, 30_000 + 10_000]);
    });

    it('PostgreSQL stopped: no failover; clients back when the next HA loop has restarted it in place, nothing lost', () => {
      const e = explainFirst(db('postgres-streaming', '{ id: f, at: 2m, target: w, action: service-stop, service: postgres, duration: 90s }', PATRONI));
      expect(e.decidedBy).toBeNull();
      for (const figure of ['detection', 'switch', 'timeToSwitch', 'failback'] as const) expect(range(e, figure)).toBe('never');
      // the recovery rule may close 1 % × 5 s / 100 % failing early, one bucket
      expect(range(e, 'rto')).toEqual([PATRONI_RESTART_MS.min - 50 - 100, LOOP_WAIT + PATRONI_RESTART_MS.max + SLACK]);
      expect(range(e, 'rpo')).toEqual([0, 0]);
      expect(e.notes.join('\n')).toContain('writes back within loop_wait + restart.max = 2s + 7s');
    });

    it("PostgreSQL stopped for less than the restart: back at the fault's removal", () => {
      const e = explainFirst(db('postgres-streaming', '{ id: f, at: 2m, target: w, action: service-stop, service: postgres, duration: 3s }', PATRONI));
      expect(range(e, 'rto')).toEqual([3_000 - 50 - 100, 3_000 + SLACK]);
    });

    it("only PostgreSQL's port dropped: Patroni keeps its key (etcd and the Unix socket still reach it), nothing moves", () => {
      const e = explainFirst(db('postgres-streaming', '{ id: f, at: 2m, target: w, action: network-drop, protocol: tcp, port: 5432, duration: 90s }', PATRONI));
      expect(range(e, 'detection')).toBe('never');
      expect(range(e, 'rto')).toEqual([90_000 - 50 - 100, 90_000 + SLACK]);
    });

    it('a freeze shorter than ttl − loop_wait ends before the key can lapse: no failover', () => {
      const e = explainFirst(db('postgres-streaming', '{ id: f, at: 2m, target: w, action: process-pause, service: postgres, duration: 10s }', PATRONI));
      expect(range(e, 'timeToSwitch')).toBe('never');
    });
  });

  it('PostgreSQL paused on the standby: it accepts connections but never answers', () => {
    const e = explainFirst(db('postgres-streaming', '{ id: f, at: 2m, action: process-pause, target: r, service: postgres, duration: 10s }'));
    expect(e.notes[0]).toBe('effect: the app accepts but never answers');
  });
});
