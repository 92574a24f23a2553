import { describe, expect, it } from 'vitest';
import { checkFault } from '../../src/explain/check.js';
import { explainScenario } from '../../src/explain/explain.js';
import { faultCatalogue } from '../../src/faults/catalogue.js';
import { parseScenario } from '../../src/scenario/load.js';
import { simulate } from '../helpers/sim.js';

/**
 * explain covers every layer and every fault action the simulator has: small scenarios, one per layer
 * setup (Route 53 in platform and controller mode, two target groups under our controller, a single
 * group, Route 53 in front of a load balancer, keepalived with a track script of weight −20 and 0, VRRPv3,
 * without preempt, with arbiter fencing, in controller mode, each database engine (Patroni with its own
 * timings too; postgres-streaming behind a keepalived address, endpoint mode vip), autoscaling with EC2 and ELB checks), each fault action on the server that matters,
 * removed after 90 s or left on. The simulator's figures over 10 seeds must lie inside the bounds
 * explain derives from the scenario.
 */
const ACTIONS: Record<string, string> = {
  stop: 'action: service-stop',
  stopKa: 'action: service-stop, service: keepalived',
  pause: 'action: process-pause',
  pauseKa: 'action: process-pause, service: keepalived',
  slow: 'action: latency, latency: 3s',
  fast: 'action: latency, latency: 300ms',
  drop80: 'action: network-drop, protocol: tcp, port: 80',
  drop5432: 'action: network-drop, protocol: tcp, port: 5432',
  dropAll: 'action: network-drop',
  loss: 'action: packet-loss, loss: 0.5',
  loss1: 'action: packet-loss, loss: 1',
  ec2stop: 'action: "aws:ec2:stop-instances"',
  term: 'action: "aws:ec2:terminate-instances"',
  iso: 'action: "aws:network:disrupt-connectivity"',
};
const S = (setup: string, extra = '') => `name: m\nduration: 6m\nsetup:\n  servers: [{ id: a, latency: 20ms }, { id: b, latency: 20ms }, { id: c, latency: 20ms }, { id: d, latency: 20ms }, { id: w }, { id: r }]\n${setup}\n${extra}\nload: { rate: 100, clients: 20, timeout: 2s }\n`;
const D = (setup: string, extra = '') => `name: m\nduration: 8m\nsetup:\n  servers: [{ id: a, latency: 20ms }, { id: w }, { id: r }]\n${setup}\n${extra}\nload: { rate: 100, clients: 20, timeout: 2s }\n`;
const TEMPLATES: Record<string, { yaml: string; targets: string[]; actions: string[] }> = {
  dnsPlatform: { yaml: S(`  dns: { record: x.example.com, ttl: 20s, primary: a, secondary: b, healthCheck: { interval: 10s, failureThreshold: 2 } }`), targets: ['a'], actions: ['stop', 'pause', 'slow', 'fast', 'drop80', 'loss', 'loss1', 'ec2stop', 'term', 'iso'] },
  dnsController: { yaml: S(`  dns: { record: x.example.com, ttl: 20s, primary: a, secondary: b }`, 'controller: { layers: { dns: controller } }'), targets: ['a'], actions: ['stop', 'pause', 'slow', 'drop80', 'loss1', 'ec2stop', 'iso'] },
  lbController: { yaml: S(`  loadBalancer: { id: lb, targetGroups: [ { id: g1, priority: 1, targets: [a, b], healthCheck: { interval: 10s, unhealthyThreshold: 2, healthyThreshold: 2 }, deregistrationDelay: 5s }, { id: g2, priority: 2, targets: [c], deregistrationDelay: 5s } ] }`), targets: ['a'], actions: ['stop', 'pause', 'slow', 'drop80', 'loss1', 'ec2stop', 'term', 'iso'] },
  lbSingle: { yaml: S(`  loadBalancer: { id: lb, targetGroups: [ { id: g1, priority: 1, targets: [a, b, c], healthCheck: { interval: 10s, unhealthyThreshold: 3, healthyThreshold: 2 } } ] }`), targets: ['a'], actions: ['stop', 'pause', 'slow', 'drop80', 'loss1', 'ec2stop', 'iso'] },
  vip: { yaml: S(`  vip: { id: v, advertInt: 1s, nodes: [ { server: a, priority: 100, state: MASTER }, { server: b, priority: 90 } ], trackScript: { interval: 2s, fall: 2, rise: 2, weight: -20, timeout: 1s } }`), targets: ['a', 'b'], actions: ['stop', 'stopKa', 'pause', 'pauseKa', 'slow', 'drop80', 'ec2stop', 'term', 'iso'] },
  vipW0: { yaml: S(`  vip: { id: v, advertInt: 1s, preemptDelay: 3s, nodes: [ { server: a, priority: 100, state: MASTER }, { server: b, priority: 90 } ], trackScript: { interval: 2s, fall: 2, rise: 2, weight: 0 } }`), targets: ['a'], actions: ['stop', 'pause', 'drop80', 'ec2stop'] },
  vipV3: { yaml: S(`  vip: { id: v, advertInt: 500ms, vrrpVersion: 3, nodes: [ { server: a, priority: 200, state: MASTER }, { server: b, priority: 50 } ], trackScript: { interval: 1s, fall: 3, rise: 2, weight: -160 } }`), targets: ['a'], actions: ['stop', 'stopKa', 'pauseKa', 'drop80', 'ec2stop', 'iso'] },
  dbCluster: { yaml: D(`  database: { id: db, engine: rds-multi-az-cluster, primary: w, standby: r, clients: [a] }`), targets: ['w'], actions: ['stop', 'pause', 'ec2stop', 'term', 'iso', 'drop80'] },
  dbInstance: { yaml: D(`  database: { id: db, engine: rds-multi-az-instance, primary: w, standby: r, clients: [a] }`), targets: ['w'], actions: ['stop', 'ec2stop'] },
  dbAurora: { yaml: D(`  database: { id: db, engine: aurora, primary: w, standby: r, clients: [a], endpoint: { mode: controller } }`), targets: ['w'], actions: ['stop'] },
  dbPg: { yaml: D(`  database: { id: db, engine: postgres-streaming, primary: w, standby: r, clients: [a] }`), targets: ['w'], actions: ['stop', 'pause'] },
  dbPatroni: { yaml: D(`  database: { id: db, engine: postgres-streaming, primary: w, standby: r, clients: [a], patroni: { ttl: 20s, loopWait: 2s, retryTimeout: 5s } }`), targets: ['w'], actions: ['stop', 'pause', 'dropAll', 'drop80', 'drop5432', 'ec2stop', 'term', 'iso'] },
  dbVip: { yaml: D(`  database: { id: db, engine: postgres-streaming, primary: w, standby: r, clients: [a], endpoint: { mode: vip } }`, 'controller: { layers: { database: controller } }'), targets: ['w', 'r'], actions: ['stop', 'stopKa', 'pause', 'pauseKa', 'drop5432', 'drop80', 'dropAll', 'ec2stop', 'term', 'iso'] },
  dbVipSlow: { yaml: D(`  database: { id: db, engine: postgres-streaming, primary: w, standby: r, clients: [a], endpoint: { mode: vip, vip: { advertInt: 2s, check: { interval: 2s, timeout: 1500ms, fall: 3, rise: 2 } } } }`, 'controller: { layers: { database: controller }, healthCheck: { interval: 1s, timeout: 500ms } }'), targets: ['w'], actions: ['stop', 'pause', 'drop5432', 'iso', 'ec2stop'] },
  dbReplica: { yaml: D(`  database: { id: db, engine: rds-read-replica, primary: w, standby: r, clients: [a], replicationLag: 2s, endpoint: { mode: controller } }`, 'controller: { layers: { database: controller } }'), targets: ['w'], actions: ['stop', 'ec2stop'] },
  vipFenced: { yaml: S(`  vip: { id: v, advertInt: 1s, fencing: arbiter, nodes: [ { server: a, priority: 100, state: MASTER }, { server: b, priority: 90 } ], trackScript: { interval: 2s, fall: 2, rise: 2, weight: -20 } }`, 'controller: { healthCheck: { interval: 1s, timeout: 500ms } }'), targets: ['a'], actions: ['stop', 'stopKa', 'drop80', 'ec2stop'] },
  vipNoPreempt: { yaml: S(`  vip: { id: v, advertInt: 1s, preempt: false, nodes: [ { server: a, priority: 100, state: MASTER }, { server: b, priority: 90 } ], trackScript: { interval: 2s, fall: 2, rise: 2, weight: -20 } }`), targets: ['a'], actions: ['stop', 'stopKa', 'ec2stop'] },
  vipController: { yaml: S(`  vip: { id: v, advertInt: 1s, nodes: [ { server: a, priority: 100, state: MASTER }, { server: b, priority: 90 } ] }`, 'controller: { layers: { vip: controller } }'), targets: ['a'], actions: ['stop', 'pause', 'drop80'] },
  dnsLb: { yaml: S(`  dns: { record: x.example.com, ttl: 20s, primary: lb, secondary: d, healthCheck: { interval: 10s, failureThreshold: 2 } }\n  loadBalancer: { id: lb, targetGroups: [ { id: g1, priority: 1, targets: [a, b, c], healthCheck: { interval: 10s, unhealthyThreshold: 3, healthyThreshold: 2 } } ] }`), targets: ['a', 'b'], actions: ['stop', 'pause', 'drop80', 'ec2stop'] },
  asgElb: { yaml: S(`  loadBalancer: { id: lb, targetGroups: [ { id: g1, priority: 1, targets: [a, b, c], healthCheck: { interval: 10s, unhealthyThreshold: 2, healthyThreshold: 3 } } ] }\n  autoscaling: { id: asg, instances: [a, b, c], targetGroup: g1, healthCheckType: ELB, healthCheckGracePeriod: 30s, launchTime: 30s }`), targets: ['a'], actions: ['term', 'ec2stop', 'stop', 'drop80'] },
  asg: { yaml: S(`  loadBalancer: { id: lb, targetGroups: [ { id: g1, priority: 1, targets: [a, b, c], healthCheck: { interval: 10s, unhealthyThreshold: 2, healthyThreshold: 3 } } ] }\n  autoscaling: { id: asg, instances: [a, b, c], targetGroup: g1, healthCheckType: EC2, launchTime: 30s }`), targets: ['a'], actions: ['term', 'ec2stop', 'stop'] },
};
const DB_FAULTS = [
  ['fisFailover', 'action: "aws:rds:failover-db-cluster"', 'dbCluster'],
  ['fisRebootForce', 'action: "aws:rds:reboot-db-instances", forceFailover: true', 'dbInstance'],
  ['fisReboot', 'action: "aws:rds:reboot-db-instances"', 'dbInstance'],
  ['fisFailoverAurora', 'action: "aws:rds:failover-db-cluster"', 'dbAurora'],
];
const VIP_EXTRA = [
  ['fencedPartitionA', 'action: network-partition, peer: b', 'vipFenced', 'a'],
  ['fencedDropAtBackup', 'action: network-drop, protocol: vrrp, peer: a', 'vipFenced', 'b'],
  ['fencedPauseKa', 'action: process-pause, service: keepalived', 'vipFenced', 'a'],
  ['lossAtBackup', 'action: packet-loss, loss: 0.6', 'vip', 'b'],
  ['dropAllAtBackup', 'action: network-drop', 'vip', 'b'],
  ['vrrpDropAtBackup', 'action: network-drop, protocol: vrrp, peer: a', 'vip', 'b'],
  ['partitionA', 'action: network-partition, peer: b', 'vip', 'a'],
  ['partitionB', 'action: network-partition, peer: a', 'vip', 'b'],
];


