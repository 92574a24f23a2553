import type { VirtualIpPort } from '../controller/ports.js';
import type { Scenario } from '../scenario/schema.js';
import type { SimContext } from './context.js';
import type { SimServer } from './server.js';
import { VrrpInstance } from './vrrp.js';

type VipSpec = NonNullable<Scenario['setup']['vip']>;

/**
 * keepalived on the VIP's nodes, and where clients' packets to the VIP go: to the node whose
 * gratuitous ARP they saw last, while it holds the address.
 */
export class SimVipLayer {
  readonly vrrp: VrrpInstance;
  /** The node clients' ARP caches point at. */
  #arpOwner: string | undefined;
  #authority?: (node: string) => Promise<boolean>;

  constructor(
    readonly spec: VipSpec,
    private readonly ctx: SimContext,
    private readonly servers: Map<string, SimServer>,
    private readonly onRouteChange: (from: string | undefined, to: string | undefined) => void,
  ) {
    const lossRng = ctx.rng.fork('vrrp.loss');
    this.vrrp = new VrrpInstance(
      {
        vip: spec.id,
        advertIntMs: spec.advertIntMs,
        preempt: spec.preempt,
        preemptDelayMs: spec.preemptDelayMs,
        nodes: spec.nodes.map((n) => ({ id: n.server, priority: n.priority, initialState: n.state })),
        ...(spec.trackScript ? { trackScript: spec.trackScript } : {}),
      },
      ctx.engine,
      ctx.rng.fork(`vrrp.${spec.id}`),
      {
        running: (node) => this.#server(node).serviceRunning('keepalived'),
        delivers: (from, to) => {
          const a = this.#server(from);
          const b = this.#server(to);
          if (!a.serviceRunning('keepalived') || !b.hostUp || a.isolated) return false;
          if (b.drops('vrrp', undefined, from)) return false;
          return b.lossRatio === 0 || lossRng.next() >= b.lossRatio;
        },
        checkScript: (node, timeoutMs) => {
          const response = this.#server(node).respondLocally();
          if (response.kind === 'no-answer') return { ok: false, tookMs: timeoutMs };
          if (response.kind === 'refused') return { ok: false, tookMs: 0 };
          return response.latencyMs <= timeoutMs ? { ok: true, tookMs: 0 } : { ok: false, tookMs: timeoutMs };
        },
        beforeChange: () => ctx.beforeRoutingChange(),
        authorizeMaster: (node) => (this.#authority ? this.#authority(node) : Promise.resolve(true)),
        onState: (node, state, previous, priority) =>
          ctx.events.emit('vip', 'state', { vip: spec.id, node, state, previous, priority }),
        onHolders: (holders, previous) => this.#holdersChanged(holders, previous),
        onScript: (node, ok) =>
          ctx.events.emit('vip', 'track.health', {
            vip: spec.id,
            target: node,
            script: spec.trackScript?.name ?? 'track_script',
            health: ok ? 'healthy' : 'unhealthy',
            priority: this.vrrp.effectivePriority(node),
          }),
      },
    );
  }

  /** Fencing: the controller decides whether a node may take the address. */
  setAuthority(authorize: (node: string) => Promise<boolean>): void {
    this.#authority = authorize;
  }

  /** Servers that receive requests sent to the VIP now. */
  backends(): string[] {
    return this.#arpOwner !== undefined && this.vrrp.holders.includes(this.#arpOwner) ? [this.#arpOwner] : [];
  }

  #server(id: string): SimServer {
    return this.servers.get(id)!;
  }

  #holdersChanged(holders: string[], previous: string[]): void {
    this.ctx.events.emit('vip', 'holders', { vip: this.spec.id, holders: holders.join(','), previous: previous.join(',') });
    const gained = holders.filter((h) => !previous.includes(h));
    const next = gained.at(-1) ?? (this.#arpOwner !== undefined && holders.includes(this.#arpOwner) ? this.#arpOwner : holders[0]);
    if (gained.length > 0) this.ctx.events.emit('vip', 'garp', { vip: this.spec.id, node: gained.at(-1)! });
    if (next === this.#arpOwner) return;
    const from = this.#arpOwner;
    this.#arpOwner = next;
    this.onRouteChange(from, next);
  }

  /** The controller's view of the VIP. */
  readonly port: VirtualIpPort = {
    getHolders: async () => [...this.vrrp.holders],
    moveTo: async (_vip, nodeId) => this.vrrp.takeOver(nodeId),
    demote: async (_vip, nodeId) => this.vrrp.demote(nodeId),
  };
}
