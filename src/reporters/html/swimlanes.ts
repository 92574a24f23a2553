import { serverList, type EventDetail, type RunEvent } from '../../measure/events.js';

/** How a state reads: good (green), bad (red), warn (amber), idle (grey); none: a value like a server name. */
export type Tone = 'good' | 'bad' | 'warn' | 'idle';

const TONES: Record<string, Tone> = {
  healthy: 'good',
  up: 'good',
  master: 'good',
  'in-service': 'good',
  unhealthy: 'bad',
  stopped: 'bad',
  unreachable: 'bad',
  fault: 'bad',
  terminated: 'bad',
  none: 'idle',
  draining: 'warn',
  slow: 'warn',
  pending: 'warn',
  terminating: 'warn',
  degraded: 'warn',
  unused: 'idle',
  init: 'idle',
  backup: 'idle',
  unknown: 'idle',
};

/** The tone of a state word; failover progress reads as warn, failures as bad. */
export function defaultTone(state: string): Tone | undefined {
  if (TONES[state]) return TONES[state];
  if (/\bfailed\b/.test(state)) return 'bad';
  if (/\b(in progress|pending|rolled back)\b/.test(state)) return 'warn';
  return undefined;
}

/** How one event type moves one lane: which lane, to which state, and the state before the first event. */
export interface LaneRule {
  component: string;
  type: string;
  /** Heading the lane is grouped under, e.g. `DNS answer`. */
  section: string;
  /** Only events this accepts (default: all of the type). */
  when?: (d: EventDetail) => boolean;
  /** The lane's label within its section, e.g. the record name; undefined skips the event. */
  lane: (d: EventDetail) => string | undefined;
  /** The state the lane enters. */
  state: (d: EventDetail) => string;
  /** The state the lane was in before its first event (from 0 ms), when the event says. */
  previous?: (d: EventDetail) => string | undefined;
  /** Tone of a state (default {@link defaultTone}). */
  tone?: (state: string) => Tone | undefined;
}

const text = (v: EventDetail[string] | undefined): string | undefined => (v === undefined || v === '' ? undefined : String(v));

function failoverState(d: EventDetail): string {
  const status = String(d.status);
  if (status === 'completed') return `on ${d.to}`;
  if (status === 'rolled_back') return `on ${d.from} (rolled back)`;
  return `${d.direction} ${status.replace(/_/g, ' ')}`;
}

/**
 * Event type → lane. A new layer is one entry here. Sections appear in this order; lanes within a
 * section in the order their first event came.
 */
export const LANE_RULES: readonly LaneRule[] = [
  { component: 'dns', type: 'answer', section: 'DNS answer', lane: (d) => text(d.record), state: (d) => String(d.answer), previous: (d) => text(d.previous) },
  {
    component: 'lb',
    type: 'route.changed',
    section: 'Load balancer forwards to',
    when: (d) => d.layer === 'loadBalancer',
    lane: (d) => text(d.resource),
    state: (d) => String(d.to),
    previous: (d) => text(d.from),
  },
  {
    component: 'lb',
    type: 'route.changed',
    section: 'Routable targets',
    when: (d) => d.layer === 'targetGroup',
    lane: (d) => text(d.resource),
    state: (d) => serverList(d.to).join(', ') || 'none',
    previous: (d) => serverList(d.from).join(', ') || 'none',
    tone: (s) => (s === 'none' ? 'bad' : undefined),
  },
  {
    component: 'lb',
    type: 'target.health',
    section: 'Target health',
    lane: (d) => (d.targetGroup === undefined ? undefined : `${d.targetGroup} / ${d.target}`),
    state: (d) => String(d.health),
    previous: (d) => text(d.previous),
  },
  {
    component: 'vip',
    type: 'holders',
    section: 'VIP holder',
    lane: (d) => text(d.vip),
    state: (d) => serverList(d.holders).join(', ') || 'none',
    previous: (d) => (d.previous === undefined ? undefined : serverList(d.previous).join(', ') || 'none'),
    tone: (s) => (s === 'none' || s.includes(',') ? 'bad' : undefined),
  },
  { component: 'vip', type: 'state', section: 'VRRP state', lane: (d) => (d.vip === undefined ? undefined : `${d.vip} / ${d.node}`), state: (d) => String(d.state), previous: (d) => text(d.previous) },
  { component: 'db', type: 'writer', section: 'Database writer', lane: (d) => text(d.database), state: (d) => String(d.writer), previous: (d) => text(d.previous) },
  {
    component: 'db',
    type: 'vip.holders',
    section: 'Database VIP holder',
    lane: (d) => text(d.vip),
    state: (d) => serverList(d.holders).join(', ') || 'none',
    previous: (d) => (d.previous === undefined ? undefined : serverList(d.previous).join(', ') || 'none'),
    tone: (s) => (s === 'none' || s.includes(',') ? 'bad' : undefined),
  },
  {
    component: 'asg',
    type: 'instance',
    section: 'Autoscaling instances',
    lane: (d) => (d.group === undefined ? undefined : `${d.group} / ${d.instance}`),
    state: (d) => String(d.state),
    previous: (d) => text(d.previous),
  },
  { component: 'server', type: 'state', section: 'Server state', lane: (d) => text(d.server), state: (d) => String(d.state), previous: (d) => text(d.previous) },
  {
    component: 'controller',
    type: 'failover',
    section: 'Controller failovers',
    lane: (d) => text(d.group),
    state: failoverState,
    previous: (d) => (d.status === 'pending' ? `on ${d.from}` : undefined),
  },
];

