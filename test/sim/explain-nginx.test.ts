import { describe, expect, it } from 'vitest';
import { checkFault } from '../../src/explain/check.js';
import { explainScenario } from '../../src/explain/explain.js';
import { parseScenario } from '../../src/scenario/load.js';
import { simulate } from '../helpers/sim.js';

/**
 * explain's nginx upstream bounds (src/explain/layers/nginx-upstream.ts) hold the simulator's nginx model
 * beyond the shipped host-nginx-upstream.yaml: refused and silent primaries, a connect timeout at the
 * clients' timeout (nginx counts nothing, the controller decides), two primaries in round robin, few
 * clients (the verdict a period later), and nginx alone (failback after fail_timeout).
 */
const SEEDS = 60;

const upstream = (o: { fault: string; timeout?: string; primaries?: string; controller?: string; clients?: number; loadTimeout?: string }) => `
name: ngx
duration: 40s
setup:
  servers: [{ id: web-1, latency: 1ms }, { id: web-2, latency: 1ms }, { id: web-3, latency: 3ms }]
  loadBalancer:
    id: lb
    kind: nginx
    targetGroups:
      - { id: tg-primary, priority: 1, targets: ${o.primaries ?? '[web-1]'}, healthCheck: { interval: 5s, timeout: ${o.timeout ?? '2s'}, unhealthyThreshold: 2, healthyThreshold: 2 } }
      - { id: tg-backup, priority: 2, targets: [web-3], healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 2 } }
controller: ${o.controller ?? '{ healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 3, healthyThreshold: 3 }, layers: { loadBalancer: controller } }'}
load: { rate: 50, clients: ${o.clients ?? 10}, timeout: ${o.loadTimeout ?? '3s'} }
faults: [ ${o.fault} ]
`;

const stop = (duration = '15s') => `{ id: f, at: 10s, action: service-stop, target: web-1, duration: ${duration} }`;
const drop = '{ id: f, at: 10s, action: network-drop, protocol: tcp, port: 80, target: web-1, duration: 15s }';
const pause = '{ id: f, at: 10s, action: process-pause, target: web-1, duration: 15s }';

const CASES: Record<string, string> = {
  'refused primary': upstream({ fault: stop() }),
  'silent primary, connect timeout below the clients’': upstream({ fault: drop }),
  'silent primary, connect timeout at the clients’': upstream({ fault: drop, timeout: '3s' }),
  'silent primary, backup answers after the clients’ timeout': upstream({ fault: drop, loadTimeout: '2002ms' }),
  'frozen primary (read timeout = the clients’)': upstream({ fault: pause }),
  'two primaries, three clients': upstream({ fault: stop(), primaries: '[web-1, web-2]', clients: 3 }),
  'nginx alone, fails back after fail_timeout': upstream({ fault: stop(), controller: '{ automaticFailover: false }' }),
  'removed before the controller decides': upstream({ fault: stop('1500ms') }),
};

describe(`explain's nginx upstream bounds hold the simulator (${SEEDS} seeds per configuration)`, () => {
  for (const [name, yaml] of Object.entries(CASES)) {
    it(name, async () => {
      const [e] = explainScenario(parseScenario(yaml, 'inline.yaml').scenario);
      const outside: string[] = [];
      let compared = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const { result } = await simulate(yaml, seed);
        for (const c of checkFault(e!, result.metrics.perFault[0]!)) {
          compared++;
          if (!c.inside) outside.push(`seed ${seed} ${c.figure}: ${c.measured} not in ${c.occurs} [${c.minMs}, ${c.maxMs}]`);
        }
      }
      expect(outside).toEqual([]);
      expect(compared).toBeGreaterThanOrEqual(SEEDS * 4);
    }, 60_000);
  }
});