const SEEDS = 10;

function cases(): Array<[string, string, string]> {
  const all: Array<[string, string, string]> = [];
  for (const [name, t] of Object.entries(TEMPLATES))
    for (const target of t.targets)
      for (const a of t.actions)
        for (const removed of [true, false]) {
          if (a === 'term' && removed) continue;
          const duration = removed && a !== 'term' ? ', duration: 90s' : '';
          all.push([`${name}: ${a} on ${target}${removed ? '' : ', never removed'}`, ACTIONS[a]!, `${t.yaml}faults: [ { id: f, at: 60s, target: ${target}, ${ACTIONS[a]}${duration} } ]\n`]);
        }
  for (const [n, action, tpl] of DB_FAULTS) all.push([`${tpl}: ${n}`, action!, `${TEMPLATES[tpl!]!.yaml}faults: [ { id: f, at: 60s, target: db, ${action} } ]\n`]);
  for (const [n, action, tpl, target] of VIP_EXTRA) all.push([`${tpl}: ${n} on ${target}`, action!, `${TEMPLATES[tpl!]!.yaml}faults: [ { id: f, at: 60s, target: ${target}, ${action}, duration: 30s } ]\n`]);
  return all;
}

describe('explain covers every layer and fault action', () => {
  const all = cases();

  it('every action of the fault catalogue is drilled', () => {
    const drilled = new Set(all.map(([, action]) => /action: "?([a-z0-9:-]+)/.exec(action)![1]));
    expect([...drilled].sort()).toEqual(faultCatalogue.map((k) => k.action).sort());
  });

  for (const [label, , yaml] of all) {
    it(label, async () => {
      const explanation = explainScenario(parseScenario(yaml, 'coverage.yaml').scenario)[0]!;
      const outside: string[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { result } = await simulate(yaml, seed);
        for (const c of checkFault(explanation, result.metrics.perFault[0]!))
          if (!c.inside) outside.push(`seed ${seed} ${c.figure}: ${c.measured} not in ${c.occurs} [${c.minMs}, ${c.maxMs}]`);
      }
      expect(outside).toEqual([]);
    });
  }
});
