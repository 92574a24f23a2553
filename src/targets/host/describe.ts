import { join } from 'node:path';
import { describeHostFault } from '../../faults/host/inject.js';
import type { TargetPlan } from '../../run/plan.js';
import { runStamp } from '../../run/run-stamp.js';
import type { Scenario } from '../../scenario/schema.js';
import { appCommand, keepalivedCommand, keepalivedConfigFile, nginxCommand, nginxConfigFile, serviceCommand, serviceCommandLine } from './commands.js';
import { stateRoot } from './journal.js';
import { memberNodes, planTopology, runTag } from './topology.js';
import { LIFETIME_MARGIN_MS } from './world.js';

/**
 * A host run's plan without running it (`run --dry-run`): the names and addresses {@link planTopology}
 * gives, the commands setup starts (from the same builders), and each fault's command lines from
 * {@link describeHostFault}. Reads the state root to pick a free subnet, as a run does; creates nothing.
 */
export function describeHost(scenario: Scenario, seed: number): TargetPlan {
  const tag = runTag(seed);
  const runId = `${runStamp()}-${tag}`;
  const plan = planTopology(scenario, runId, tag, join(stateRoot(), runId));
  const lifetimeMs = scenario.durationMs + LIFETIME_MARGIN_MS;
  const setup = [
    `run folder ${plan.dir}: journal.jsonl (every step written before it is taken), configs, logs`,
    `network namespaces on ${plan.subnet} (ip netns add), joined by veth pairs to a bridge in ${plan.bridgeNs}:`,
    ...memberNodes(plan).map((n) => `  ${n.ns}  ${n.ip}  ${n.id}`),
    ...[...plan.servers.keys()].map((server) => `app on ${server}: ${serviceCommandLine(appCommand(plan, server, lifetimeMs))}`),
    `prober (the controller's health checks) in ${plan.controller.ns}; load driver (${scenario.load.driver}) in ${plan.client.ns}`,
  ];
  const vip = scenario.setup.vip;
  if (vip) {
    setup.push(`virtual IP ${plan.vip} (${vip.id}), VRRP ${vip.vrrpVersion}, virtual_router_id ${vip.virtualRouterId}`);
    for (const node of vip.nodes)
      setup.push(
        `keepalived on ${node.server} (priority ${node.priority}, ${node.state}; config ${keepalivedConfigFile(plan, node.server)}): ${serviceCommandLine(keepalivedCommand(plan, node.server))}`,
      );
  }
  if (scenario.setup.loadBalancer && plan.lb)
    setup.push(`nginx for ${plan.lb.id} at ${plan.lb.ip} (config ${nginxConfigFile(plan)}): ${serviceCommandLine(nginxCommand(plan))}`);
  const host = {
    tag,
    nsOf: (server: string) => plan.servers.get(server)!.ns,
    ipOf: (server: string) => plan.servers.get(server)!.ip,
    startCommand: (server: string, service: 'app' | 'keepalived' | 'nginx') => serviceCommand(plan, server, service, lifetimeMs),
  };
  return {
    setup,
    fault: (fault) => describeHostFault(fault, host),
    notes: [
      `the run tag (${tag}), run folder and subnet are drawn per run: a real run names its own`,
      'teardown stops every process, deletes the namespaces and the run folder; faildrill cleanup does the same from the journal after a crash',
    ],
  };
}
