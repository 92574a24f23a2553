import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { hostCapabilities, hostLimits } from './capabilities.js';

const scenario = (extraSetup: string) =>
  parseScenario(
    [
      'name: limits',
      'duration: 30s',
      'setup:',
      '  servers: [{ id: node-a }, { id: node-b }, { id: web-3 }]',
      '  vip:',
      '    nodes: [{ server: node-a, priority: 100, state: MASTER }, { server: node-b, priority: 90 }]',
      extraSetup,
      'load: { rate: 10, clients: 2, entry: vip }',
      '',
    ].join('\n'),
    'limits.yaml',
  ).scenario;

describe('what the host target can drill', () => {
  it('drills one entry layer per scenario: a VIP or nginx, not both', () => {
    expect(hostLimits(scenario('')).map((p) => p.path.join('.'))).toEqual([]);
    const both = scenario('  loadBalancer: { kind: nginx, targetGroups: [{ id: tg, priority: 1, targets: [web-3], healthCheck: { interval: 5s, timeout: 2s } }] }');
    expect(hostLimits(both).map((p) => p.path.join('.'))).toEqual(['setup.loadBalancer']);
  });

  it('applies the faults it has injectors for, and no FIS action or latency', () => {
    const yes = Object.entries(hostCapabilities.faults).filter(([, a]) => a.support === 'yes').map(([action]) => action).sort();
    expect(yes).toEqual(['network-drop', 'network-partition', 'packet-loss', 'process-pause', 'service-stop']);
    expect(hostCapabilities.layers.database.support).toBe('yes');
    expect(hostCapabilities.layers.autoscaling.support).toBe('no');
  });

  it('runs the database as PostgreSQL failed over by the controller, repointing the apps, and says which field it cannot run', () => {
    const db = (database: string, controller: string, faults: string) =>
      parseScenario(
        [
          'name: db-limits',
          'duration: 30s',
          'setup:',
          '  servers: [{ id: app-1 }, { id: db-a }, { id: db-b }]',
          `  database: ${database}`,
          `controller: ${controller}`,
          'load: { rate: 10, clients: 2 }',
          'faults:',
          faults,
          '',
        ].join('\n'),
        'db-limits.yaml',
      ).scenario;
    const ok = db(
      '{ engine: postgres-streaming, primary: db-a, standby: db-b, endpoint: { mode: controller } }',
      '{ layers: { database: controller } }',
      '  - { id: crash, at: 1s, action: service-stop, target: db-a, service: postgres, duration: 5s }',
    );
    expect(hostLimits(ok)).toEqual([]);
    const bad = db(
      '{ engine: rds-read-replica, primary: db-a, standby: db-b }',
      '{ layers: { database: platform } }',
      '  - { id: app-on-db, at: 1s, action: service-stop, target: db-a, duration: 5s }',
    );
    expect(hostLimits(bad).map((p) => p.path.join('.'))).toEqual(['setup.database.engine', 'faults.0.service']);
  });

  it('serves endpoint mode dns from a real DNS server: TTLs of whole seconds (0 included), nothing in between', () => {
    const withTtl = (ttl: string) =>
      parseScenario(
        [
          'name: db-dns',
          'duration: 30s',
          'setup:',
          '  servers: [{ id: app-1 }, { id: db-a }, { id: db-b }]',
          `  database: { engine: postgres-streaming, primary: db-a, standby: db-b, endpoint: { mode: dns, ttl: ${ttl} } }`,
          'load: { rate: 10, clients: 2 }',
          '',
        ].join('\n'),
        'db-dns.yaml',
      ).scenario;
    for (const ttl of ['5s', '1s', '0s', '60s']) expect(hostLimits(withTtl(ttl)), ttl).toEqual([]);
    for (const [ttl, hint] of [
      ['500ms', '0s (no caching) or 1s'],
      ['1500ms', '1s or 2s'],
    ] as const) {
      const problems = hostLimits(withTtl(ttl));
      expect(problems.map((p) => p.path.join('.')), ttl).toEqual(['setup.database.endpoint.ttl']);
      expect(problems[0]!.message).toContain(hint);
      expect(problems[0]!.message).toMatch(/whole seconds/);
    }
  });

  it("runs platform mode with Patroni, but not a lag spike: Patroni's replicas bypass faildrill's WAL delay line", () => {
    const patroni = (spikes: string) =>
      parseScenario(
        [
          'name: db-patroni',
          'duration: 60s',
          'setup:',
          '  servers: [{ id: app-1 }, { id: db-a }, { id: db-b }]',
          `  database: { engine: postgres-streaming, primary: db-a, standby: db-b, endpoint: { mode: controller }, patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 5s }${spikes} }`,
          'controller: { layers: { database: platform } }',
          'load: { rate: 10, clients: 2 }',
          'faults:',
          '  - { id: cut, at: 10s, action: network-drop, target: db-a, duration: 30s }',
          '',
        ].join('\n'),
        'db-patroni.yaml',
      ).scenario;
    expect(hostLimits(patroni(''))).toEqual([]);
    const spiked = hostLimits(patroni(', lagSpikes: [{ at: 5s, duration: 10s, lag: 8s }]'));
    expect(spiked.map((p) => p.path.join('.'))).toEqual(['setup.database.lagSpikes.0']);
    expect(spiked[0]!.message).toMatch(/delay line/);
  });
});