/** A lane's state over [startMs, endMs). */
export interface Span {
  startMs: number;
  endMs: number;
  state: string;
  tone?: Tone;
}

export interface Lane {
  section: string;
  label: string;
  spans: Span[];
}

/** Builds every lane the events touch, spans covering [0, durationMs). Zero-length spans are dropped. */
export function buildLanes(events: readonly RunEvent[], durationMs: number, rules: readonly LaneRule[] = LANE_RULES): Lane[] {
  const lanes = new Map<string, { lane: Lane; rule: LaneRule; ruleIndex: number; order: number; state: string; sinceMs: number }>();
  const byType = new Map<string, Array<{ rule: LaneRule; index: number }>>();
  rules.forEach((rule, index) => {
    const key = `${rule.component}\u0000${rule.type}`;
    byType.set(key, [...(byType.get(key) ?? []), { rule, index }]);
  });
  for (const event of events) {
    for (const { rule, index } of byType.get(`${event.component}\u0000${event.type}`) ?? []) {
      if (rule.when && !rule.when(event.detail)) continue;
      const label = rule.lane(event.detail);
      if (label === undefined) continue;
      const key = `${rule.section}\u0000${label}`;
      const state = rule.state(event.detail);
      const atMs = Math.min(Math.max(0, event.atMs), durationMs);
      let open = lanes.get(key);
      if (!open) {
        const lane: Lane = { section: rule.section, label, spans: [] };
        const before = rule.previous?.(event.detail);
        open = { lane, rule, ruleIndex: index, order: lanes.size, state: before ?? state, sinceMs: before === undefined ? atMs : 0 };
        lanes.set(key, open);
      }
      if (state === open.state) continue;
      if (atMs > open.sinceMs) open.lane.spans.push(spanOf(open.rule, open.sinceMs, atMs, open.state));
      open.state = state;
      open.sinceMs = atMs;
    }
  }
  for (const open of lanes.values()) {
    if (durationMs > open.sinceMs) open.lane.spans.push(spanOf(open.rule, open.sinceMs, durationMs, open.state));
  }
  return [...lanes.values()].sort((a, b) => a.ruleIndex - b.ruleIndex || a.order - b.order).map((o) => ({ ...o.lane, spans: merged(o.lane.spans) }));
}

function spanOf(rule: LaneRule, startMs: number, endMs: number, state: string): Span {
  const tone = (rule.tone ?? defaultTone)(state) ?? defaultTone(state);
  return tone ? { startMs, endMs, state, tone } : { startMs, endMs, state };
}

/** Joins neighbouring spans of the same state (left apart by a dropped zero-length span). */
function merged(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const span of spans) {
    const last = out.at(-1);
    if (last && last.state === span.state && last.endMs === span.startMs) last.endMs = span.endMs;
    else out.push({ ...span });
  }
  return out;
}
