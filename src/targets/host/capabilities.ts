import type { CapabilityProblem, LayerKey, TargetCapabilities } from '../../run/capabilities.js';
import type { Scenario } from '../../scenario/schema.js';
import { HOST_ENDPOINT_MODES } from './db-endpoint/registry.js';

const SERVICE_FAULTS = new Set(['service-stop', 'process-pause']);

/**
 * What the host target can drill beyond single layers and faults: one entry layer per scenario (a
 * VIP or nginx), operations only on layers it runs. (Which services a server runs — keepalived on VIP
 * nodes, nginx as the load balancer — the scenario's own validation checks, for every target.)
 */
export function hostLimits(scenario: Scenario): CapabilityProblem[] {
  const problems: CapabilityProblem[] = [];
  const { setup } = scenario;
  if (setup.vip && setup.loadBalancer)
    problems.push({
      path: ['setup', 'loadBalancer'],
      message: 'setup.vip and setup.loadBalancer together: the host target drills one entry layer per scenario (a VIP or nginx)',
    });
  problems.push(...databaseLimits(scenario));
  scenario.operations.forEach((op, i) => {
    const layer = op.layer as LayerKey;
    if (hostCapabilities.layers[layer]?.support !== 'yes' && setup[layer] === undefined)
      problems.push({ path: ['operations', i, 'layer'], message: `layer ${op.layer} is not available on the host target` });
  });
  return problems;
}

/**
 * The host's database: PostgreSQL streaming replication failed over by our controller or by Patroni,
 * the apps repointed (a pointer file, a DNS name whose TTL is whole seconds, or a keepalived address on
 * the members that the writer holds); its members run
 * PostgreSQL and no app.
 */
function databaseLimits(scenario: Scenario): CapabilityProblem[] {
  const db = scenario.setup.database;
  if (!db) return [];
  const problems: CapabilityProblem[] = [];
  if (db.engine !== 'postgres-streaming')
    problems.push({ path: ['setup', 'database', 'engine'], message: `the host target runs PostgreSQL streaming replication (postgres-streaming), not ${db.engine}` });
  if (scenario.controller.layers.database === 'platform' && db.replication !== 'synchronous')
    db.lagSpikes.forEach((_, i) =>
      problems.push({
        path: ['setup', 'database', 'lagSpikes', i],
        message: "the host target delays WAL through faildrill's own delay line between its primary and standby; Patroni's replicas connect to the leader directly: remove lagSpikes or set controller.layers.database: controller",
      }),
    );
  if (!HOST_ENDPOINT_MODES.includes(db.endpoint.mode))
    problems.push({
      path: ['setup', 'database', 'endpoint', 'mode'],
      message: `endpoint mode ${db.endpoint.mode} is not available on the host target yet; set setup.database.endpoint.mode: ${HOST_ENDPOINT_MODES.join(' or ')}`,
    });
  if (db.endpoint.mode === 'vip' && scenario.controller.layers.database === 'platform')
    problems.push({
      path: ['setup', 'database', 'endpoint', 'mode'],
      message:
        "the host target's database VIP follows our controller's promotion (each member's writer check); with Patroni (controller.layers.database: platform) set endpoint.mode: dns or controller, or layers.database: controller",
    });
  if (db.endpoint.mode === 'dns' && !Number.isInteger(db.endpoint.ttlMs / 1000))
    problems.push({
      path: ['setup', 'database', 'endpoint', 'ttl'],
      message: `the host target serves the writer's name from a real DNS server, whose TTLs are whole seconds (RFC 2181 §8): ${db.endpoint.ttlMs} ms cannot be served; set ${
        db.endpoint.ttlMs < 1000 ? '0s (no caching) or 1s' : `${Math.floor(db.endpoint.ttlMs / 1000)}s or ${Math.ceil(db.endpoint.ttlMs / 1000)}s`
      }`,
    });
  const members = new Set([db.primary, db.standby]);
  const { setup } = scenario;
  const serving = [...(setup.vip?.nodes.map((n) => n.server) ?? []), ...(setup.loadBalancer?.targetGroups.flatMap((tg) => tg.targets) ?? [])];
  for (const server of serving.filter((s) => members.has(s)))
    problems.push({ path: ['setup', 'database', db.primary === server ? 'primary' : 'standby'], message: `${server} runs PostgreSQL on the host target, not the app: it cannot also serve the app behind ${setup.vip ? 'the VIP' : 'the load balancer'}` });
  if (!setup.vip && !setup.loadBalancer && members.has(setup.servers[0]!.id))
    problems.push({ path: ['setup', 'servers', 0], message: `the host target's clients call the first server, and ${setup.servers[0]!.id} is a setup.database member (it runs PostgreSQL): list an app server first` });
  scenario.faults.forEach((fault, i) => {
    if (SERVICE_FAULTS.has(fault.action) && members.has(fault.target) && (fault.service ?? 'app') === 'app')
      problems.push({ path: ['faults', i, 'service'], message: `${fault.target} runs PostgreSQL, not the app, on the host target: set service: postgres` });
  });
  return problems;
}

/** What the host target runs for real on this machine (network namespaces, keepalived, nginx, iptables). */
export const hostCapabilities: TargetCapabilities = {
  layers: {
    dns: { support: 'planned', how: 'real DNS server optional' },
    loadBalancer: { support: 'yes', how: 'nginx upstreams (primary + backup), passive checks; controller rewrites and reloads', kinds: ['nginx'] },
    vip: { support: 'yes', how: 'real keepalived in network namespaces, track_script, split brain observed, arbiter fencing (weight-0 vrrp_script asking the controller)' },
    database: {
      support: 'yes',
      how: 'real PostgreSQL streaming replication (async or sync) in namespaces; controller mode: pg_promote, fence (REJECT + immediate shutdown), apps repointed (endpoint controller: a pointer file; dns: a real DNS server whose record the apps cache for its TTL; vip: keepalived on the members, a weight-0 writer check `SELECT NOT pg_is_in_recovery()` so only the writer holds the address), pg_rewind rejoin; lost writes checked id by id; platform mode: Patroni (PyPI, pinned) with etcd fails over by itself, observed through etcd, its REST API and PostgreSQL',
    },
    autoscaling: { support: 'no', how: '—' },
  },
  faults: {
    'service-stop': { support: 'yes', how: 'SIGTERM the process (app, keepalived, nginx), start it again; postgres: immediate shutdown, start again (a fenced member rejoins as standby)' },
    'process-pause': { support: 'yes', how: 'SIGSTOP, then SIGCONT (postgres: the postmaster and all its children)' },
    'network-drop': { support: 'yes', how: 'iptables -I INPUT … -j DROP in the namespace (port, protocol incl. VRRP, peer)' },
    'packet-loss': { support: 'yes', how: 'iptables -m statistic --probability' },
    'network-partition': { support: 'yes', how: 'iptables DROP both ways in both namespaces' },
  },
  operations: { support: 'yes', how: 'controller over host ports (HTTP probes, keepalived, nginx)' },
  notify: { support: 'yes', how: 'webhook, Alertmanager v2 alerts API and SNS (topicArn) delivered by faildrill' },
  limits: hostLimits,
};
