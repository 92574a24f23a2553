import { DB_VIP_PRIORITY, WRITER_CHECK_SCRIPT, type DbVipSpec } from '../scenario/db-vip.js';
import type { DatabaseSpec } from '../scenario/schema.js';
import { writerCheckPhaseMs } from '../scenario/script-phase.js';
import type { SimContext } from './context.js';
import type { SimServer } from './server.js';
import { vrrpDelivery } from './vrrp-delivery.js';
import { VrrpInstance, type GarpReason } from './vrrp.js';
import { WriterCheck, type KeepalivedRun } from './writer-check.js';

/** What the database VIP asks of the database model. */
export interface DbVipEnvironment {
  /**
   * `member`'s PostgreSQL is out of recovery and the database's writer now: promotion completed and not
   * fenced (the controller's fence shuts the old writer down as the failover starts). Whether the
   * server runs it at all is the server's (stopped, frozen).
   */
  isWriter(member: string): boolean;
}

/**
 * Endpoint mode `vip` of a postgres-streaming database: keepalived on both members with one VRRPv2
 * instance (the primary `state MASTER` priority 100, the standby `state BACKUP` priority 90, preempt),
 * each tracking the weight-0 writer check `check_writer` that asks its own PostgreSQL `SELECT NOT
 * pg_is_in_recovery()` over the Unix socket: failed `fall` runs in a row, keepalived puts the member in
 * FAULT (a master sends priority 0 and drops the address); passed `rise` runs, it is a backup again and
 * takes the address after Master_Down_Interval unless it hears a master. The apps write to the address:
 * to the member their ARP entry names while it holds it, which a new master's gratuitous ARPs change.
 *
 * The check reads only the member itself: a stopped PostgreSQL fails it at once (socket refused), a
 * frozen one at the timeout, network faults not at all. Its first run is at `writerCheckPhaseMs`
 * (both members, as on the host). Events go under component `db` (`vip.state`, `vip.holders`,
 * `vip.check`, `vip.garp`, and `route.changed` with `via: 'vip'` when the apps' writes move to the other
 * member), apart from the app VIP's `vip` ones.
 */
export class SimDbVip {
  readonly vrrp: VrrpInstance;
  readonly #check: WriterCheck;
  /** The member the apps' ARP entry for the address names (undefined once it let the address go, until another takes it). */
  #arpOwner: string | undefined;
  /** The member the apps' writes last went to (route.changed reports moves between members only). */
  #routedTo: string;
  readonly #name: string;

  constructor(
    readonly db: DatabaseSpec,
    readonly vip: DbVipSpec,
    private readonly ctx: SimContext,
    private readonly servers: Map<string, SimServer>,
    private readonly env: DbVipEnvironment,
  ) {
    this.#name = `${db.id}-vip`;
    this.#routedTo = db.primary;
    const members = [db.primary, db.standby];
    const phaseMs = writerCheckPhaseMs(ctx.rng.seed, db.id, vip.check.intervalMs);
    const lossRng = ctx.rng.fork(`db-vip.${db.id}.loss`);
    this.vrrp = new VrrpInstance(
      {
        vip: this.#name,
        advertIntMs: vip.advertIntMs,
        version: 2,
        preempt: true,
        preemptDelayMs: 0,
        nodes: [
          { id: db.primary, priority: DB_VIP_PRIORITY.primary, initialState: 'MASTER' },
          { id: db.standby, priority: DB_VIP_PRIORITY.standby, initialState: 'BACKUP' },
        ],
        startPhaseMs: phaseMs,
      },
      ctx.engine,
      ctx.rng.fork(`db-vip.${db.id}.vrrp`),
      {
        running: (node) => this.#server(node).serviceRunning('keepalived'),
        frozen: (node) => this.#keepalived(node) === 'frozen',
        delivers: vrrpDelivery((id) => this.#server(id), lossRng),
        // no track_script in the instance: the writer check runs beside it (WriterCheck) and reports through scriptFault
        checkScript: () => ({ ok: true, tookMs: 0 }),
        beforeChange: () => ctx.beforeRoutingChange(),
        onState: (node, state, previous, priority) => this.#emit('vip.state', { node, state, previous, priority }),
        onHolders: (holders, previous) => this.#holdersChanged(holders, previous),
        onGarp: (node, reason) => this.#garp(node, reason),
        onScript: () => undefined,
      },
    );
    const { intervalMs, timeoutMs, fall, rise } = vip.check;
    this.#check = new WriterCheck({ intervalMs, timeoutMs, fall, rise }, members, phaseMs, ctx.engine, {
      keepalived: (node) => this.#keepalived(node),
      run: (node) => this.#runCheck(node),
      onVerdict: (node, verdict) => this.#verdict(node, verdict),
    });
    // keepalived started before time 0 and ran its check at once: the standby (in recovery) is in FAULT
    for (const member of members) if (!this.#check.verdict(member)) this.#verdict(member, false);
  }

