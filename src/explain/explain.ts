import { groupIdOf } from '../run/controller-config.js';
import { defaults } from '../scenario/defaults.js';
import type { FaultSpec, LayerName, Scenario } from '../scenario/schema.js';
import { exposureOf } from './clients.js';
import { effectOf, effectText } from './effect.js';
import { dur, maxOf, minOf, minus, plus, ZERO, type Expr } from './expr.js';
import { activeAt, incidentsOf, type ScheduledFault } from './incident.js';
import { controllerFailback } from './layers/controller.js';
import { dbVipQuiet } from './layers/db-vip.js';
import { keepalivedQuiet } from './layers/keepalived.js';
import { layersHit } from './registry.js';
import type { Bound, Candidate, FaultContext, FaultExplanation, Figure, Occurrence, Restored, Window } from './types.js';

const add = (a: Window, b: Window): Window => ({ min: plus(a.min, b.min), max: a.max && b.max ? plus(a.max, b.max) : null });

/** Fault → routing change of a candidate. */
function toSwitch(c: Candidate): Window {
  if (c.timeToSwitch) return c.timeToSwitch;
  return c.detection ? add(c.detection, c.switch) : c.switch;
}

/** Smallest min and largest max of the windows (max null when any is unbounded). */
function hull(windows: readonly Window[]): Window {
  const min = windows.reduce((a, w) => (w.min.ms < a.ms ? w.min : a), windows[0]!.min);
  if (windows.some((w) => w.max === null)) return { min, max: null };
  const max = windows.reduce((a, w) => (w.max!.ms > a.ms ? w.max! : a), windows[0]!.max!);
  return { min, max };
}

/** `e` capped at `cap` when the cap is lower: the candidate acts before the others' latest switch or not at all. */
function capped(e: Expr | null, cap: Expr | null): Expr | null {
  if (cap === null) return e;
  if (e === null || cap.ms < e.ms) return e === null ? cap : minOf(e, cap);
  return e;
}

interface Decision {
  winners: Array<{ c: Candidate; tts: Window; detection: Window | null; switch: Window }>;
  occurs: Occurrence;
}

/**
 * Which candidates may move traffic first. A candidate acts first only if it can act before every
 * other sure one's latest switch; a provisional one (undone unless another switched) counts only beside
 * another; one that may never act (loss) caps nobody.
 */
function decide(candidates: readonly Candidate[], durationMs: number | undefined): Decision {
  // a routing change counts only while the fault lasts (src/measure/switch.ts): one due after the removal may not come
  const lasting = durationMs === undefined ? null : dur('duration', durationMs);
  const inTime = candidates.filter((c) => lasting === null || toSwitch(c).min.ms < lasting.ms);
  const movers = inTime.filter((c) => !c.provisional || inTime.some((o) => o !== c && !o.provisional));
  const late = (c: Candidate) => lasting !== null && (toSwitch(c).max?.ms ?? Infinity) >= lasting.ms;
  const sure = movers.filter((c) => !c.provisional && !c.maybe && !late(c));
  const winners: Decision['winners'] = [];
  for (const c of movers) {
    const caps = sure.filter((o) => o !== c).map((o) => toSwitch(o).max).filter((m): m is Expr => m !== null);
    if (lasting !== null) caps.push(lasting);
    const tts = toSwitch(c);
    // only caps below the candidate's own latest switch bind (and are worth showing in the formula)
    const binding = tts.max === null ? caps : caps.filter((m) => m.ms < tts.max!.ms);
    const cap = caps.length === 0 ? null : binding.length > 0 ? minOf(...binding) : minOf(...caps);
    if (cap !== null && tts.min.ms > cap.ms) continue;
    const ttsMax = capped(tts.max, cap);
    const detection = c.detection
      ? { min: c.detection.min, max: capped(c.detection.max, ttsMax && c.switch.min.ms > 0 ? minus(ttsMax, c.switch.min) : ttsMax) }
      : null;
    const sw = { min: c.switch.min, max: capped(c.switch.max, ttsMax && c.detection ? (c.detection.min.ms > 0 ? minus(ttsMax, c.detection.min) : ttsMax) : null) };
    winners.push({ c, tts: { min: tts.min, max: ttsMax }, detection, switch: sw });
  }
  const occurs: Occurrence = sure.length > 0 ? 'always' : winners.length > 0 ? 'maybe' : 'never';
  return { winners, occurs };
}

function bound(figure: Figure, occurs: Occurrence, window: Window | undefined, decidedBy: string, note?: string): Bound {
  return { figure, occurs, ...(occurs === 'never' || !window ? {} : { window }), decidedBy, ...(note ? { note } : {}) };
}

