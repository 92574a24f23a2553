import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { applySimFault } from '../../simulator/faults.js';
import { leaderHealth } from '../../simulator/patroni.js';
import { SimServer } from '../../simulator/server.js';
import { effectOf } from '../effect.js';
import { leaderHealthOf } from './patroni.js';

const FAULTS = [
  'action: service-stop',
  'action: service-stop, service: postgres',
  'action: process-pause, service: postgres',
  'action: network-drop',
  'action: network-drop, protocol: tcp',
  'action: network-drop, protocol: tcp, port: 80',
  'action: network-drop, protocol: tcp, port: 5432',
  'action: network-drop, protocol: udp',
  'action: network-drop, peer: r',
  'action: network-partition, peer: r',
  'action: latency, latency: 3s',
  'action: packet-loss, loss: 0.5',
  'action: "aws:ec2:stop-instances"',
  'action: "aws:ec2:terminate-instances"',
  'action: "aws:network:disrupt-connectivity"',
];

const scenario = (fault: string) => `name: p
duration: 5m
setup:
  servers: [{ id: a }, { id: w }, { id: r }]
  database: { engine: postgres-streaming, primary: w, standby: r }
faults: [ { id: f, at: 1m, target: w, ${fault} } ]
`;

describe('what Patroni on the writer can still do: explain reads it from the fault as the simulator reads it from the node', () => {
  it.each(FAULTS)('%s', (fault) => {
    const { scenario: s } = parseScenario(scenario(fault), 'p.yaml');
    const spec = s.faults[0]!;
    const servers = new Map(['a', 'w', 'r'].map((id) => [id, new SimServer(id, 1)]));
    applySimFault({ server: (id) => servers.get(id)!, later: () => undefined, vrrpOf: () => undefined }, spec);
    expect(leaderHealthOf(effectOf(s, spec))).toBe(leaderHealth(servers.get('w')!));
  });

  it('lost, postgres-stopped and leading are all drilled', () => {
    const seen = FAULTS.map((fault) => {
      const { scenario: s } = parseScenario(scenario(fault), 'p.yaml');
      return leaderHealthOf(effectOf(s, s.faults[0]!));
    });
    expect(new Set(seen)).toEqual(new Set(['lost', 'postgres-stopped', 'leading']));
  });
});
