import type { FaultPlan } from '../../run/plan.js';
import type { FaultEffect } from '../../run/target.js';
import { commandLine, SERVICE_STOP_GRACE_MS } from '../../targets/host/commands.js';
import { inNamespace, run, runOk, signal } from '../../targets/host/exec.js';
import type { Journal, UndoStep } from '../../targets/host/journal.js';

export type HostService = 'app' | 'keepalived' | 'nginx' | 'postgres';

/** What the injector needs from the run: addresses and the services it may stop, start or pause. */
export interface FaultHost {
  tag: string;
  nsOf(server: string): string;
  ipOf(server: string): string;
  /** Whether the service exists for this target (keepalived only on VIP nodes, nginx only with a load balancer). */
  hasService(server: string, service: HostService): boolean;
  /** Stops the service; `onSignalled` runs once the stop signal was sent (the fault takes effect). */
  stopService(server: string, service: HostService, onSignalled: () => void): Promise<void>;
  startService(server: string, service: HostService): Promise<void>;
  /** The service's processes (parent and children) and the namespace they run in. */
  servicePids(server: string, service: HostService): { ns: string; pids: number[] };
}

/** An applied fault: what it did, and how to take it back. */
export interface AppliedFault {
  detail: Record<string, string | number | boolean>;
  undo: () => Promise<void>;
}

const PROTOCOL_NUMBER: Record<string, string> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp', vrrp: '112' };

/** iptables match of a network-drop: port (tcp unless a protocol says otherwise), protocol, peer. */
export function dropMatch(fault: Pick<FaultEffect, 'port' | 'protocol' | 'peer'>, peerIp?: string): string[] {
  const match: string[] = [];
  const protocol = fault.protocol ?? (fault.port !== undefined ? 'tcp' : undefined);
  if (protocol && protocol !== 'all') match.push('-p', PROTOCOL_NUMBER[protocol]!);
  if (fault.port !== undefined) match.push('--dport', String(fault.port));
  if (peerIp) match.push('-s', peerIp);
  return match;
}

/** The iptables rules of a fault, one per namespace and chain, each tagged with a comment naming run and fault. */
export function faultRules(fault: FaultEffect, host: Pick<FaultHost, 'tag' | 'nsOf' | 'ipOf'>): Array<Extract<UndoStep, { kind: 'iptables' }>> {
  const comment = ['-m', 'comment', '--comment', `faildrill:${host.tag}:${fault.id}`];
  const ns = host.nsOf(fault.target);
  switch (fault.action) {
    case 'network-drop':
      return [{ kind: 'iptables', ns, chain: 'INPUT', rule: [...dropMatch(fault, fault.peer ? host.ipOf(fault.peer) : undefined), ...comment, '-j', 'DROP'] }];
    case 'network-partition': {
      const peer = fault.peer!;
      return [
        { kind: 'iptables', ns, chain: 'INPUT', rule: ['-s', host.ipOf(peer), ...comment, '-j', 'DROP'] },
        { kind: 'iptables', ns: host.nsOf(peer), chain: 'INPUT', rule: ['-s', host.ipOf(fault.target), ...comment, '-j', 'DROP'] },
      ];
    }
    case 'packet-loss':
      return [
        {
          kind: 'iptables',
          ns,
          chain: 'INPUT',
          rule: ['-m', 'statistic', '--mode', 'random', '--probability', String(fault.loss), ...comment, '-j', 'DROP'],
        },
      ];
    default:
      return [];
  }
}

/** The `ip` argument vector that inserts (`-I`, first in the chain) or deletes (`-D`) a fault's rule in its namespace. */
export function iptablesArgs(step: Extract<UndoStep, { kind: 'iptables' }>, op: '-I' | '-D'): string[] {
  return inNamespace(step.ns, 'iptables', ['-w', '5', op, step.chain, ...(op === '-I' ? ['1'] : []), ...step.rule]);
}

async function insertRule(step: Extract<UndoStep, { kind: 'iptables' }>): Promise<void> {
  await runOk('ip', iptablesArgs(step, '-I'));
}

/** Deletes a rule; true when it was there. */
export async function deleteRule(step: Extract<UndoStep, { kind: 'iptables' }>): Promise<boolean> {
  const r = await run('ip', iptablesArgs(step, '-D'));
  return r.code === 0;
}

/** What describing a host fault needs: the run's names and addresses, and how each service is started. */
export type FaultPlanHost = Pick<FaultHost, 'tag' | 'nsOf' | 'ipOf'> & {
  /** The command that starts `service` on `server` (what a restart runs). */
  startCommand(server: string, service: HostService): { ns: string; command: string; args: string[] };
};

