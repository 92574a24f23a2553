import type { FaultEffect } from '../../run/target.js';
import { nsRunOk, run, signal } from '../../targets/host/exec.js';
import type { Journal, UndoStep } from '../../targets/host/journal.js';

export type HostService = 'app' | 'keepalived' | 'nginx';

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
export function faultRules(fault: FaultEffect, host: FaultHost): Array<Extract<UndoStep, { kind: 'iptables' }>> {
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

async function insertRule(step: Extract<UndoStep, { kind: 'iptables' }>): Promise<void> {
  await nsRunOk(step.ns, 'iptables', ['-w', '5', '-I', step.chain, '1', ...step.rule]);
}

/** Deletes a rule; true when it was there. */
export async function deleteRule(step: Extract<UndoStep, { kind: 'iptables' }>): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', step.ns, 'iptables', '-w', '5', '-D', step.chain, ...step.rule]);
  return r.code === 0;
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
  const service = (fault.service ?? 'app') as HostService;
  switch (fault.action) {
    case 'network-drop':
    case 'network-partition':
    case 'packet-loss': {
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
    }
    case 'service-stop': {
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
    }
    case 'process-pause': {
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
    }
    default:
      throw new Error(`fault action '${fault.action}' is not available on the host target`);
  }
}
