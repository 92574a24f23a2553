import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { hostCapabilities, hostLimits } from './capabilities.js';

const scenario = (faults: string) =>
  parseScenario(
    [
      'name: limits',
      'duration: 30s',
      'setup:',
      '  servers: [{ id: node-a }, { id: node-b }, { id: web-3 }]',
      '  vip:',
      '    nodes: [{ server: node-a, priority: 100, state: MASTER }, { server: node-b, priority: 90 }]',
      'load: { rate: 10, clients: 2 }',
      'faults:',
      faults,
      '',
    ].join('\n'),
    'limits.yaml',
  ).scenario;

describe('what the host target can drill', () => {
  it('stops keepalived only on VIP nodes and nginx only with a load balancer, naming the fault field', () => {
    const s = scenario(
      [
        '  - { id: ok, at: 1s, action: service-stop, target: node-a, service: keepalived, duration: 5s }',
        '  - { id: no-vrrp, at: 1s, action: service-stop, target: web-3, service: keepalived, duration: 5s }',
        '  - { id: no-lb, at: 1s, action: process-pause, target: node-a, service: nginx, duration: 5s }',
      ].join('\n'),
    );
    expect(hostLimits(s).map((p) => [p.path.join('.'), p.message])).toEqual([
      ['faults.1.service', 'web-3 runs no keepalived on the host target (it is not a setup.vip node)'],
      ['faults.2.service', 'service nginx needs setup.loadBalancer on the host target'],
    ]);
  });

  it('applies the faults it has injectors for, and no FIS action or latency', () => {
    const yes = Object.entries(hostCapabilities.faults).filter(([, a]) => a.support === 'yes').map(([action]) => action).sort();
    expect(yes).toEqual(['network-drop', 'network-partition', 'packet-loss', 'process-pause', 'service-stop']);
    expect(hostCapabilities.layers.database.support).toBe('planned');
    expect(hostCapabilities.layers.autoscaling.support).toBe('no');
  });
});