/** One fault action on the host: how it is applied (journaled first), and the same as command lines, side by side. */
interface HostFaultKind {
  inject(fault: FaultEffect, host: FaultHost, journal: Journal, onEffect: (detail: AppliedFault['detail']) => void): Promise<AppliedFault>;
  describe(fault: FaultEffect, host: FaultPlanHost): FaultPlan;
}

const serviceOf = (fault: FaultEffect) => (fault.service ?? 'app') as HostService;
const line = (args: string[]) => commandLine('ip', args);

/** network-drop, network-partition, packet-loss: the iptables rules of {@link faultRules}. */
const iptablesFault: HostFaultKind = {
  async inject(fault, host, journal, onEffect) {
    const rules = faultRules(fault, host);
    journal.write({ op: 'fault', id: fault.id, action: fault.action, target: fault.target, steps: rules });
    const applied: typeof rules = [];
    try {
      for (const rule of rules) {
        await insertRule(rule);
        applied.push(rule);
      }
    } catch (err) {
      for (const rule of applied) await deleteRule(rule);
      journal.write({ op: 'fault.undone', id: fault.id });
      throw err;
    }
    const detail = { rules: rules.map((r) => `${r.ns}: iptables -I ${r.chain} ${r.rule.join(' ')}`).join('; ') };
    onEffect(detail);
    return {
      detail,
      undo: async () => {
        for (const rule of rules) await deleteRule(rule);
        journal.write({ op: 'fault.undone', id: fault.id });
      },
    };
  },
  describe(fault, host) {
    const rules = faultRules(fault, host);
    return { apply: rules.map((r) => line(iptablesArgs(r, '-I'))), undo: rules.map((r) => line(iptablesArgs(r, '-D'))) };
  },
};

const HOST_FAULTS: Record<string, HostFaultKind> = {
  'network-drop': iptablesFault,
  'network-partition': iptablesFault,
  'packet-loss': iptablesFault,
  'service-stop': {
    async inject(fault, host, journal, onEffect) {
      const service = serviceOf(fault);
      const { ns } = host.servicePids(fault.target, service);
      journal.write({ op: 'fault', id: fault.id, action: fault.action, target: fault.target, steps: [{ kind: 'restart', ns, service, server: fault.target }] });
      await host.stopService(fault.target, service, () => onEffect({ service }));
      return {
        detail: { service },
        undo: async () => {
          await host.startService(fault.target, service);
          journal.write({ op: 'fault.undone', id: fault.id });
        },
      };
    },
    describe(fault, host) {
      const service = serviceOf(fault);
      const start = host.startCommand(fault.target, service);
      return {
        apply: [`kill -TERM <pids of ${service} on ${fault.target} in ${start.ns}>; kill -KILL after ${SERVICE_STOP_GRACE_MS / 1000} s if still running`],
        undo: [line(inNamespace(start.ns, start.command, start.args))],
      };
    },
  },
  'process-pause': {
    async inject(fault, host, journal, onEffect) {
      const service = serviceOf(fault);
      const { ns, pids } = host.servicePids(fault.target, service);
      journal.write({ op: 'fault', id: fault.id, action: fault.action, target: fault.target, steps: [{ kind: 'resume', ns, pids }] });
      for (const pid of pids) signal(pid, 'SIGSTOP');
      onEffect({ service, pids: pids.join(',') });
      return {
        detail: { service, pids: pids.join(',') },
        undo: async () => {
          for (const pid of pids) signal(pid, 'SIGCONT');
          journal.write({ op: 'fault.undone', id: fault.id });
        },
      };
    },
    describe(fault, host) {
      const service = serviceOf(fault);
      const { ns } = host.startCommand(fault.target, service);
      const pids = `<pids of ${service} on ${fault.target} and its children in ${ns}>`;
      return { apply: [`kill -STOP ${pids}`], undo: [`kill -CONT ${pids}`] };
    },
  },
};

function kindOf(action: string): HostFaultKind {
  if (!Object.hasOwn(HOST_FAULTS, action)) throw new Error(`fault action '${action}' is not available on the host target`);
  return HOST_FAULTS[action]!;
}

/**
 * Applies a fault for real, after writing it (with everything needed to undo it) to the journal.
 * network-drop / network-partition / packet-loss: iptables in the namespaces; service-stop: SIGTERM
 * and start again; process-pause: SIGSTOP and SIGCONT.
 */
export async function injectHostFault(
  fault: FaultEffect,
  host: FaultHost,
  journal: Journal,
  onEffect: (detail: AppliedFault['detail']) => void,
): Promise<AppliedFault> {
  return kindOf(fault.action).inject(fault, host, journal, onEffect);
}

/** The command lines {@link injectHostFault} would run for `fault`, and those of its undo; runs nothing. */
export function describeHostFault(fault: FaultEffect, host: FaultPlanHost): FaultPlan {
  return kindOf(fault.action).describe(fault, host);
}
