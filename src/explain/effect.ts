import { dbVipOf } from '../scenario/db-vip.js';
import type { FaultSpec, Scenario } from '../scenario/schema.js';
import { dur, ZERO, type Expr } from './expr.js';
import { dbVipBack } from './layers/db-vip.js';

/** What a request to the app gets: an answer, a refusal (RST at once), or nothing (`connected`: the handshake completed). */
export type Answer = 'ok' | 'refused' | 'no-answer' | 'no-answer-connected';

/**
 * A fault's effect on the host it hits, as the checks, clients and keepalived see it. It follows the
 * fault catalogue's semantics (src/faults/catalogue.ts): `service-stop` refuses (the app, or PostgreSQL
 * on a database member: what its checks and clients talk to), `process-pause` and a
 * dropped port answer nothing, a stopped or terminated instance is down, a partition and a dropped VRRP
 * protocol silence adverts, FIS RDS actions act on the database.
 */
export interface Effect {
  /** The server the fault hits: its target, or the writer for a database-wide action. */
  server: string;
  /** What a client or a check from another host gets from the app (latency and loss aside). */
  app: Answer;
  /** What a check from the host itself gets (keepalived's track script): loopback skips isolation, loss and peer rules. */
  local: Answer;
  /** Latency the fault adds to every answer. */
  extraLatencyMs: number;
  /** Share of inbound packets lost. */
  loss: number;
  /** keepalived on the host: `stopped` says goodbye (priority 0), `frozen` (SIGSTOP) keeps its state, `gone` vanishes with the host. */
  keepalived: 'running' | 'stopped' | 'frozen' | 'gone';
  /** Cut off the network: nothing in or out, gratuitous ARPs included. */
  isolated: boolean;
  /**
   * Nothing from a host outside the scenario (the third site Patroni's etcd runs on) reaches it:
   * isolated, or an inbound drop of all TCP that names no port and no peer.
   */
  cutFromThirdSite: boolean;
  /** Peers whose VRRP adverts this host no longer hears; `all`: none reaches it. */
  deafTo: string[] | 'all';
  /** Peers that no longer hear this host's adverts (the other side of a partition). */
  mutedTo: string[];
  /** EC2 sees the instance down (stopped or terminated): an Auto Scaling group's EC2 check replaces it. */
  hostDown: boolean;
  terminated: boolean;
  /**
   * From the fault's removal until the host serves again (a started instance boots; keepalived started
   * again on the database VIP's primary waits its master-down interval before it holds the address).
   */
  backMs: Expr;
  /** A database-wide action: fail over to the standby, or reboot in place. */
  database?: 'failover' | 'reboot';
}

/** The app port the simulator and the host's app listen on. */
const APP_PORT = 80;

/** The port PostgreSQL listens on: a postgres-streaming member's checks and clients talk to it. */
const POSTGRES_PORT = 5432;

/** The port what checks and clients talk to on `server` listens on. */
function servedPort(scenario: Scenario, server: string): number {
  const db = scenario.setup.database;
  return db?.engine === 'postgres-streaming' && (server === db.primary || server === db.standby) ? POSTGRES_PORT : APP_PORT;
}

function base(server: string): Effect {
  return {
    server,
    app: 'ok',
    local: 'ok',
    extraLatencyMs: 0,
    loss: 0,
    keepalived: 'running',
    isolated: false,
    cutFromThirdSite: false,
    deafTo: [],
    mutedTo: [],
    hostDown: false,
    terminated: false,
    backMs: ZERO,
  };
}

/** Whether an inbound DROP rule (as `network-drop` installs it) matches traffic of `protocol` to `port` from `from` (undefined: any client). */
function ruleMatches(f: FaultSpec, protocol: 'tcp' | 'vrrp', port: number | undefined, from: string | undefined): boolean {
  if (f.peer !== undefined && f.peer !== from) return false;
  if (f.protocol !== undefined && f.protocol !== 'all' && f.protocol !== protocol) return false;
  return f.port === undefined || f.port === port;
}