  /** The member the apps' writes reach now: the one their ARP entry names, while it holds the address. */
  backend(): string | undefined {
    return this.#arpOwner !== undefined && this.vrrp.holders.includes(this.#arpOwner) ? this.#arpOwner : undefined;
  }

  /** Something changed on the members (a fault or its undo): keepalived that froze, stopped, resumed or restarted moves its check's timer. */
  worldChanged(): void {
    this.#check.refresh();
  }

  #server(id: string): SimServer {
    return this.servers.get(id)!;
  }

  #keepalived(node: string): KeepalivedRun {
    const server = this.#server(node);
    if (server.serviceRunning('keepalived')) return 'running';
    return server.hostUp && !server.serviceStopped('keepalived') ? 'frozen' : 'gone';
  }

  /**
   * `SELECT NOT pg_is_in_recovery()` over the member's own Unix socket: a stopped server refuses at once,
   * a frozen one never answers (the run is killed at the timeout), packet filters and latency do not apply.
   */
  #runCheck(member: string): { ok: boolean; tookMs: number } {
    const server = this.#server(member);
    if (server.serviceStopped('app')) return { ok: false, tookMs: 0 };
    if (server.servicePaused('app')) return { ok: false, tookMs: this.vip.check.timeoutMs };
    return { ok: this.env.isWriter(member), tookMs: 0 };
  }

  /** A failed or not yet known verdict holds the member in FAULT (keepalived: FAULT, or INIT before the first result). */
  #verdict(member: string, verdict: boolean | undefined): void {
    if (verdict !== undefined) this.#emit('vip.check', { node: member, script: WRITER_CHECK_SCRIPT, ok: verdict });
    this.vrrp.scriptFault(member, WRITER_CHECK_SCRIPT, verdict !== true);
  }

  /** Apps keep writing to the member their ARP entry names while it holds the address; once it lets it go they resolve it again. */
  #holdersChanged(holders: string[], previous: string[]): void {
    this.#emit('vip.holders', { holders: holders.join(','), previous: previous.join(',') });
    if (this.#arpOwner === undefined || !holders.includes(this.#arpOwner)) this.#routeTo(holders[0]);
  }

  /** A holder's gratuitous ARPs reach the apps' segment (unless it is down or cut off): their ARP entries name it. */
  #garp(node: string, reason: GarpReason): void {
    const server = this.#server(node);
    if (!this.vrrp.holders.includes(node) || !server.hostUp || server.isolated) return;
    this.#emit('vip.garp', { node, reason });
    if (node === this.#arpOwner) return;
    this.ctx.beforeRoutingChange();
    this.#routeTo(node);
  }

  #routeTo(next: string | undefined): void {
    if (next === this.#arpOwner) return;
    this.#arpOwner = next;
    if (next === undefined || next === this.#routedTo) return;
    const from = this.#routedTo;
    this.#routedTo = next;
    this.ctx.events.emit('db', 'route.changed', { layer: 'database', resource: this.db.id, from, to: next, fromServers: from, toServers: next, via: 'vip' });
  }

  #emit(type: string, detail: Record<string, string | number | boolean>): void {
    this.ctx.events.emit('db', type, { database: this.db.id, vip: this.#name, ...detail });
  }
}