/**
 * RTO of one fault on its own: clients back once the first path that heals has switched and they
 * followed, or once the server serves again by itself (`restored`) or the fault is removed.
 */
function rtoOf(ctx: FaultContext, candidates: readonly Candidate[], moves: readonly Window[], decision: Decision, restored?: Restored): { occurs: Occurrence; window?: Window; by: string } {
  const { scenario, fault } = ctx;
  const { windowMs, successRatio } = scenario.measure.recovery;
  const res = dur('resolution', scenario.measure.resolutionMs);
  const { failingShare, periodMs } = exposureOf(ctx);
  const slack = plus(res, dur('client period', periodMs));
  const allowed = 1 - successRatio;
  if (failingShare <= allowed) {
    // clients never fall below the recovery rule; a route change resets connections at most
    const horizons = [
      ...candidates.map((c) => {
        const w = toSwitch(c);
        const undo = c.undo?.max ?? ZERO;
        return w.max === null || c.catchUp.max === null ? null : plus(w.max, c.catchUp.max, undo);
      }),
      ...moves.map((m) => m.max),
    ];
    if (horizons.some((h) => h === null)) return { occurs: 'always', window: { min: ZERO, max: null }, by: 'clients (no outage expected)' };
    const horizon = horizons.length > 0 ? maxOf(...(horizons as Expr[])) : ZERO;
    return { occurs: 'always', window: { min: ZERO, max: plus(horizon, slack) }, by: 'clients (no outage expected beyond connection resets)' };
  }
  const lead = dur('(1 − successRatio) × recovery window / failing share', (allowed * windowMs) / failingShare);
  const lower = (e: Expr): Expr => (e.ms - lead.ms - res.ms > 0 ? minus(minus(e, lead), res) : ZERO);
  const healing = decision.winners.length > 0 ? candidates.filter((c) => c.heals && failingShare * c.stuckShare <= allowed && (!c.provisional || decision.winners.some((w) => w.c === c))) : [];
  if (healing.length > 0) {
    const recoveries = healing.map((c) => ({ c, w: add(toSwitch(c), c.catchUp) }));
    const min = recoveries.reduce((a, r) => (r.w.min.ms < a.w.min.ms ? r : a));
    const sure = recoveries.filter((r) => !r.c.maybe && r.w.max !== null);
    const first = sure.length > 0 ? sure.reduce((a, r) => (r.w.max!.ms < a.w.max!.ms ? r : a)) : undefined;
    // removed before anything moved, clients recover when the server is back
    const removed = fault.durationMs !== undefined ? plus(dur('duration', fault.durationMs), ctx.effect.backMs) : undefined;
    const earliest = removed && removed.ms < min.w.min.ms ? removed : min.w.min;
    return { occurs: decision.occurs === 'never' ? 'maybe' : decision.occurs, window: { min: lower(earliest), max: first ? plus(first.w.max!, slack) : null }, by: (first ?? min).c.decidedBy };
  }
  if (restored) {
    // whichever comes first: the server back by itself, or the fault's removal
    const removed = fault.durationMs !== undefined ? plus(dur('duration', fault.durationMs), ctx.effect.backMs) : undefined;
    const first = (e: Expr) => (removed && removed.ms < e.ms ? minOf(removed, e) : e);
    return { occurs: 'always', window: { min: lower(first(restored.window.min)), max: plus(first(restored.window.max!), slack) }, by: restored.by };
  }
  if (ctx.effect.database === 'reboot') {
    const reboot = dur('reboot', rebootMsOf(scenario));
    return { occurs: 'always', window: { min: lower(reboot), max: plus(reboot, slack) }, by: 'the database reboot' };
  }
  if (fault.durationMs === undefined) return { occurs: 'never', by: 'nothing: clients fail until the end of the run' };
  const lasting = plus(dur('duration', fault.durationMs), ctx.effect.backMs);
  return { occurs: 'always', window: { min: lower(lasting), max: plus(lasting, slack) }, by: 'the fault’s removal (nothing moves traffic away)' };
}

function rebootMsOf(scenario: Scenario): number {
  return defaults.database[scenario.setup.database!.engine].rebootMs;
}

