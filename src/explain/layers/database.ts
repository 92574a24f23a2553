import { defaults } from '../../scenario/defaults.js';
import { dbVipOf } from '../../scenario/db-vip.js';
import { usesPatroni } from '../../scenario/patroni.js';
import { replicationLagMs } from '../../scenario/replication-lag.js';
import type { DatabaseSpec } from '../../scenario/schema.js';
import { dur, minus, plus, ZERO, type Expr } from '../expr.js';
import type { Bound, Candidate, FaultContext, LayerExplainer, Window } from '../types.js';
import { dbVipFollow } from './db-vip.js';
import { leaderHealthOf, patroniCandidates, patroniRestore } from './patroni.js';

/** The documented failover time of the engine (design.md §5), or the scenario's `failover` range. */
export function failoverRange(db: DatabaseSpec): Window {
  const range = db.failoverMs ?? defaults.database[db.engine].failoverMs;
  const name = db.failoverMs ? 'failover' : `${db.engine} failover`;
  return { min: dur(`${name}.min`, range.min), max: dur(`${name}.max`, range.max) };
}

/**
 * How long the app keeps writing to the old writer after the switch: `dns` mode re-resolves the writer
 * endpoint within its TTL (RDS endpoints: 5 s), `controller` mode is repointed at once, `vip` mode
 * follows the keepalived address once the promoted standby's writer check let it take it:
 * (rise − 1) × interval + skew(standby) to rise × interval + masterDown(standby) ({@link dbVipFollow}).
 */
export function endpointRefresh(db: DatabaseSpec): Window {
  const vip = dbVipOf(db);
  if (vip) return dbVipFollow(db, vip);
  return db.endpoint.mode === 'dns' ? { min: ZERO, max: dur('endpoint TTL', db.endpoint.ttlMs) } : { min: ZERO, max: ZERO };
}

/** The writer's app (its database) does not answer: the platform sees the writer lost. */
export function writerLost(ctx: FaultContext): boolean {
  const db = ctx.scenario.setup.database;
  const { effect } = ctx;
  return db !== undefined && !effect.database && effect.server === db.primary && (effect.app !== 'ok' || effect.hostDown);
}

/**
 * The database platform (layers.database: platform). A FIS failover (failover-db-cluster, a reboot
 * with forceFailover) starts the engine's failover at once; a lost writer is detected by the platform
 * first (`detectionMs`, assumed per engine, kept inside the documented total) and the whole failover
 * stays within the documented range: RDS Multi-AZ instance 60–120 s, Multi-AZ DB cluster < 35 s,
 * Aurora < 60 s (design.md §5, src/scenario/defaults.ts). postgres-streaming in platform mode is
 * Patroni, derived from the scenario's ttl, loop_wait and retry_timeout (./patroni.ts). The app
 * follows the new writer when its endpoint refreshes. Nothing fails back by itself.
 */
export const databaseLayer: LayerExplainer = {
  key: 'database',
  hits: (ctx) => ctx.scenario.setup.database !== undefined && (ctx.effect.database !== undefined || writerLost(ctx)),
  candidates: (ctx) => {
    const db = ctx.scenario.setup.database!;
    const engine = defaults.database[db.engine];
    const total = failoverRange(db);
    const refresh = endpointRefresh(db);
    const by = `database platform (${db.engine})`;
    const base = { layer: 'database' as const, heals: true, catchUp: { min: ZERO, max: ZERO }, stuckShare: 0, failback: 'never' as const };
    if (ctx.effect.database === 'failover') {
      return [
        {
          ...base,
          decidedBy: `${by}, failover started by FIS`,
          detection: { min: ZERO, max: ZERO },
          switch: { min: plus(total.min, refresh.min), max: plus(total.max!, refresh.max!) },
          notes: [`the failover starts with the action and takes ${total.min.numbers}–${total.max!.numbers}; the app reaches the new writer ${refresh.max!.ms > 0 ? `within the endpoint's ${refresh.max!.numbers} TTL` : 'at once'}`],
        },
      ];
    }
    if (ctx.effect.database === 'reboot' || ctx.scenario.controller.layers.database !== 'platform' || !engine.automaticFailover) return [];
    if (usesPatroni(ctx.scenario)) return patroniCandidates(ctx, base, refresh);
    const detected = { min: dur(`${db.engine} detection.min`, Math.min(engine.detectionMs.min, total.max!.ms)), max: dur(`${db.engine} detection.max`, Math.min(engine.detectionMs.max, total.max!.ms)) };
    const earliest = total.min.ms - detected.max.ms;
    const candidate: Candidate = {
      ...base,
      decidedBy: by,
      detection: detected,
      switch: { min: plus(earliest > 0 ? minus(total.min, detected.max) : ZERO, refresh.min), max: plus(minus(total.max!, detected.min), refresh.max!) },
      timeToSwitch: { min: plus(total.min, refresh.min), max: plus(total.max!, refresh.max!) },
      notes: [`the platform notices the lost writer after ${detected.min.numbers}–${detected.max.numbers} (assumed) and completes the failover within ${total.min.numbers}–${total.max!.numbers} of the fault`],
    };
    if (ctx.fault.durationMs !== undefined && ctx.fault.durationMs < detected.max.ms) {
      candidate.maybe = true;
      candidate.notes.push('the writer may come back before the platform notices: no failover then');
    }
    return [candidate];
  },
  extra: (ctx) => rpoBounds(ctx),
  restores: (ctx) => (usesPatroni(ctx.scenario) && !ctx.effect.database ? patroniRestore(ctx) : undefined),
};

/**
 * Data lost when the standby is promoted after the writer was lost: the writes of the last
 * replication-lag span (the spike's lag while one lasts). Synchronous engines lag 0 and lose nothing;
 * a FIS-started failover hands over cleanly.
 */
function rpoBounds(ctx: FaultContext): Bound[] {
  const db = ctx.scenario.setup.database!;
  if (ctx.effect.database) {
    return [{ figure: 'rpo', occurs: 'always', window: { min: ZERO, max: ZERO }, decidedBy: `${db.engine} failover`, note: 'a started failover hands every acknowledged write over' }];
  }
  if (usesPatroni(ctx.scenario) && leaderHealthOf(ctx.effect) !== 'lost') {
    return [{ figure: 'rpo', occurs: 'always', window: { min: ZERO, max: ZERO }, decidedBy: 'Patroni', note: 'no failover: the writer keeps every acknowledged write' }];
  }
  const lagMs = replicationLagMs(db, ctx.fault.atMs);
  const lag: Expr = dur('replication lag at the fault', lagMs);
  return [
    {
      figure: 'rpo',
      occurs: 'always',
      window: { min: ZERO, max: lag },
      decidedBy: `${db.engine} replication`,
      note: lagMs > 0 ? `up to ${lag.numbers} of acknowledged writes (≈ ${Math.ceil((lagMs / 1000) * db.writeRate)} at ${db.writeRate}/s) are lost if the standby is promoted` : 'synchronous: nothing is lost',
    },
  ];
}

