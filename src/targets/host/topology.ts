import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../../scenario/schema.js';
import { run, runOk } from './exec.js';
import { readJournal, runDirs, type Journal } from './journal.js';

/** Prefix of every network namespace faildrill creates; `faildrill cleanup` removes strays with it. */
export const NS_PREFIX = 'fd-';

/** One network namespace on the run's bridge. */
export interface HostNode {
  /** `client`, `controller`, `lb`, or a server id. */
  id: string;
  ns: string;
  ip: string;
  /** The bridge-side end of its veth pair (in the bridge's namespace). */
  port: string;
}

/** Names and addresses of one run: nothing is created until {@link buildTopology}. */
export interface HostPlan {
  runId: string;
  tag: string;
  dir: string;
  /** `198.18.37.0/24`. */
  subnet: string;
  prefix: number;
  bridgeNs: string;
  client: HostNode;
  controller: HostNode;
  lb?: HostNode;
  servers: Map<string, HostNode>;
  /** The virtual IP, when the scenario has setup.vip. */
  vip?: string;
  /** The database writer's virtual IP, when setup.database.endpoint.mode is vip. */
  dbVip?: string;
  appPort: number;
}

/** A short tag for a run: namespace names are `fd-<tag>-<role>`. */
export function runTag(seed: number): string {
  return createHash('sha256').update(`${process.pid}:${process.hrtime.bigint()}:${seed}`).digest('hex').slice(0, 6);
}

/** Subnets (`198.18.x.0/24`) that live runs under the state root are using. */
function subnetsInUse(): Set<string> {
  const used = new Set<string>();
  for (const dir of runDirs()) {
    const start = readJournal(join(dir, 'journal.jsonl')).find((e) => e.op === 'run');
    if (start && start.op === 'run') used.add(start.subnet);
  }
  return used;
}

/** The run's /24: `host.subnet` when the scenario names one, else one chosen from the tag that no other run uses. */
export function chooseSubnet(scenario: Scenario, tag: string): string {
  const wanted = scenario.host?.subnet;
  if (wanted) {
    const [a, b, c] = wanted.split('/')[0]!.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  const used = subnetsInUse();
  const start = parseInt(tag, 16) % 512;
  for (let i = 0; i < 512; i++) {
    const n = (start + i) % 512;
    const subnet = `198.${18 + (n >> 8)}.${n & 255}.0/24`;
    if (!used.has(subnet)) return subnet;
  }
  return `198.18.${start & 255}.0/24`;
}

/** The database VIP's host number in the run's /24. */
const DB_VIP_HOST = 99;

/** Plans names and addresses: .10 client, .11 controller, .20 load balancer, .99 database VIP, .100 VIP, .101… servers. */
export function planTopology(scenario: Scenario, runId: string, tag: string, dir: string): HostPlan {
  const subnet = chooseSubnet(scenario, tag);
  const base = subnet.split('.').slice(0, 3).join('.');
  const ns = (role: string) => `${NS_PREFIX}${tag}-${role}`;
  let port = 0;
  const node = (id: string, role: string, host: number): HostNode => ({ id, ns: ns(role), ip: `${base}.${host}`, port: `v${port++}` });
  const servers = new Map<string, HostNode>();
  scenario.setup.servers.forEach((s, i) => servers.set(s.id, node(s.id, `s${i}`, 101 + i)));
  const vipSpec = scenario.setup.vip;
  let vip: string | undefined;
  if (vipSpec) {
    const wanted = vipSpec.address?.split('/')[0];
    vip = wanted && wanted.startsWith(`${base}.`) ? wanted : `${base}.100`;
  }
  const dbVip = scenario.setup.database?.endpoint.mode === 'vip' ? `${base}.${DB_VIP_HOST}` : undefined;
  return {
    runId,
    tag,
    dir,
    subnet,
    prefix: 24,
    bridgeNs: ns('br'),
    client: node('client', 'client', 10),
    controller: node('controller', 'ctl', 11),
    ...(scenario.setup.loadBalancer ? { lb: node(scenario.setup.loadBalancer.id, 'lb', 20) } : {}),
    servers,
    ...(vip ? { vip } : {}),
    ...(dbVip ? { dbVip } : {}),
    appPort: scenario.host?.appPort ?? 80,
  };
}

/** Every namespace of the plan except the bridge's. */
export function memberNodes(plan: HostPlan): HostNode[] {
  return [plan.client, plan.controller, ...(plan.lb ? [plan.lb] : []), ...plan.servers.values()];
}

/**
 * Creates the namespaces: a bridge in a namespace of its own, and one namespace per member joined to
 * it by a veth pair. Each namespace is journaled before it is created. No namespace gets a route
 * beyond the run's /24, so no packet can leave. After `signal` aborts, no further namespace is begun
 * (the caller checks the signal and tears down what exists).
 */
export async function buildTopology(plan: HostPlan, journal: Journal, signal?: AbortSignal): Promise<void> {
  journal.write({ op: 'netns', name: plan.bridgeNs });
  await runOk('ip', ['netns', 'add', plan.bridgeNs]);
  await runOk('ip', ['-n', plan.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
  await runOk('ip', ['-n', plan.bridgeNs, 'link', 'set', 'br0', 'up']);
  await Promise.all(
    memberNodes(plan).map(async (node) => {
      if (signal?.aborted) return;
      journal.write({ op: 'netns', name: node.ns });
      await runOk('ip', ['netns', 'add', node.ns]);
      await runOk('ip', ['link', 'add', 'eth0', 'netns', node.ns, 'type', 'veth', 'peer', 'name', node.port, 'netns', plan.bridgeNs]);
      await runOk('ip', ['-n', plan.bridgeNs, 'link', 'set', node.port, 'master', 'br0']);
      await runOk('ip', ['-n', plan.bridgeNs, 'link', 'set', node.port, 'up']);
      await runOk('ip', ['-n', node.ns, 'link', 'set', 'lo', 'up']);
      await runOk('ip', ['-n', node.ns, 'addr', 'add', `${node.ip}/${plan.prefix}`, 'dev', 'eth0']);
      await runOk('ip', ['-n', node.ns, 'link', 'set', 'eth0', 'up']);
    }),
  );
}

/** Namespaces that exist now with the faildrill prefix. */
export async function listNamespaces(prefix = NS_PREFIX): Promise<string[]> {
  const result = await run('ip', ['netns', 'list']);
  return result.stdout
    .split('\n')
    .map((line) => line.split(' ')[0]!.trim())
    .filter((name) => name.startsWith(prefix));
}

/** Pids of the processes inside a namespace. */
export async function namespacePids(ns: string): Promise<number[]> {
  if (!existsSync(`/run/netns/${ns}`)) return [];
  const result = await run('ip', ['netns', 'pids', ns]);
  return result.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}