/** Explains one scheduled fault, RTO on its own (the incident pass widens it). */
function explainOne(scenario: Scenario, all: readonly ScheduledFault[], sf: ScheduledFault): FaultExplanation {
  const { fault, planned } = sf;
  const effect = effectOf(scenario, fault);
  const ctx: FaultContext = { scenario, fault, effect, incident: activeAt(scenario, all, fault) };
  const head = { faultId: fault.id, action: fault.action, target: fault.target, atMs: fault.atMs, planned };
  if (planned) return plannedOne(ctx, head, sf.layer ?? 'loadBalancer');
  const layers = layersHit(ctx);
  const candidates = layers.flatMap((l) => l.candidates(ctx));
  const extras = layers.flatMap((l) => l.extra?.(ctx) ?? []);
  const decision = decide(candidates, fault.durationMs);
  const notes = [`effect: ${effectText(effect)}`, ...new Set(candidates.flatMap((c) => c.notes))];
  const quiet = keepalivedQuiet(ctx) ?? dbVipQuiet(ctx);
  if (quiet) notes.push(quiet);
  const restored = layers.map((l) => l.restores?.(ctx)).find((r) => r !== undefined);
  if (restored) notes.push(restored.note);
  const { winners } = decision;
  const rank = (w: Decision['winners'][number]) => [w.tts.max?.ms ?? Infinity, w.c.provisional || w.c.maybe ? 1 : 0, w.tts.min.ms];
  const before = (a: number[], b: number[]) => a[0]! !== b[0]! ? a[0]! < b[0]! : a[1]! !== b[1]! ? a[1]! < b[1]! : a[2]! < b[2]!;
  const decider = winners.length > 0 ? winners.reduce((a, w) => (before(rank(w), rank(a)) ? w : a)) : undefined;
  const others = winners.filter((w) => w !== decider).map((w) => w.c.decidedBy);
  const by = decider ? decider.c.decidedBy : 'nothing moves traffic away';
  const alsoNote = others.length > 0 ? `${others.join(', ')} may act first` : undefined;
  const withDetection = winners.filter((w) => w.detection);
  const bounds: Bound[] = [];
  const sureDetections = withDetection.filter((w) => !w.c.detectionMayBeAbsent).length;
  const detOccurs: Occurrence = withDetection.length === 0 ? 'never' : sureDetections === winners.length ? decision.occurs : 'maybe';
  const detectionNote = winners.length > 0 && withDetection.length < winners.length ? 'routing moves without a verdict of the component that moved it' : alsoNote;
  bounds.push(bound('detection', detOccurs, withDetection.length > 0 ? hull(withDetection.map((w) => w.detection!)) : undefined, by, detectionNote));
  bounds.push(bound('switch', detOccurs, withDetection.length > 0 ? hull(withDetection.map((w) => w.switch)) : undefined, by));
  bounds.push(bound('timeToSwitch', decision.occurs, winners.length > 0 ? hull(winners.map((w) => w.tts)) : undefined, by, alsoNote));
  const rto = rtoOf(ctx, candidates, layers.flatMap((l) => l.moves?.(ctx) ?? []), decision, restored);
  bounds.push(bound('rto', rto.occurs, rto.window, rto.by));
  bounds.push(failbackBound(ctx, decision, by));
  bounds.push(...extras);
  return { ...head, layer: decider?.c.layer ?? null, decidedBy: decider?.c.decidedBy ?? null, bounds, notes };
}

/** Fault removal → traffic back on the primary, as the winners fail back; never without a removal or a switch. */
function failbackBound(ctx: FaultContext, decision: Decision, by: string): Bound {
  if (ctx.fault.durationMs === undefined || decision.occurs === 'never') return bound('failback', 'never', undefined, by, ctx.fault.durationMs === undefined ? 'the fault is never removed' : 'nothing switched');
  // a provisional winner's switch stands only because another moved traffic: that one brings it back
  const sure = decision.winners.filter((w) => !w.c.provisional);
  const movers = sure.length > 0 ? sure : decision.winners;
  const back = movers.map((w) => w.c.failback).filter((f): f is Window => f !== 'never');
  if (back.length === 0) return bound('failback', 'never', undefined, by, 'traffic does not come back by itself');
  const occurs: Occurrence = back.length === movers.length && decision.occurs === 'always' ? 'always' : 'maybe';
  return bound('failback', occurs, hull(back), by);
}

/**
 * A planned maintenance stop: the planned failover moved traffic and drained the primary before it,
 * so clients see nothing; failback is our controller's once the maintenance ends.
 */
function plannedOne(ctx: FaultContext, head: Omit<FaultExplanation, 'layer' | 'decidedBy' | 'bounds' | 'notes'>, layer: LayerName): FaultExplanation {
  const by = 'our controller (planned failover)';
  const back = controllerFailback(ctx, layer);
  const res = dur('resolution', ctx.scenario.measure.resolutionMs);
  return {
    ...head,
    layer: null,
    decidedBy: by,
    bounds: [
      bound('detection', 'never', undefined, by, 'traffic left before the stop'),
      bound('switch', 'never', undefined, by),
      bound('timeToSwitch', 'never', undefined, by),
      bound('rto', 'always', { min: ZERO, max: res }, by, 'drained first: no client error'),
      back === 'never' ? bound('failback', 'never', undefined, by, 'manual failback') : bound('failback', 'always', back, by),
    ],
    notes: ['planned maintenance: switched and drained before the stop'],
  };
}

