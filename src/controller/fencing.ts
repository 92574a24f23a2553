import { PortError } from './port-error.js';
import type { Clock, EventSink, LeasePort, Notification, VirtualIpPort } from './ports.js';
import type { Supervisor } from './supervise.js';
import type { FencingSpec } from './types.js';

/** What {@link Fencing} needs from the controller. */
export interface FencingContext {
  spec: FencingSpec;
  /** The controller's health check interval: the loop runs at least this often. */
  checkIntervalMs: number;
  clock: Clock;
  events: EventSink;
  notify(notification: Notification): void;
  supervisor: Supervisor;
  virtualIp?: VirtualIpPort;
  lease?: LeasePort;
  /** Reports two holders of the address (`controller`/`split-brain`). */
  reportSplitBrain(vip: string, holders: string[]): void;
}

/**
 * Split-brain fencing of a virtual IP through an arbiter lease: a supervised loop renews the lease
 * for the one holder and, when two nodes hold the address, demotes every one but the lease owner
 * (or, without a live owner, the node of highest priority); and {@link authorize} lets a node take
 * the address only when it holds the lease.
 */
export class Fencing {
  readonly #key: string;
  readonly #loop: string;

  constructor(private readonly ctx: FencingContext) {
    this.#key = `vip/${ctx.spec.vip}`;
    this.#loop = `fencing:${ctx.spec.vip}`;
  }

  /** Lease renewal runs every min(check interval, TTL / 3), so a live holder's lease never lapses. */
  get intervalMs(): number {
    return Math.max(1, Math.min(this.ctx.checkIntervalMs, Math.floor(this.ctx.spec.leaseTtlMs / 3)));
  }

  /** Starts the fencing loop; without a VIP or lease port there is nothing to fence with, and it says so. */
  start(): void {
    const { virtualIp, lease, supervisor } = this.ctx;
    if (!virtualIp || !lease) {
      const missing = virtualIp ? 'lease' : 'virtualIp';
      supervisor.report(new PortError('INVALID', missing, 'fencing', `no ${missing} port: split brain cannot be fenced`), this.#loop, 1);
      return;
    }
    void supervisor.loop(this.#loop, () => this.#step(virtualIp, lease), { everyMs: this.intervalMs });
  }

  async #step(virtualIp: VirtualIpPort, lease: LeasePort): Promise<number> {
    const { spec, events, clock } = this.ctx;
    const holders = await virtualIp.getHolders(spec.vip);
    if (holders.length === 1) {
      await lease.acquire(this.#key, holders[0]!, spec.leaseTtlMs);
    } else if (holders.length > 1) {
      const owner = await lease.holder(this.#key);
      const keep = owner && holders.includes(owner) ? owner : [...holders].sort((a, b) => (spec.priorities[b] ?? 0) - (spec.priorities[a] ?? 0))[0]!;
      this.ctx.reportSplitBrain(spec.vip, holders);
      for (const node of holders.filter((h) => h !== keep)) {
        await virtualIp.demote(spec.vip, node);
        events.emit('controller', 'fenced', { vip: spec.vip, node, keep });
        this.ctx.notify({ atMs: clock.nowMs(), severity: 'warning', summary: `${spec.vip}: demoted ${node}, kept ${keep}` });
      }
      await lease.acquire(this.#key, keep, spec.leaseTtlMs);
    }
    return this.intervalMs;
  }

  /**
   * May `nodeId` take the virtual IP? Only if it holds (or can take) the arbiter lease. Never
   * rejects: when the arbiter cannot be asked, the error is reported and the answer is no (the node
   * stays backup and asks again when its master-down timer next runs out).
   */
  async authorize(nodeId: string): Promise<boolean> {
    const { spec, lease, events, clock } = this.ctx;
    if (!lease) return true;
    let granted: boolean;
    let reason = 'arbiter lease';
    try {
      granted = await lease.acquire(this.#key, nodeId, spec.leaseTtlMs);
    } catch (err) {
      const error = PortError.from(err, 'lease', 'acquire');
      this.ctx.supervisor.report(error, `authorize:${spec.vip}`, 1);
      granted = false;
      reason = `arbiter unreachable (${error.code})`;
    }
    events.emit('controller', 'fencing', { vip: spec.vip, node: nodeId, granted, by: reason });
    if (!granted)
      this.ctx.notify({
        atMs: clock.nowMs(),
        severity: 'warning',
        summary: `${spec.vip}: ${nodeId} wanted the address while another node holds the lease; kept it back`,
      });
    return granted;
  }
}
