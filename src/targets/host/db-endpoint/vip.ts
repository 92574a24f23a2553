import { writeFileSync } from 'node:fs';
import { waitUntil } from '../../shared/timers.js';
import type { DbMember } from '../db-member.js';
import { KeepalivedNode, type KeepalivedLogEvent } from '../keepalived.js';
import { PG_PORT } from '../postgres/config.js';
import { pgProgram } from '../postgres/bin.js';
import { routeChanged, type EndpointContext, type WriterEndpoint } from './endpoint.js';
import { DB_VIP_PRIORITY, type DbVipSpec } from '../../../scenario/db-vip.js';
import { dbKeepalivedConfig, WRITER_CHECK, WRITER_CHECK_PROGRAM, writerCheckFile } from './vip-keepalived.js';

/** Slack beyond keepalived's own timers for the primary to hold the address and the standby to fail its check. */
const SETTLE_SLACK_MS = 10_000;

/**
 * `endpoint.mode: vip`: the writer is a keepalived address on the database members (`plan.dbVip`).
 * Each member runs keepalived with a weight-0 writer check (vip-keepalived.ts): only the member whose
 * PostgreSQL is not in recovery passes, so only it may hold the address; the apps connect to the
 * address and read back which member committed each write. Nothing repoints the apps: when the
 * controller promotes the standby, its check passes at its next run(s), it leaves FAULT and takes the
 * address after VRRP's master-down interval (sooner when the old master's priority-0 advert comes
 * after that). keepalived's log gives `db`/`vip.state`, `vip.check` and `vip.holders`; a member entering MASTER moves
 * the apps' route (`route.changed` via `vip`) — its gratuitous ARPs point the apps at it.
 */
export class VipEndpoint implements WriterEndpoint {
  readonly address: string;
  readonly vip: DbVipSpec;
  #route?: DbMember;
  /** Members in MASTER state as keepalived logged them (each adds the address on entering it). */
  #holders: string[] = [];

  constructor(private readonly ctx: EndpointContext) {
    const { plan, spec } = ctx;
    if (!plan.dbVip || spec.endpoint.mode !== 'vip' || !spec.endpoint.vip) throw new Error(`${spec.id}: endpoint mode vip without a database VIP in the run's plan`);
    this.address = plan.dbVip;
    this.vip = spec.endpoint.vip;
  }

  get locator() {
    return { kind: 'fixed' as const, address: `${this.address}:${PG_PORT}` };
  }

  /** Writes the check and each member's keepalived.conf, starts keepalived on both at once, and waits until `writer` holds the address and the other failed its check. */
  async setUp(writer: DbMember): Promise<void> {
    const { plan, spec } = this.ctx;
    writeFileSync(writerCheckFile(plan), WRITER_CHECK_PROGRAM, { mode: 0o700 });
    const psql = pgProgram('psql');
    for (const member of this.ctx.members()) {
      const role = member.id === spec.primary ? 'primary' : 'standby';
      const node = new KeepalivedNode(
        plan,
        member.id,
        DB_VIP_PRIORITY[role],
        member.host,
        (priority) => dbKeepalivedConfig(plan, spec, this.vip, { server: member.id, role, socketDir: member.socketDir }, psql, priority),
        (n, event) => this.#onLog(n, event),
        this.ctx.track(`keepalived:${member.id}`, member.host.ns),
      );
      node.writeConfig();
      this.ctx.keepalived.set(member.id, node);
    }
    const nodes = [...this.ctx.keepalived.values()];
    for (const node of nodes) node.start();
    const check = this.vip.check;
    const states = () => nodes.map((n) => `${n.id} ${n.state}, check ${n.scriptOk === undefined ? 'not reported' : n.scriptOk ? 'passed' : 'failed'}`).join('; ');
    await waitUntil(
      async () =>
        // keepalived 2.2.7 puts an instance whose weight-0 script fails before its first state in FAULT without logging it
        nodes.every((n) => (n.id === writer.id ? n.state === 'master' && n.scriptOk !== false : n.scriptOk === false && (n.state === 'fault' || n.state === 'init'))),
      {
        timeoutMs: 4 * this.vip.advertIntMs + (check.fall + check.rise) * check.intervalMs + check.timeoutMs + SETTLE_SLACK_MS,
        what: `keepalived: ${writer.id} holding ${this.address} and the other member in FAULT (its writer check failed)`,
        signal: this.ctx.signal,
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message} (${states()}; keepalived logs: ${nodes.map((n) => n.configFile.replace(/\.conf$/, '.log')).join(', ')})`);
    });
    this.#route = writer;
  }

  /** The address follows the writer by itself (the members' checks): nothing to repoint. */
  writerChanged(): void {}

  async close(): Promise<void> {
    await Promise.allSettled([...this.ctx.keepalived.values()].map((n) => n.stop(undefined, 2_000)));
  }

  #onLog(node: KeepalivedNode, event: KeepalivedLogEvent): void {
    const tag = { database: this.ctx.spec.id, vip: `${this.ctx.spec.id}-vip` };
    if (event.kind === 'state') {
      this.ctx.emit('db', 'vip.state', { ...tag, node: node.id, state: event.state, previous: node.previousState, priority: node.priority, source: 'keepalived log' });
      const holders = [...this.ctx.keepalived.values()].filter((n) => n.state === 'master').map((n) => n.id);
      if (holders.join(',') !== this.#holders.join(',')) {
        this.ctx.emit('db', 'vip.holders', { ...tag, holders: holders.join(','), previous: this.#holders.join(','), source: 'keepalived log' });
        this.#holders = holders;
      }
      if (event.state === 'master') this.#mastered(node.id);
    } else if (event.kind === 'script' && event.script === WRITER_CHECK) {
      this.ctx.emit('db', 'vip.check', { ...tag, node: node.id, script: event.script, ok: event.ok, ...(event.reason ? { reason: event.reason } : {}), source: 'keepalived log' });
    }
  }

  /** A member took the address: the apps' packets go to it from its gratuitous ARPs on. */
  #mastered(server: string): void {
    const member = this.ctx.members().find((m) => m.id === server);
    const from = this.#route;
    if (!member || !from || member === from) return;
    this.#route = member;
    routeChanged(this.ctx, from, member, 'vip', { address: this.address });
    this.ctx.routed(member);
  }
}