/**
 * The scenario's faults and the maintenance stops its planned failovers make (one `service-stop` per
 * server of the primary member, `<operation>:<server>`, after the drain), in order of injection.
 */
export function scheduledFaults(scenario: Scenario): ScheduledFault[] {
  const scheduled: ScheduledFault[] = scenario.faults.map((fault) => ({ fault, planned: false }));
  scenario.operations.forEach((op, i) => {
    if (op.action !== 'planned-failover' || groupIdOf(scenario, op.layer) === undefined) return;
    const opId = op.id ?? `op-${i + 1}`;
    const { servers, drainMs } = primaryOf(scenario, op.layer);
    for (const server of servers) {
      const fault: FaultSpec = { id: `${opId}:${server}`, action: 'service-stop', target: server, atMs: op.atMs + drainMs, durationMs: op.maintenanceMs! };
      scheduled.push({ fault, planned: true, layer: op.layer });
    }
  });
  return scheduled.sort((a, b) => a.fault.atMs - b.fault.atMs);
}

function primaryOf(scenario: Scenario, layer: LayerName): { servers: string[]; drainMs: number } {
  const { dns, loadBalancer, vip, database } = scenario.setup;
  switch (layer) {
    case 'dns': {
      const lb = loadBalancer && dns!.primary === loadBalancer.id ? [...loadBalancer.targetGroups].sort((a, b) => a.priority - b.priority)[0]!.targets : [dns!.primary];
      return { servers: lb, drainMs: dns!.ttlMs };
    }
    case 'loadBalancer': {
      const group = [...loadBalancer!.targetGroups].sort((a, b) => a.priority - b.priority)[0]!;
      return { servers: [...group.targets], drainMs: group.deregistrationDelayMs };
    }
    case 'vip':
      return { servers: [[...vip!.nodes].sort((a, b) => b.priority - a.priority)[0]!.server], drainMs: 0 };
    case 'database':
      return { servers: [database!.primary], drainMs: 0 };
  }
}

/**
 * What the scenario's configuration implies for each of its faults (and planned maintenance stops):
 * min and max of detection, switch, time to switch, RTO and failback, with the formula, the numbers
 * and the component that decides. RTO is widened across faults that overlap: clients recover once the
 * whole incident has.
 */
export function explainScenario(scenario: Scenario): FaultExplanation[] {
  const all = scheduledFaults(scenario);
  const own = all.map((sf) => explainOne(scenario, all, sf));
  const rtoOf = (i: number) => own[i]!.bounds.find((b) => b.figure === 'rto')!;
  const settle = all.map(({ fault }, i) => {
    const rto = rtoOf(i);
    const recovered = rto.occurs === 'never' || !rto.window?.max ? Infinity : rto.window.max.ms;
    return fault.atMs + Math.max(fault.durationMs ?? 0, recovered);
  });
  const incident = incidentsOf(all, settle);
  return own.map((e, i) => {
    const rto = rtoOf(i);
    if (!rto.window || rto.occurs === 'never') return e;
    const fault = all[i]!.fault;
    let { min, max } = rto.window;
    all.forEach(({ fault: g }, j) => {
      if (j === i || incident[j] !== incident[i]) return;
      const other = rtoOf(j);
      if (!other.window || other.occurs === 'never') return;
      const offsetMs = g.atMs - fault.atMs;
      const offset = offsetMs === 0 ? ZERO : dur(`offset of ${g.id}`, offsetMs);
      if (other.window.max === null) max = null;
      else if (max !== null && offsetMs + other.window.max.ms > max.ms) max = plus(offset, other.window.max);
      // an earlier fault's outage may still be on when this one strikes: clients recover with it
      if (offsetMs <= 0 && (other.window.max === null || offsetMs + other.window.max.ms > 0) && offsetMs + other.window.min.ms < min.ms)
        min = offsetMs + other.window.min.ms > 0 ? plus(offset, other.window.min) : ZERO;
    });
    if (min === rto.window.min && max === rto.window.max) return e;
    const widened: Bound = { ...rto, window: { min, max }, note: [rto.note, 'widened to the overlapping faults: clients recover once the whole incident has'].filter(Boolean).join('; ') };
    return { ...e, bounds: e.bounds.map((b) => (b === rto ? widened : b)) };
  });
}

/** The bounds of one fault of `scenario` (`explainScenario` for all of them with their notes). */
export function explainFault(scenario: Scenario, fault: FaultSpec): Bound[] {
  const found = explainScenario(scenario).find((e) => e.faultId === fault.id);
  return found?.bounds ?? [];
}
