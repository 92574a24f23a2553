import type { CapabilityProblem, LayerKey, TargetCapabilities } from '../../run/capabilities.js';
import type { Scenario } from '../../scenario/schema.js';

const SERVICE_FAULTS = new Set(['service-stop', 'process-pause']);

/**
 * What the host target can drill beyond single layers and faults: one entry layer per scenario (a
 * VIP or nginx), keepalived only on VIP nodes, nginx only with a load balancer, operations only on
 * layers it runs.
 */
export function hostLimits(scenario: Scenario): CapabilityProblem[] {
  const problems: CapabilityProblem[] = [];
  const { setup } = scenario;
  if (setup.vip && setup.loadBalancer)
    problems.push({
      path: ['setup', 'loadBalancer'],
      message: 'setup.vip and setup.loadBalancer together: the host target drills one entry layer per scenario (a VIP or nginx)',
    });
  const vipNodes = new Set(setup.vip?.nodes.map((n) => n.server) ?? []);
  scenario.faults.forEach((fault, i) => {
    if (!SERVICE_FAULTS.has(fault.action)) return;
    const service = fault.service ?? 'app';
    if (service === 'keepalived' && !vipNodes.has(fault.target))
      problems.push({ path: ['faults', i, 'service'], message: `${fault.target} runs no keepalived on the host target (it is not a setup.vip node)` });
    if (service === 'nginx' && !setup.loadBalancer)
      problems.push({ path: ['faults', i, 'service'], message: 'service nginx needs setup.loadBalancer on the host target' });
  });
  scenario.operations.forEach((op, i) => {
    const layer = op.layer as LayerKey;
    if (hostCapabilities.layers[layer]?.support !== 'yes' && setup[layer] === undefined)
      problems.push({ path: ['operations', i, 'layer'], message: `layer ${op.layer} is not available on the host target` });
  });
  return problems;
}

/** What the host target runs for real on this machine (network namespaces, keepalived, nginx, iptables). */
export const hostCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'planned', how: 'real DNS server optional' },
    loadBalancer: { support: 'yes', how: 'nginx upstreams (primary + backup), passive checks; controller rewrites and reloads' },
    vip: { support: 'yes', how: 'real keepalived in network namespaces, track_script, split brain observed, arbiter fencing (weight-0 vrrp_script asking the controller)' },
    database: { support: 'planned', how: 'real PostgreSQL streaming replication' },
    autoscaling: { support: 'no', how: '—' },
  },
  faults: {
    'service-stop': { support: 'yes', how: 'SIGTERM the process (app, keepalived, nginx), start it again' },
    'process-pause': { support: 'yes', how: 'SIGSTOP, then SIGCONT' },
    'network-drop': { support: 'yes', how: 'iptables -I INPUT … -j DROP in the namespace (port, protocol incl. VRRP, peer)' },
    'packet-loss': { support: 'yes', how: 'iptables -m statistic --probability' },
    'network-partition': { support: 'yes', how: 'iptables DROP both ways in both namespaces' },
  },
  operations: { support: 'yes', how: 'controller over host ports (HTTP probes, keepalived, nginx)' },
  notify: { support: 'yes', how: 'webhook, Alertmanager v2 alerts API and SNS (topicArn) delivered by faildrill' },
  limits: hostLimits,
};
