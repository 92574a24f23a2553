import { join } from 'node:path';
import type { DbMember } from '../db-member.js';
import { PG_PORT } from '../postgres/config.js';
import { NsProcess } from '../process.js';
import { parseDnsServerLine, type RecordChange } from '../programs/dns-server.js';
import { programFile } from '../programs/locate.js';
import { routeChanged, type EndpointContext, type WriterEndpoint } from './endpoint.js';

/** The compiled program of the run's DNS server (`programs/dns-server.ts`). */
export const DNS_SERVER_PROGRAM = 'targets/host/programs/dns-server';
/** The zone the run's DNS server is authoritative for (`.test`: reserved for testing, RFC 6761). */
export const WRITER_ZONE = 'db.faildrill.test';
/** The DNS server's port on the controller's address. */
export const DNS_PORT = 53;
/** How long the server may take to listen, and a record change to be applied. */
const READY_TIMEOUT_MS = 10_000;

/** The name the apps resolve to find the writer of database `databaseId`. */
export function writerName(databaseId: string): string {
  return `writer.${databaseId}.${WRITER_ZONE}`;
}

/** The TTL the record carries: `endpoint.ttl` in whole seconds (capabilities.ts refuses any other). */
export function recordTtlSec(ttlMs: number): number {
  if (!Number.isInteger(ttlMs / 1000)) throw new Error(`endpoint.ttl ${ttlMs} ms is not a whole number of seconds: a DNS TTL cannot carry it`);
  return ttlMs / 1000;
}

