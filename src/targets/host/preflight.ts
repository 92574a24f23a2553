import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { EnvironmentError, UsageError } from '../../errors.js';
import { faultCatalogue, faultKind } from '../../faults/catalogue.js';
import type { Scenario } from '../../scenario/schema.js';

/** A program on PATH (or in the sbin folders root's PATH usually has). */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface Requirement {
  name: string;
  why: string;
  present: () => boolean;
  install: string;
}

/** What a scenario needs on this machine to run on the host target. */
export function hostRequirements(scenario: Scenario): Requirement[] {
  const program = (name: string, pkg: string, why: string): Requirement => ({
    name,
    why,
    present: () => findProgram(name) !== undefined,
    install: `apt-get install ${pkg}`,
  });
  const reqs: Requirement[] = [
    {
      name: 'root',
      why: 'network namespaces, iptables and keepalived',
      present: () => process.getuid?.() === 0,
      install: 'run as root (sudo)',
    },
    program('ip', 'iproute2', 'network namespaces, veth pairs, the bridge'),
    program('iptables', 'iptables', 'network faults'),
  ];
  if (scenario.setup.vip) reqs.push(program('keepalived', 'keepalived', 'setup.vip (VRRP)'));
  if (scenario.setup.loadBalancer) reqs.push(program('nginx', 'nginx', 'setup.loadBalancer (nginx upstreams)'));
  reqs.push({
    name: 'autocannon',
    why: 'client load',
    present: () => {
      try {
        createRequire(import.meta.url).resolve('autocannon');
        return true;
      } catch {
        return false;
      }
    },
    install: 'npm install',
  });
  reqs.push({
    name: '/run/netns support',
    why: 'ip netns',
    present: () => existsSync('/proc/self/ns/net'),
    install: 'a kernel with network namespaces',
  });
  return reqs;
}

/** Throws {@link EnvironmentError} (exit 3) naming exactly what is missing; touches nothing. */
export function checkHostEnvironment(scenario: Scenario): void {
  const missing = hostRequirements(scenario).filter((r) => !r.present());
  if (missing.length === 0) return;
  const lines = missing.map((r) => `  ${r.name}: needed for ${r.why} (${r.install})`);
  throw new EnvironmentError(
    `the host target cannot run here; missing:\n${lines.join('\n')}`,
    missing.map((r) => r.name),
  );
}

const HOST_ACTIONS = faultCatalogue.filter((k) => k.targets.host).map((k) => k.action);

/**
 * Throws {@link UsageError} (exit 2) when the scenario needs something the host target does not
 * have: a DNS layer, a load balancer and a VIP together, a fault without a host injector.
 */
export function checkHostCapabilities(scenario: Scenario, file = 'scenario'): void {
  const problems: string[] = [];
  const { setup } = scenario;
  if (setup.dns) problems.push('setup.dns: the host target has no DNS layer (run it with --target sim)');
  if (setup.vip && setup.loadBalancer)
    problems.push('setup.vip and setup.loadBalancer together: the host target drills one entry layer per scenario (a VIP or nginx)');
  const vipNodes = new Set(setup.vip?.nodes.map((n) => n.server) ?? []);
  scenario.faults.forEach((f, i) => {
    const where = `faults[${i}] (${f.id})`;
    if (!faultKind(f.action)?.targets.host) {
      problems.push(`${where}: action '${f.action}' is not available on the host target; it has ${HOST_ACTIONS.join(', ')}`);
      return;
    }
    const service = f.service ?? 'app';
    if ((f.action === 'service-stop' || f.action === 'process-pause') && service === 'keepalived' && !vipNodes.has(f.target))
      problems.push(`${where}: ${f.target} runs no keepalived (it is not a setup.vip node)`);
    if ((f.action === 'service-stop' || f.action === 'process-pause') && service === 'nginx' && !setup.loadBalancer)
      problems.push(`${where}: service nginx needs setup.loadBalancer`);
  });
  scenario.operations.forEach((op, i) => {
    if (op.layer === 'dns') problems.push(`operations[${i}]: layer dns is not available on the host target`);
  });
  if (problems.length > 0) throw new UsageError(`${file}: cannot run on the host target:\n  ${problems.join('\n  ')}`);
}
