import { PortError } from '../../controller/port-error.js';
import type { VirtualIpPort } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import type { KeepalivedNode, VipSpec } from './keepalived.js';
import { sleep } from '../shared/timers.js';
import type { VipObserver } from './vip.js';

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** Slack beyond keepalived's own timers (master down + preempt delay) for a move to show. */
const MOVE_SLACK_MS = 2_000;
const POLL_MS = 50;

/** The priority that makes `nodeId` win over every other node, even when its track script fails. */
export function movePriority(vip: VipSpec, nodeId: string): number {
  const others = vip.nodes.filter((n) => n.server !== nodeId).map((n) => n.priority);
  return Math.min(254, Math.max(...others) + Math.abs(vip.trackScript?.weight ?? 0) + 1);
}

/** How long a move may take: a backup takes over after master down (≤ 4 advert intervals with skew) and the preempt delay. */
export function moveBudgetMs(vip: VipSpec): number {
  return 4 * vip.advertIntMs + vip.preemptDelayMs + MOVE_SLACK_MS;
}

/**
 * The controller's view of the VIP on the host: holders by polling the namespaces, moves by
 * rewriting keepalived's priorities and reloading it, demotion (fencing) by stopping keepalived.
 * A move that does not show within {@link moveBudgetMs} throws a `TIMEOUT` {@link PortError}.
 */
export function hostVirtualIpPort(vip: VipSpec, address: string, observer: VipObserver, nodes: ReadonlyMap<string, KeepalivedNode>, emit: Emit): VirtualIpPort {
  return {
    getHolders: async () => observer.pollOnce(),
    moveTo: async (_vip, nodeId) => {
      if (!nodes.has(nodeId)) throw new PortError('INVALID', 'virtualIp', 'moveTo', `${nodeId} is not a node of ${vip.id}`);
      const boost = movePriority(vip, nodeId);
      for (const node of nodes.values()) {
        node.writeConfig(node.id === nodeId ? Math.max(boost, node.basePriority) : node.basePriority);
        node.reload();
      }
      emit('vip', 'move', { vip: vip.id, node: nodeId, priority: boost, how: 'keepalived priority' });
      const budgetMs = moveBudgetMs(vip);
      const start = Date.now();
      while (Date.now() - start < budgetMs) {
        const holders = await observer.pollOnce();
        if (holders.length === 1 && holders[0] === nodeId) return;
        await sleep(POLL_MS);
      }
      throw new PortError('TIMEOUT', 'virtualIp', 'moveTo', `${nodeId} did not take ${address} within ${budgetMs} ms`);
    },
    demote: async (_vip, nodeId) => {
      await nodes.get(nodeId)?.stop();
      emit('vip', 'fenced', { vip: vip.id, node: nodeId, how: 'keepalived stopped' });
    },
  };
}
