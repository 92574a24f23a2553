import { runOk } from '../exec.js';
import type { Journal } from '../journal.js';
import { NS_PREFIX, type HostNode, type HostPlan } from '../topology.js';

/** Host number of the DCS node in the run's /24 (.10 client, .11 controller, .20 lb, .100 VIP, .101… servers). */
const DCS_HOST = 12;

/**
 * The run's DCS node: a namespace of its own on the run's bridge for etcd, as a third site apart
 * from both database nodes (Patroni's deployments put etcd on hosts of its own). A network fault on
 * a database node then cuts that node alone from etcd, and etcd shares no namespace, address or fate
 * with the controller's prober.
 */
export function planDcsNode(plan: HostPlan): HostNode {
  const base = plan.subnet.split('.').slice(0, 3).join('.');
  return { id: 'dcs', ns: `${NS_PREFIX}${plan.tag}-dcs`, ip: `${base}.${DCS_HOST}`, port: 'vdcs' };
}

/**
 * Creates the node's namespace (journaled first, so that teardown removes it and whatever runs in
 * it) and joins it to the run's bridge with a veth pair, as the topology joins every member.
 */
export async function attachNode(plan: HostPlan, node: HostNode, journal: Journal): Promise<void> {
  journal.write({ op: 'netns', name: node.ns });
  await runOk('ip', ['netns', 'add', node.ns]);
  await runOk('ip', ['link', 'add', 'eth0', 'netns', node.ns, 'type', 'veth', 'peer', 'name', node.port, 'netns', plan.bridgeNs]);
  await runOk('ip', ['-n', plan.bridgeNs, 'link', 'set', node.port, 'master', 'br0']);
  await runOk('ip', ['-n', plan.bridgeNs, 'link', 'set', node.port, 'up']);
  await runOk('ip', ['-n', node.ns, 'link', 'set', 'lo', 'up']);
  await runOk('ip', ['-n', node.ns, 'addr', 'add', `${node.ip}/${plan.prefix}`, 'dev', 'eth0']);
  await runOk('ip', ['-n', node.ns, 'link', 'set', 'eth0', 'up']);
}