interface Pending {
  member: DbMember;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * `endpoint.mode: dns`: the writer is the A record of {@link writerName} on a DNS server of the run
 * (`programs/dns-server.ts`, in the controller's namespace, port 53, journaled), with TTL
 * `endpoint.ttl`. The controller changes the record when the writer changes (a line on the server's
 * stdin — its UPSERT; `db`/`record.changed` once applied); each app keeps its answer for the TTL
 * (`dnsLocator`), so it goes on writing to the old address until its cached answer expires.
 *
 * The apps' route moves when the first app is *answered* with the new writer's address: the server
 * reports every query it answered (client address, answer), and that query is the moment an app
 * starts writing to the new address (it asks only when a write needs the writer). Then
 * `route.changed` (via `dns`, with the app, the TTL, when the record changed and when that app had
 * asked before — the answer its cache held until then) and `routed`. A record changed back before
 * any app asked again moves no route. With several apps each moves at its own TTL; the first moves
 * the route (the others' rows still name the old address until their answers expire).
 */
export class DnsEndpoint implements WriterEndpoint {
  readonly name: string;
  readonly server: string;
  readonly ttlSec: number;
  #process?: NsProcess;
  #listening?: { resolve(): void; reject(err: Error): void };
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** The member the record names (once applied). */
  #record?: DbMember;
  #recordChangedAtMs?: number;
  /** The member the apps were last answered with. */
  #apps?: DbMember;
  /** Each client's latest answer (run time): the one a moving app's cache held until it asked again. */
  readonly #lastAnswerAtMs = new Map<string, number>();

  constructor(private readonly ctx: EndpointContext) {
    this.name = writerName(ctx.spec.id);
    this.server = `${ctx.plan.controller.ip}:${DNS_PORT}`;
    this.ttlSec = recordTtlSec(ctx.spec.endpoint.ttlMs);
  }

  get locator() {
    return { kind: 'dns' as const, name: this.name, server: this.server, port: PG_PORT };
  }

  /** Starts the server in the controller's namespace and sets the record to `writer`. */
  async setUp(writer: DbMember): Promise<void> {
    const { plan, journal, lifetimeMs } = this.ctx;
    const listening = new Promise<void>((resolve, reject) => (this.#listening = { resolve, reject }));
    const server = new NsProcess({
      ns: plan.controller.ns,
      role: 'dns-server',
      command: process.execPath,
      args: [programFile(DNS_SERVER_PROGRAM), plan.controller.ip, String(DNS_PORT), String(lifetimeMs), WRITER_ZONE],
      stdin: true,
      logFile: join(plan.dir, 'dns-server.log'),
      onLine: (line, stream) => stream === 'stdout' && this.#onLine(line),
    });
    this.#process = server;
    if (server.pid) journal.write({ op: 'process', pid: server.pid, ns: plan.controller.ns, role: 'dns-server' });
    void server.exited.then(({ code, signal }) => this.#failAll(new Error(`the DNS server exited (${signal ?? `code ${code}`})`)));
    await this.#within(listening, 'the DNS server to listen');
    await this.#set(writer);
    this.#apps = writer;
  }

  writerChanged(_from: DbMember, to: DbMember): void {
    this.#set(to).catch((err: Error) => this.ctx.emit('db', 'error', { database: this.ctx.spec.id, message: `changing ${this.name} to ${to.id}: ${err.message}` }));
  }

  async close(): Promise<void> {
    this.#process?.child.stdin?.end();
    await this.#process?.stop(2_000);
  }

  /** Applies one record change: resolves once the server answered with it. */
  async #set(member: DbMember): Promise<void> {
    const server = this.#process;
    if (!server?.running || !server.child.stdin) throw new Error('the DNS server is not running');
    const change: RecordChange = { id: this.#nextId++, name: this.name, address: member.host.ip, ttlSec: this.ttlSec };
    const applied = new Promise<void>((resolve, reject) => this.#pending.set(change.id, { member, resolve, reject }));
    server.child.stdin.write(`${JSON.stringify(change)}\n`);
    await this.#within(applied, `record change ${change.id} to be applied`);
  }

  /** The server applied a change: from now on it answers with `member` (the queries after this line see it). */
  #applied(member: DbMember): void {
    const previous = this.#record;
    this.#record = member;
    this.#recordChangedAtMs = this.ctx.nowMs();
    if (previous && previous !== member)
      this.ctx.emit('db', 'record.changed', { database: this.ctx.spec.id, name: this.name, address: member.host.ip, writer: member.id, previous: previous.id, ttlSec: this.ttlSec });
  }

  #onLine(line: string): void {
    const parsed = parseDnsServerLine(line);
    if (!parsed) return;
    if ('listening' in parsed) this.#listening?.resolve();
    else if ('applied' in parsed) {
      const pending = this.#pending.get(parsed.applied.id);
      this.#pending.delete(parsed.applied.id);
      if (!pending) return;
      this.#applied(pending.member);
      pending.resolve();
    } else if ('refused' in parsed) this.ctx.emit('db', 'error', { database: this.ctx.spec.id, message: `DNS server: ${parsed.refused}` });
    else this.#answered(parsed.query.name, parsed.query.addresses, parsed.query.client);
  }

  /** A query answered: the first app answered with another member than the apps had moves their route. */
  #answered(name: string, addresses: readonly string[], client: string): void {
    if (name !== this.name || this.#apps === undefined) return;
    const atMs = this.ctx.nowMs();
    const previousAtMs = this.#lastAnswerAtMs.get(client);
    this.#lastAnswerAtMs.set(client, atMs);
    const member = this.ctx.members().find((m) => m.host.ip === addresses[0]);
    if (!member || member === this.#apps) return;
    const from = this.#apps;
    this.#apps = member;
    const app = [...this.ctx.plan.servers.values()].find((s) => s.ip === client)?.id ?? client;
    routeChanged(this.ctx, from, member, 'dns', {
      app,
      name: this.name,
      ttlSec: this.ttlSec,
      ...(this.#record === member && this.#recordChangedAtMs !== undefined ? { recordChangedAtMs: Math.round(this.#recordChangedAtMs) } : {}),
      ...(previousAtMs !== undefined ? { previousAnswerAtMs: Math.round(previousAtMs) } : {}),
    });
    this.ctx.routed(member);
  }

  #failAll(err: Error): void {
    this.#listening?.reject(err);
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }

  async #within(promise: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${READY_TIMEOUT_MS} ms waiting for ${what}`)), READY_TIMEOUT_MS)));
    try {
      await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
