import type { EventDetail } from '../../../measure/events.js';
import type { DatabaseSpec } from '../../../scenario/schema.js';
import type { DbMember } from '../db-member.js';
import type { Journal } from '../journal.js';
import type { KeepalivedNode } from '../keepalived.js';
import type { WriterLocatorSpec } from '../programs/writer-locator.js';
import type { HostPlan } from '../topology.js';

/** What an endpoint needs from the run. */
export interface EndpointContext {
  plan: HostPlan;
  spec: DatabaseSpec;
  /** Every process an endpoint starts is journaled here before it runs (teardown removes it). */
  journal: Journal;
  /** Helpers an endpoint starts live at most this long. */
  lifetimeMs: number;
  /** The database's members, to tell which one an address names. */
  members(): readonly DbMember[];
  /** `host:port` of a member, as the apps' rows name it. */
  addressOf(member: DbMember): string;
  emit(component: string, type: string, detail: EventDetail): void;
  /** The run's time (ms since t0). */
  nowMs(): number;
  /** Journals a process an endpoint starts (its pid, once it has one). */
  track(role: string, ns: string): (pid: number) => void;
  /** keepalived on the members (mode vip), as the run's services know it: faults on keepalived reach these. */
  keepalived: Map<string, KeepalivedNode>;
  /** Aborted when the run is interrupted: waits end at once. */
  signal: AbortSignal;
  /** The apps now send their writes to `member` (their route changed): the database layer follows. */
  routed(member: DbMember): void;
}

/**
 * How the apps find the database writer (`setup.database.endpoint.mode`), one implementation per
 * mode in this folder: `controller` — a pointer file the controller rewrites (pointer.ts); `dns` — a
 * name the controller changes on the run's DNS server, which the apps cache for its TTL (dns.ts); `vip` —
 * a keepalived address on the members that only the writer passes the check for (vip.ts). Each
 * emits `route.changed` (layer database) when the apps' route moves, and calls `routed`.
 */
export interface WriterEndpoint {
  /** What each app's write configuration carries to find the writer. */
  readonly locator: WriterLocatorSpec;
  /** Before the apps start: the endpoint names `writer`. */
  setUp(writer: DbMember): Promise<void>;
  /** The writer is now `to` (was `from`): point the apps there, at once or as the mode does. */
  writerChanged(from: DbMember, to: DbMember): void;
  /** Stops what the endpoint runs. */
  close(): Promise<void>;
}

/** The `route.changed` event of a database endpoint moving from `from` to `to`. */
export function routeChanged(ctx: EndpointContext, from: DbMember, to: DbMember, via: string, extra: EventDetail = {}): void {
  ctx.emit('db', 'route.changed', { layer: 'database', resource: ctx.spec.id, from: from.id, to: to.id, fromServers: from.id, toServers: to.id, via, ...extra });
}
