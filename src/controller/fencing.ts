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
}

/** The arbiter's answer to one node's track script. */
export interface ArbiterAnswer {
  granted: boolean;
  /** Why, in a few words (`lease`, `lease held by node-a`, `fenced`, `arbiter unreachable (TIMEOUT)`). */
  reason: string;
}

/**
 * Split-brain fencing of a virtual IP through an arbiter lease (an etcd/Consul lease on real
 * setups). The controller is the arbiter: a supervised loop renews the lease for the one node that
 * holds the address, and every node's keepalived runs a weight-0 `vrrp_script` that asks
 * {@link mayHold} whether the node may hold it; `fall` refusals in a row put that node in FAULT,
 * and keepalived removes the address. The answer:
 * - a node holding the address gets the lease (taken, renewed, or handed over from an owner that no
 *   longer holds it) unless another node owns the lease and still holds the address: then it is
 *   refused and fenced;
 * - a node without the address is eligible (it may stay backup and take over on master down) unless
 *   it was fenced and the owner that fenced it still holds the address: a fenced node stays in FAULT
 *   until the owner gives the address up (stopped, crashed, FAULT), so one partition gives one
 *   bounded overlap, not one per master-down interval;
 * - when the arbiter cannot see the holders or reach the lease, the answer is no.
 * So two nodes hold the address at most from a takeover until the `fall`-th refused run of the
 * taker's script has finished: fall × interval + timeout.
 */
export class Fencing {
  readonly #key: string;
  readonly #loop: string;
  readonly #fenced = new Set<string>();
  readonly #lastAnswer = new Map<string, string>();

  constructor(private readonly ctx: FencingContext) {
    this.#key = `vip/${ctx.spec.vip}`;
    this.#loop = `fencing:${ctx.spec.vip}`;
  }

  /** Lease renewal runs every min(check interval, TTL / 3), so a live holder's lease never lapses. */
  get intervalMs(): number {
    return Math.max(1, Math.min(this.ctx.checkIntervalMs, Math.floor(this.ctx.spec.leaseTtlMs / 3)));
  }

  /** Starts the renewal loop; without a VIP or lease port there is nothing to fence with, and it says so. */
  start(): void {
    const { virtualIp, lease, supervisor } = this.ctx;
    if (!virtualIp || !lease) {
      const missing = virtualIp ? 'lease' : 'virtualIp';
      supervisor.report(new PortError('INVALID', missing, 'fencing', `no ${missing} port: split brain cannot be fenced`), this.#loop, 1);
      return;
    }
    void supervisor.loop(this.#loop, () => this.#renew(virtualIp, lease), { everyMs: this.intervalMs });
  }

  async #renew(virtualIp: VirtualIpPort, lease: LeasePort): Promise<number> {
    const holders = await virtualIp.getHolders(this.ctx.spec.vip);
    if (holders.length === 1) await lease.acquire(this.#key, holders[0]!, this.ctx.spec.leaseTtlMs);
    return this.intervalMs;
  }

  /**
   * May `nodeId` hold the virtual IP? The question each node's arbiter script asks every interval.
   * Never rejects: when the arbiter cannot see the holders or reach the lease, the error is
   * reported and the answer is no. Emits `controller`/`fencing` when a node's answer changes.
   */
  async mayHold(nodeId: string): Promise<ArbiterAnswer> {
    let answer: ArbiterAnswer;
    try {
      answer = await this.#decide(nodeId);
    } catch (err) {
      const error = PortError.from(err, 'lease', 'mayHold');
      this.ctx.supervisor.report(error, `arbiter:${this.ctx.spec.vip}`, 1);
      answer = { granted: false, reason: `arbiter unreachable (${error.code})` };
    }
    this.#record(nodeId, answer);
    return answer;
  }

  async #decide(nodeId: string): Promise<ArbiterAnswer> {
    const { virtualIp, lease, spec } = this.ctx;
    if (!virtualIp || !lease) return { granted: true, reason: 'no arbiter' };
    const holders = await virtualIp.getHolders(spec.vip);
    const owner = await lease.holder(this.#key);
    const ownerHolds = owner !== undefined && owner !== nodeId && holders.includes(owner);
    if (!holders.includes(nodeId)) {
      if (this.#fenced.has(nodeId) && ownerHolds) return { granted: false, reason: `fenced while ${owner} holds the address` };
      this.#fenced.delete(nodeId);
      return { granted: true, reason: 'not holding the address' };
    }
    if (ownerHolds) {
      this.#fenced.add(nodeId);
      return { granted: false, reason: `lease held by ${owner}` };
    }
    if (owner !== undefined && owner !== nodeId) await lease.release(this.#key, owner);
    const granted = await lease.acquire(this.#key, nodeId, spec.leaseTtlMs);
    if (granted) this.#fenced.delete(nodeId);
    return { granted, reason: granted ? 'lease' : 'lease taken meanwhile' };
  }

  #record(nodeId: string, answer: ArbiterAnswer): void {
    const { spec, events, clock } = this.ctx;
    const key = `${answer.granted}:${answer.reason}`;
    if (this.#lastAnswer.get(nodeId) === key) return;
    this.#lastAnswer.set(nodeId, key);
    events.emit('controller', 'fencing', { vip: spec.vip, node: nodeId, granted: answer.granted, by: answer.reason });
    if (!answer.granted)
      this.ctx.notify({ atMs: clock.nowMs(), severity: 'warning', summary: `${spec.vip}: ${nodeId} may not hold the address (${answer.reason})` });
  }
}

