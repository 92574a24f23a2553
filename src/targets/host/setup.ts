import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from './journal.js';
import { KeepalivedNode, type KeepalivedLogEvent, type VipSpec } from './keepalived.js';
import { NginxLb } from './nginx.js';
import { HostProbePort } from './ports.js';
import { NsProcess } from './process.js';
import { programFile } from './programs/locate.js';
import { ARBITER_SCRIPT, CHECK_SCRIPT } from './programs/track-script.js';
import { ARBITER_PORT, type ArbiterEndpoint } from './arbiter-endpoint.js';
import { abortError, waitUntil } from '../shared/timers.js';
import { buildTopology } from './topology.js';
import { setUpDatabase } from './db-setup.js';
import { VipObserver } from './vip.js';
import type { Emit, HostWorld } from './world.js';

const APPS_HEALTHY_MS = 10_000;
const NGINX_ANSWERING_MS = 10_000;
const ARBITER_LISTENING_MS = 10_000;
/** Slack beyond keepalived's own timers for the first master to settle. */
const VIP_SETTLE_SLACK_MS = 10_000;

/**
 * Builds a host run's world, journaling each thing before it is made: namespaces on a bridge, the
 * PostgreSQL pair on the database members, an app per other server, the prober, keepalived with its
 * VIP observer, nginx; then waits until the setup is
 * steady (apps healthy, the highest-priority node holding the VIP alone, nginx answering). Checks
 * `world.signal` between steps and inside every wait: an abort throws its reason; what exists by
 * then is the caller's to tear down.
 */
export async function setUp(world: HostWorld, arbiter?: ArbiterEndpoint): Promise<void> {
  const { plan, scenario, journal, signal } = world;
  const step = () => {
    if (signal.aborted) throw abortError(signal);
  };
  journal.write({
    op: 'run',
    runId: plan.runId,
    tag: plan.tag,
    pid: process.pid,
    pidStart: processStartTime(process.pid) ?? '',
    scenario: scenario.name,
    subnet: plan.subnet,
    startedAt: new Date().toISOString(),
  });
  writeFileSync(join(plan.dir, 'check.sh'), CHECK_SCRIPT, { mode: 0o700 });
  step();
  await buildTopology(plan, journal, signal);
  step();
  if (scenario.setup.database) {
    await setUpDatabase(world);
    step();
  }
  const apps = [...plan.servers.keys()].filter((s) => world.services.runsApp(s));
  for (const server of apps) world.services.startApp(server);
  startProber(world);
  await Promise.all(apps.map((s) => world.waitHealthy(s, APPS_HEALTHY_MS)));
  step();

  const vip = scenario.setup.vip;
  if (vip?.fencing === 'arbiter' && arbiter) {
    writeFileSync(join(plan.dir, 'arbiter.sh'), ARBITER_SCRIPT, { mode: 0o700 });
    await startArbiter(world, arbiter);
    step();
  }
  if (vip) {
    for (const spec of vip.nodes) {
      const host = plan.servers.get(spec.server)!;
      const node = KeepalivedNode.ofVip(plan, vip, spec, host, keepalivedEvents(vip, world.emit), world.track(`keepalived:${spec.server}`, host.ns));
      node.writeConfig();
      world.services.keepalived.set(spec.server, node);
    }
    world.vipObserver = new VipObserver(
      vip.id,
      plan.vip!,
      vip.nodes.map((n) => plan.servers.get(n.server)!),
      plan.client,
      world.emit,
      () => world.clock.nowMs(),
      vip.advertIntMs,
    );
    await world.vipObserver.start((pid, ns, role) => world.track(role, ns)(pid));
    step();
    for (const node of world.services.keepalived.values()) node.start();
    await waitVipSettled(world, vip);
  }
  const lb = scenario.setup.loadBalancer;
  if (lb) {
    const nginx = new NginxLb(plan, scenario, lb, world.emit, world.track('nginx', plan.lb!.ns));
    world.services.nginx = nginx;
    nginx.start();
    nginx.watch();
    const port = world.probePort!;
    await waitUntil(async () => (await port.probe(lb.id, { path: '/', timeoutMs: 1_000 })).ok, {
      timeoutMs: NGINX_ANSWERING_MS,
      what: 'nginx answering through its upstream',
      signal,
    });
  }
  step();
}