/** The effect of `fault` on the host it hits, in `scenario`. */
export function effectOf(scenario: Scenario, fault: FaultSpec): Effect {
  const db = scenario.setup.database;
  if (fault.action.startsWith('aws:rds:')) {
    const e = base(db?.primary ?? fault.target);
    e.database = fault.action === 'aws:rds:failover-db-cluster' || fault.forceFailover ? 'failover' : 'reboot';
    return e;
  }
  const e = base(fault.target);
  const service = fault.service ?? 'app';
  // what a check or a client of the server talks to: its app, or PostgreSQL on a database member
  const served = service === 'app' || (service === 'postgres' && (fault.target === db?.primary || fault.target === db?.standby));
  switch (fault.action) {
    case 'service-stop':
      if (served) e.app = e.local = 'refused';
      if (service === 'keepalived') e.keepalived = 'stopped';
      if (service === 'keepalived' && fault.target === db?.primary && dbVipOf(db)) e.backMs = dbVipBack(db, dbVipOf(db)!);
      return e;
    case 'process-pause':
      if (served) e.app = e.local = 'no-answer-connected';
      if (service === 'keepalived') e.keepalived = 'frozen';
      return e;
    case 'latency':
      e.extraLatencyMs = fault.latencyMs ?? 0;
      return e;
    case 'packet-loss':
      e.loss = fault.loss ?? 0;
      return e;
    case 'network-drop':
      if (ruleMatches(fault, 'tcp', servedPort(scenario, fault.target), undefined)) e.app = e.local = 'no-answer';
      e.cutFromThirdSite = ruleMatches(fault, 'tcp', undefined, undefined);
      if (fault.peer !== undefined) {
        if (ruleMatches(fault, 'vrrp', undefined, fault.peer)) e.deafTo = [fault.peer];
      } else if (ruleMatches(fault, 'vrrp', undefined, undefined)) e.deafTo = 'all';
      return e;
    case 'network-partition':
      e.deafTo = [fault.peer!];
      e.mutedTo = [fault.peer!];
      return e;
    case 'aws:network:disrupt-connectivity':
      e.app = 'no-answer';
      e.isolated = true;
      e.cutFromThirdSite = true;
      e.deafTo = 'all';
      e.mutedTo = scenario.setup.servers.map((s) => s.id).filter((id) => id !== fault.target);
      return e;
    case 'aws:ec2:stop-instances': {
      const server = scenario.setup.servers.find((s) => s.id === fault.target);
      e.app = e.local = 'no-answer';
      e.keepalived = 'gone';
      e.hostDown = true;
      e.backMs = dur(`bootTime(${fault.target})`, server?.bootMs ?? 0);
      return e;
    }
    case 'aws:ec2:terminate-instances':
      e.app = e.local = 'no-answer';
      e.keepalived = 'gone';
      e.hostDown = true;
      e.terminated = true;
      return e;
    default:
      return e;
  }
}

/** The app fails requests from other hosts (checks, clients) outright, latency aside. */
export function appBroken(e: Effect): boolean {
  return e.app !== 'ok';
}

/** What the fault does, in a few words, for notes. */
export function effectText(e: Effect): string {
  if (e.database) return e.database === 'failover' ? 'the database fails over' : 'the database reboots';
  const parts: string[] = [];
  const answer = { ok: '', refused: 'the app refuses connections', 'no-answer': 'the app answers nothing', 'no-answer-connected': 'the app accepts but never answers' } as const;
  if (e.app !== 'ok') parts.push(answer[e.app]);
  if (e.extraLatencyMs > 0) parts.push(`answers ${e.extraLatencyMs} ms slower`);
  if (e.loss > 0) parts.push(`${Math.round(e.loss * 100)} % of packets lost`);
  if (e.keepalived !== 'running') parts.push(`keepalived ${e.keepalived}`);
  if (e.deafTo === 'all') parts.push('hears no VRRP adverts');
  else if (e.deafTo.length > 0) parts.push(`hears no VRRP adverts from ${e.deafTo.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no effect the simulator models';
}
