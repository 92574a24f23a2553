import { PortError } from '../controller/port-error.js';
import type { VirtualIpPort } from '../controller/ports.js';
import type { Scenario } from '../scenario/schema.js';
import type { SimContext } from './context.js';
import type { SimServer } from './server.js';
import { trackScriptPhaseMs } from '../scenario/script-phase.js';
import { ArbiterScript } from './arbiter-script.js';
import { vrrpDelivery } from './vrrp-delivery.js';
import { moveBudgetMs, VrrpInstance, type GarpReason } from './vrrp.js';

type VipSpec = NonNullable<Scenario['setup']['vip']>;

/**
 * keepalived on the VIP's nodes, and where clients' packets to the VIP go: to the node whose
 * gratuitous ARP they saw last, while it holds the address.
 */
export class SimVipLayer {
  readonly vrrp: VrrpInstance;
  /** The node clients' ARP caches point at. */
  #arpOwner: string | undefined;
  #arbiterScript?: ArbiterScript;

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
        version: spec.vrrpVersion,
        preempt: spec.preempt,
        preemptDelayMs: spec.preemptDelayMs,
        nodes: spec.nodes.map((n) => ({ id: n.server, priority: n.priority, initialState: n.state })),
        ...(spec.trackScript ? { trackScript: spec.trackScript, scriptPhaseMs: trackScriptPhaseMs(ctx.rng.seed, spec.id, spec.trackScript.intervalMs) } : {}),
      },
      ctx.engine,
      ctx.rng.fork(`vrrp.${spec.id}`),
      {
        running: (node) => this.#server(node).serviceRunning('keepalived'),
        frozen: (node) => {
          const server = this.#server(node);
          return server.hostUp && !server.serviceStopped('keepalived') && !server.serviceRunning('keepalived');
        },
        delivers: vrrpDelivery((id) => this.#server(id), lossRng),
        checkScript: (node, timeoutMs) => {
          const response = this.#server(node).respondLocally();
          if (response.kind === 'no-answer') return { ok: false, tookMs: timeoutMs };
          if (response.kind === 'refused') return { ok: false, tookMs: 0 };
          return response.latencyMs <= timeoutMs ? { ok: true, tookMs: 0 } : { ok: false, tookMs: timeoutMs };
        },
        beforeChange: () => ctx.beforeRoutingChange(),
        onState: (node, state, previous, priority) =>
          ctx.events.emit('vip', 'state', { vip: spec.id, node, state, previous, priority }),
        onHolders: (holders, previous) => this.#holdersChanged(holders, previous),
        onGarp: (node, reason) => this.#garp(node, reason),
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

  /**
   * Fencing (`fencing: arbiter`): starts the fencing vrrp_script on every node, asking `ask` (the
   * controller's arbiter) whether the node may hold the address; failed, it puts the node in FAULT.
   */
  setArbiter(ask: (node: string) => Promise<{ granted: boolean }>): void {
    const script = this.spec.fencingScript;
    if (this.spec.fencing !== 'arbiter' || this.#arbiterScript) return;
    this.#arbiterScript = new ArbiterScript(script, this.spec.nodes.map((n) => n.server), this.ctx.engine, this.ctx.rng.fork(`vrrp.${this.spec.id}.arbiter`), {
      running: (node) => this.#server(node).serviceRunning('keepalived'),
      reachesArbiter: (node) => this.#server(node).hostUp && !this.#server(node).isolated,
      ask,
      onVerdict: (node, ok) => {
        this.ctx.events.emit('vip', 'arbiter.script', { vip: this.spec.id, node, script: script.name, ok });
        this.vrrp.scriptFault(node, script.name, !ok);
      },
    });
  }

  /** Servers that receive requests sent to the VIP now. */
  backends(): string[] {
    return this.#arpOwner !== undefined && this.vrrp.holders.includes(this.#arpOwner) ? [this.#arpOwner] : [];
  }

  #server(id: string): SimServer {
    return this.servers.get(id)!;
  }

  /**
   * Clients keep sending to the node their ARP entry names while it holds the address; when it lets the
   * address go they resolve it again and reach a holder. Gratuitous ARPs ({@link #garp}) move them.
   */
  #holdersChanged(holders: string[], previous: string[]): void {
    this.ctx.events.emit('vip', 'holders', { vip: this.spec.id, holders: holders.join(','), previous: previous.join(',') });
    if (this.#arpOwner === undefined || !holders.includes(this.#arpOwner)) this.#routeTo(holders[0]);
  }

  /** A node's gratuitous ARPs reach the clients' segment (unless the node is down or cut off): their ARP entries name it. */
  #garp(node: string, reason: GarpReason): void {
    const server = this.#server(node);
    if (!this.vrrp.holders.includes(node) || !server.hostUp || server.isolated) return;
    this.ctx.events.emit('vip', 'garp', { vip: this.spec.id, node, reason });
    if (node === this.#arpOwner) return;
    this.ctx.beforeRoutingChange();
    this.#routeTo(node);
  }

  #routeTo(next: string | undefined): void {
    if (next === this.#arpOwner) return;
    const from = this.#arpOwner;
    this.#arpOwner = next;
    this.onRouteChange(from, next);
  }

  /** The controller's view of the VIP. */
  readonly port: VirtualIpPort = {
    getHolders: async () => [...this.vrrp.holders],
    moveTo: async (_vip, nodeId) => {
      this.vrrp.takeOver(nodeId);
      const budgetMs = moveBudgetMs(this.spec.advertIntMs, this.spec.preemptDelayMs);
      if (!(await this.vrrp.whenSoleHolder(nodeId, budgetMs)))
        throw new PortError('TIMEOUT', 'virtualIp', 'moveTo', `${nodeId} did not take ${this.spec.id} within ${budgetMs} ms`);
    },
    demote: async (_vip, nodeId) => this.vrrp.demote(nodeId),
  };
}
