import { keyLapseMs, patroniTimingsOf, PATRONI_REST_TIMEOUT_MS, PATRONI_RESTART_MS, PG_PROMOTE_MS, type LeaderHealth } from '../../scenario/patroni.js';
import type { Effect } from '../effect.js';
import { dur, minus, msText, plus, type Expr } from '../expr.js';
import type { Candidate, FaultContext, Restored, Window } from '../types.js';

/** What Patroni on the writer's node can still do under `effect` (the simulator's `leaderHealth`, src/simulator/patroni.ts). */
export function leaderHealthOf(effect: Effect): LeaderHealth {
  if (effect.hostDown || effect.cutFromThirdSite || effect.local === 'no-answer-connected') return 'lost';
  return effect.local === 'refused' ? 'postgres-stopped' : 'leading';
}

/** Patroni's timings of the scenario, named as its configuration names them. */
function timings(ctx: FaultContext): { ttl: Expr; loopWait: Expr; retryTimeout: Expr } {
  const t = patroniTimingsOf(ctx.scenario.setup.database!);
  return { ttl: dur('ttl', t.ttlMs), loopWait: dur('loop_wait', t.loopWaitMs), retryTimeout: dur('retry_timeout', t.retryTimeoutMs) };
}

/**
 * Patroni loses the leader (node down or cut off from etcd, PostgreSQL frozen): the key lapses ttl
 * after the leader's last refresh, at most one loop_wait before the fault (detection ttl − loop_wait …
 * ttl; … ttl + loop_wait under a network-drop, whose leader still sends its next refresh); the replica checks the silent old leader (Patroni's REST timeout) and runs pg_ctl promote;
 * the app follows when its endpoint refreshes. Other faults leave Patroni leading: no candidate.
 */
export function patroniCandidates(ctx: FaultContext, base: Omit<Candidate, 'decidedBy' | 'detection' | 'switch' | 'notes'>, refresh: Window): Candidate[] {
  if (leaderHealthOf(ctx.effect) !== 'lost') return [];
  const t = patroniTimingsOf(ctx.scenario.setup.database!);
  const { ttl, loopWait, retryTimeout } = timings(ctx);
  const lapse = keyLapseMs(t);
  const rest = dur('REST check timeout', PATRONI_REST_TIMEOUT_MS);
  // a network-drop drops what the leader receives, not what it sends: the refresh of its next HA loop
  // (within loop_wait) may still reach etcd, its answer lost — the host target's drills show it
  const sendsOut = ctx.fault.action === 'network-drop' && !ctx.effect.hostDown;
  const detection = { min: minus(ttl, loopWait), max: sendsOut ? plus(ttl, loopWait) : ttl };
  const promotion = { min: plus(rest, dur('pg_promote.min', PG_PROMOTE_MS.min)), max: plus(rest, dur('pg_promote.max', PG_PROMOTE_MS.max)) };
  const bound = plus(ttl, loopWait, retryTimeout);
  const candidate: Candidate = {
    ...base,
    decidedBy: 'Patroni (postgres-streaming)',
    detection,
    switch: { min: plus(promotion.min, refresh.min), max: plus(promotion.max, refresh.max!) },
    notes: [
      `Patroni: the leader stops refreshing its key (once per loop_wait); the key lapses ttl after the last refresh: ${detection.min.formula} … ${detection.max.formula} = ${detection.min.numbers} … ${detection.max.numbers} after the fault${sendsOut ? " (the cut drops only what the leader receives: its next loop's refresh may still reach etcd)" : ''}`,
      `the replica checks the silent old leader (${rest.formula} ${rest.numbers}, Patroni's fetch_node_status) and promotes (pg_promote ${msText(PG_PROMOTE_MS.min)}–${msText(PG_PROMOTE_MS.max)}, measured on the host target): the new leader takes writes within ${bound.formula} = ${bound.numbers} = ${msText(bound.ms)} (Patroni docs)`,
    ],
  };
  if (ctx.fault.durationMs !== undefined && ctx.fault.durationMs < lapse.max) {
    candidate.maybe = true;
    candidate.notes.push('the leader may be back before its key lapses: it keeps the key then, no failover');
  }
  return [candidate];
}

/**
 * PostgreSQL stopped under a live Patroni: no failover; the leader's next HA loop (within loop_wait)
 * starts it again in place after its crash recovery (restart assumed 5–7 s from the host target's ~7 s
 * with loop_wait 2 s, src/targets/host/patroni/README.md).
 */
export function patroniRestore(ctx: FaultContext): Restored | undefined {
  if (leaderHealthOf(ctx.effect) !== 'postgres-stopped') return undefined;
  const { loopWait } = timings(ctx);
  const window = { min: dur('restart.min', PATRONI_RESTART_MS.min), max: plus(loopWait, dur('restart.max', PATRONI_RESTART_MS.max)) };
  return {
    window,
    by: 'Patroni (restart in place)',
    note: `Patroni keeps the leader key: its next HA loop (within loop_wait) finds PostgreSQL down and starts it again in place, writes back within ${window.max.formula} = ${window.max.numbers}; no failover`,
  };
}