/**
 * The arbiter the nodes' fencing scripts ask: `arbiter` listens on a Unix socket in the run's
 * folder, and a relay (`arbiter-relay.ts`) in the controller's namespace forwards
 * `<controller address>:ARBITER_PORT` to it.
 */
async function startArbiter(world: HostWorld, arbiter: ArbiterEndpoint): Promise<void> {
  const { plan } = world;
  const socketPath = join(plan.dir, 'arbiter.sock');
  await arbiter.listen(socketPath);
  let listening = false;
  const relay = new NsProcess({
    ns: plan.controller.ns,
    role: 'arbiter-relay',
    command: process.execPath,
    args: [programFile('targets/host/arbiter-relay'), plan.controller.ip, String(ARBITER_PORT), socketPath, String(world.lifetimeMs)],
    logFile: join(plan.dir, 'arbiter-relay.log'),
    onLine: (line) => {
      if (line === 'listening') listening = true;
    },
  });
  if (relay.pid) world.track('arbiter-relay', plan.controller.ns)(relay.pid);
  await waitUntil(async () => listening, { timeoutMs: ARBITER_LISTENING_MS, what: 'the arbiter relay listening', signal: world.signal });
}

/** The controller's health prober (`programs/prober.ts`) in the controller's namespace. */
function startProber(world: HostWorld): void {
  const ns = world.plan.controller.ns;
  const prober = new NsProcess({
    ns,
    role: 'prober',
    command: process.execPath,
    args: [programFile('targets/host/programs/prober'), String(world.lifetimeMs)],
    stdin: true,
    logFile: join(world.plan.dir, 'prober.log'),
  });
  if (prober.pid) world.track('prober', ns)(prober.pid);
  world.prober = prober;
  world.probePort = new HostProbePort(prober, (endpoint) => world.baseUrl(endpoint));
}

/** Waits until the highest-priority node holds the VIP alone and every track script has reported. */
async function waitVipSettled(world: HostWorld, vip: VipSpec): Promise<void> {
  const master = [...vip.nodes].sort((a, b) => b.priority - a.priority)[0]!.server;
  const scriptMs = vip.trackScript ? vip.trackScript.intervalMs * vip.trackScript.rise + vip.trackScript.timeoutMs : 0;
  const nodes = world.services.keepalived;
  await waitUntil(
    async () => {
      const holders = await world.vipObserver!.pollOnce();
      const scripts = !vip.trackScript || [...nodes.values()].every((n) => n.scriptOk === true);
      return holders.length === 1 && holders[0] === master && scripts && nodes.get(master)!.state === 'master';
    },
    {
      timeoutMs: 4 * vip.advertIntMs + 2 * vip.preemptDelayMs + scriptMs + VIP_SETTLE_SLACK_MS,
      what: `keepalived: ${master} holding ${world.plan.vip} alone`,
      signal: world.signal,
    },
  );
}

/** keepalived's log, as `vip` events: state changes, track script verdicts, priority changes. */
function keepalivedEvents(vip: VipSpec, emit: Emit): (node: KeepalivedNode, event: KeepalivedLogEvent) => void {
  return (node, event) => {
    if (event.kind === 'state') {
      emit('vip', 'state', { vip: vip.id, node: node.id, state: event.state, previous: node.previousState, priority: node.priority, source: 'keepalived log' });
    } else if (event.kind === 'script' && vip.fencing === 'arbiter' && event.script === vip.fencingScript.name) {
      emit('vip', 'arbiter.script', { vip: vip.id, node: node.id, script: event.script, ok: event.ok, source: 'keepalived log' });
    } else if (event.kind === 'script') {
      emit('vip', 'track.health', {
        vip: vip.id,
        target: node.id,
        script: event.script,
        health: event.ok ? 'healthy' : 'unhealthy',
        priority: Math.min(254, Math.max(1, node.basePriority + (event.ok ? 0 : (vip.trackScript?.weight ?? 0)))),
        ...(event.reason ? { reason: event.reason } : {}),
      });
    } else if (event.kind === 'priority') {
      emit('vip', 'priority', { vip: vip.id, node: node.id, from: event.from, to: event.to });
    }
  };
}
