import { scriptRule, streakWindow } from '../checks.js';
import { appBroken, type Effect } from '../effect.js';
import { count, dur, maxOf, minOf, minus, plus, times, ZERO, type Expr } from '../expr.js';
import { bestBackup, initialMaster, latencyOf } from '../topology.js';
import type { Bound, Candidate, FaultContext, LayerExplainer, Window } from '../types.js';
import { advert, afterLastAdvert, GARP_MASTER_DELAY_MS, masterDown, preemptWindow, skew } from './vrrp-timers.js';

type VipSpec = NonNullable<FaultContext['scenario']['setup']['vip']>;
type Script = NonNullable<VipSpec['trackScript']>;

/** The priority a node advertises with its track script ok or failed (keepalived.conf(5) vrrp_script `weight`). */
function effective(priority: number, script: Script | undefined, ok: boolean): number {
  if (!script || script.weight === 0) return priority;
  if (script.weight < 0) return ok ? priority : Math.max(1, priority + script.weight);
  return Math.min(254, ok ? priority + script.weight : priority);
}

/** The fencing script's window (weight 0, asking the arbiter): refused `fall` runs in a row, one per interval, the last one up to its timeout. */
function fencingWindow(vip: VipSpec): Window {
  const fs = vip.fencingScript;
  const fall = count('fencing fall', fs.fall);
  const interval = dur('fencing interval', fs.intervalMs);
  return { min: times({ ...fall, value: fs.fall - 1, formula: `(${fall.formula} − 1)`, numbers: `(${fs.fall} − 1)` }, interval), max: plus(times(fall, interval), dur('fencing timeout', fs.timeoutMs)) };
}

const window = (min: Expr, max: Expr | null = min): Window => ({ min, max });

interface Vrrp {
  vip: VipSpec;
  master: string;
  backup: string;
  /** The backup's master-down interval at its own (script ok) priority. */
  backupDown: Expr;
  adv: Expr;
  fenced: boolean;
}

function base(v: Vrrp, decidedBy: string): Omit<Candidate, 'detection' | 'switch' | 'failback'> {
  return { layer: 'vip', decidedBy, heals: true, catchUp: window(ZERO), stuckShare: 0, notes: [] };
}

/** keepalived on the master lost: the address goes with it, the backup takes over on its own timer. */
function masterGone(v: Vrrp, ctx: FaultContext): Candidate[] {
  const { effect } = ctx;
  const backupBy = `keepalived on ${v.backup}`;
  const restart = (down: Expr): Window | 'never' => {
    if (!v.vip.preempt) return 'never';
    const w = preemptWindow(v.vip, down, false);
    return window(plus(effect.backMs, w.min), plus(effect.backMs, w.max));
  };
  const masterDownTimer = masterDown(v.vip, v.master, v.vip.nodes.find((n) => n.server === v.master)!.priority);
  if (effect.keepalived === 'stopped') {
    const b = v.vip.nodes.find((n) => n.server === v.backup)!;
    return [
      {
        ...base(v, `${backupBy} (priority 0 from the stopped master: takeover after its skew)`),
        detection: null,
        switch: window(ZERO),
        catchUp: window(skew(v.vip, v.backup, b.priority)),
        failback: restart(masterDownTimer),
        notes: [`keepalived on ${v.master} sends priority 0 and releases the address at once; ${v.backup} takes over after its skew (RFC 3768 §6.4.2)`],
      },
    ];
  }
  // host down or terminated: nothing is said, the backup waits its master-down interval
  const takeover = afterLastAdvert(v.vip, v.backupDown);
  return [
    {
      ...base(v, `${backupBy} (master-down timer)`),
      detection: null,
      switch: window(ZERO),
      catchUp: window(takeover.min, takeover.max),
      failback: effect.terminated ? 'never' : restart(masterDownTimer),
      notes: [`${v.master} is down: the address goes with it; ${v.backup} takes over when its master-down timer runs out`],
    },
  ];
}

/** The backup stops hearing the master while the master keeps the address (frozen, isolated, partitioned). */
function backupTakesOver(v: Vrrp, why: string, failback: Window): Candidate {
  const takeover = afterLastAdvert(v.vip, v.backupDown);
  const candidate: Candidate = {
    ...base(v, `keepalived on ${v.backup} (master-down timer)`),
    detection: window(takeover.min, takeover.max),
    switch: window(ZERO),
    failback,
    notes: [`${why}: ${v.backup} becomes master ${v.backupDown.formula} = ${v.backupDown.numbers} after the last advert it heard, and clients follow its gratuitous ARP`],
  };
  if (v.fenced) {
    candidate.provisional = true;
    candidate.undo = fencingWindow(v.vip);
    candidate.notes.push(`fencing: the arbiter refuses ${v.backup} while ${v.master} holds the address; it goes to FAULT within fall × interval + timeout and clients return`);
  }
  return candidate;
}

/** The master's track script fails: its priority drops below the backup's (or it goes to FAULT at weight 0). */
function scriptFails(v: Vrrp, ctx: FaultContext): Candidate[] {
  const script = v.vip.trackScript;
  if (!script) return [];
  const delay = scriptRule(script.timeoutMs)(ctx.effect, latencyOf(ctx.scenario, v.master));
  if (delay === null) return [];
  const master = v.vip.nodes.find((n) => n.server === v.master)!;
  const backup = v.vip.nodes.find((n) => n.server === v.backup)!;
  const interval = dur('interval', script.intervalMs);
  const detection = streakWindow(count('fall', script.fall), interval, delay);
  const rise = streakWindow(count('rise', script.rise), interval, ZERO);
  const by = `keepalived track_script ${script.name}`;
  if (script.weight === 0) {
    const down = masterDown(v.vip, v.master, master.priority);
    return [
      {
        ...base(v, by),
        detection,
        switch: window(ZERO),
        catchUp: window(skew(v.vip, v.backup, backup.priority)),
        failback: window(plus(rise.min, down), plus(rise.max, down)),
        notes: [`weight 0: ${v.master} goes to FAULT, sends priority 0 and drops the address; ${v.backup} takes over after its skew`],
      },
    ];
  }
  const lowered = effective(master.priority, script, false);
  const other = effective(backup.priority, script, true);
  if (lowered >= other) return [];
  if (!v.vip.preempt) return [];
  const delayPreempt = dur('preempt_delay', v.vip.preemptDelayMs);
  const takeover = afterLastAdvert(v.vip, v.backupDown);
  const sw = v.vip.preemptDelayMs > 0 ? window(maxOf(takeover.min, delayPreempt), maxOf(takeover.max, delayPreempt)) : window(takeover.min, takeover.max);
  // back: the script rises; the master, a backup now, still runs the timer its last accepted advert set at its lowered priority
  const downLowered = masterDown(v.vip, v.master, lowered);
  const downRestored = masterDown(v.vip, v.master, master.priority);
  const preempt = preemptWindow(v.vip, maxOf(downLowered, downRestored), true);
  const back = window(plus(rise.min, minus(minOf(downLowered, downRestored), v.adv)), plus(rise.max, preempt.max));
  return [
    {
      ...base(v, by),
      detection,
      switch: sw,
      failback: back,
      notes: [
        `${script.name}: ${script.fall} failed runs every ${interval.numbers} lower ${v.master} to ${lowered} < ${other} (${v.backup}); ` +
          `${v.backup} discards its adverts (preempt, RFC 5798 §6.4.2) and takes over when its master-down timer runs out`,
      ],
    },
  ];
}

/** One-way loss of the master's adverts at the backup: both hold the address; the master answers the backup's adverts with gratuitous ARPs. */
function backupDeaf(v: Vrrp, ctx: FaultContext): Candidate[] {
  const takeover = afterLastAdvert(v.vip, v.backupDown);
  // clients reach the backup at its takeover; the master answers the backup's first advert with gratuitous ARPs,
  // which reach them before or after the backup's own (a race), else it answers the next advert one advert_int
  // later. The backup's second set (vrrp_garp_master_delay after its takeover) is answered in the same instant:
  // that is the last move away from it. Fenced: the arbiter takes the address from it before that.
  const garp = dur('vrrp_garp_master_delay', GARP_MASTER_DELAY_MS);
  const settle = v.fenced
    ? window(takeover.min, plus(takeover.max, minOf(v.adv, fencingWindow(v.vip).max!)))
    : window(plus(takeover.min, garp), plus(takeover.max, garp));
  // the backup's own track script failing (its app broken too) is the verdict the measurement reads, if it comes first
  const script = v.vip.trackScript;
  const delay = script ? scriptRule(script.timeoutMs)(ctx.effect, latencyOf(ctx.scenario, v.backup)) : null;
  const verdict = script && delay ? streakWindow(count('fall', script.fall), dur('interval', script.intervalMs), delay) : undefined;
  const judged = verdict
    ? {
        detection: { min: verdict.min, max: minOf(verdict.max, settle.max!) },
        detectionMayBeAbsent: verdict.max.ms > settle.min.ms,
        switch: { min: ZERO, max: settle.max!.ms > verdict.min.ms ? minus(settle.max!, verdict.min) : ZERO },
        timeToSwitch: settle,
      }
    : { detection: null, switch: settle };
  return [
    {
      ...base(v, `keepalived on ${v.master} (gratuitous ARPs answering ${v.backup}'s adverts)`),
      ...judged,
      failback: 'never',
      notes: [
        `${v.backup} no longer hears ${v.master}: it becomes master after ${v.backupDown.formula} and sends gratuitous ARPs; ${v.master}, still master, answers each of its adverts with its own` +
          `; clients are back on ${v.master} at once or at ${v.backup}'s next advert (whose gratuitous ARPs arrive last is a race)` +
          (v.fenced ? `; the arbiter fences ${v.backup} within fall × interval + timeout` : ''),
      ],
    },
  ];
}

function isDeafTo(effect: Effect, peer: string): boolean {
  return effect.deafTo === 'all' || effect.deafTo.includes(peer);
}

/**
 * keepalived / VRRP (platform mode): the backup takes over when its master-down timer runs out
 * (3 × advert_int + skew, RFC 3768 / RFC 5798 §6.4.2) after the last advert it accepted; a stopped
 * master says goodbye with priority 0 (takeover after the skew), a frozen one says nothing and keeps
 * the address; a failed track_script lowers the master's priority by its weight (or puts it in FAULT
 * at weight 0) after fall runs; preempt and preempt_delay decide the failback (keepalived.conf(5)).
 */
export const keepalivedLayer: LayerExplainer = {
  key: 'keepalived',
  hits: (ctx) => {
    const vip = ctx.scenario.setup.vip;
    return vip !== undefined && ctx.scenario.controller.layers.vip === 'platform' && vip.nodes.some((n) => n.server === ctx.effect.server) && !ctx.effect.database;
  },
  candidates: (ctx) => {
    const vip = ctx.scenario.setup.vip!;
    const master = initialMaster(vip).server;
    const backupNode = bestBackup(vip, master);
    if (!backupNode) return [];
    const v: Vrrp = {
      vip,
      master,
      backup: backupNode.server,
      backupDown: masterDown(vip, backupNode.server, backupNode.priority),
      adv: advert(vip),
      fenced: vip.fencing === 'arbiter',
    };
    const { effect } = ctx;
    if (effect.server === master) {
      if (effect.keepalived === 'stopped' || effect.keepalived === 'gone') return masterGone(v, ctx);
      if (effect.keepalived === 'frozen') return [backupTakesOver(v, `keepalived on ${master} is frozen (SIGSTOP)`, window(ZERO))];
      if (effect.isolated) {
        const c = backupTakesOver(v, `${master} is cut off the network`, window(ZERO, v.adv));
        if (v.fenced) return [{ ...c, provisional: false, maybe: true, switch: { min: ZERO, max: null }, notes: [...c.notes, 'an isolated master cannot reach the arbiter either: explain gives no bound'] }];
        return [c];
      }
      if (effect.mutedTo.includes(v.backup)) return [backupTakesOver(v, `${v.backup} no longer hears ${master}`, window(ZERO, v.adv))];
      if (effect.loss > 0) return [];
      return scriptFails(v, ctx);
    }
    if (effect.server === v.backup && isDeafTo(effect, master) && !effect.isolated) {
      // a two-way partition leaves clients on the backup: nothing moves away from it
      return effect.mutedTo.includes(master) ? [] : backupDeaf(v, ctx);
    }
    if (effect.server === v.backup && effect.loss > 0) {
      // lost adverts: the backup takes over whenever three in a row are lost, at no time the configuration bounds
      return [
        {
          ...base(v, `keepalived on ${v.backup} (lost adverts)`),
          detection: null,
          switch: { min: ZERO, max: null },
          maybe: true,
          failback: 'never',
          notes: [`${Math.round(effect.loss * 100)} % of ${master}'s adverts lost at ${v.backup}: it takes over whenever its master-down timer runs out between two that arrive; explain gives no bound`],
        },
      ];
    }
    return [];
  },
  moves: (ctx) => {
    const vip = ctx.scenario.setup.vip!;
    const master = initialMaster(vip).server;
    const backup = bestBackup(vip, master);
    const { effect } = ctx;
    // a two-way partition seen from the backup: the address (and the clients) move to it at its takeover, and back when it is fenced
    if (!backup || effect.server !== backup.server || !isDeafTo(effect, master) || !effect.mutedTo.includes(master)) return [];
    const takeover = afterLastAdvert(vip, masterDown(vip, backup.server, backup.priority));
    const fenced = vip.fencing === 'arbiter' ? fencingWindow(vip).max! : ZERO;
    return [{ min: takeover.min, max: plus(takeover.max, fenced) }];
  },
  extra: (ctx) => splitBrainBounds(ctx),
};

/** Why keepalived leaves the address where it is, for the explanation's notes. */
export function keepalivedQuiet(ctx: FaultContext): string | undefined {
  const vip = ctx.scenario.setup.vip;
  if (!vip || !vip.nodes.some((n) => n.server === ctx.effect.server)) return undefined;
  const master = initialMaster(vip);
  if (ctx.effect.server !== master.server) return `${ctx.effect.server} is a backup: keepalived keeps the address on ${master.server}`;
  if (appBroken(ctx.effect) && !vip.trackScript) return `no track_script: keepalived does not see ${master.server}'s app fail`;
  return undefined;
}


/**
 * Two holders of the address: from the backup's takeover until the master is heard again (the fault's
 * removal, then at most one advert each way) or, with arbiter fencing, until the fencing script's
 * `fall`-th refusal (fall × interval + timeout).
 */
export function splitBrainBounds(ctx: FaultContext): Bound[] {
  const vip = ctx.scenario.setup.vip;
  if (!vip || ctx.scenario.controller.layers.vip !== 'platform') return [];
  const master = initialMaster(vip).server;
  const backupNode = bestBackup(vip, master);
  if (!backupNode) return [];
  const { effect } = ctx;
  const both =
    effect.server === master
      ? effect.keepalived === 'frozen' || effect.isolated || effect.mutedTo.includes(backupNode.server)
      : effect.server === backupNode.server && isDeafTo(effect, master) && !effect.isolated;
  if (!both) return [];
  const down = masterDown(vip, backupNode.server, backupNode.priority);
  const adv = advert(vip);
  const by = `keepalived on ${backupNode.server}`;
  if (vip.fencing === 'arbiter' && !effect.isolated) {
    return [{ figure: 'splitBrain', occurs: 'always', window: fencingWindow(vip), decidedBy: `${by} fenced by the arbiter`, note: 'the fencing script refuses the taker fall times in a row' }];
  }
  const lasting = dur(ctx.fault.durationMs !== undefined ? 'duration' : 'rest of the run', ctx.fault.durationMs ?? ctx.scenario.durationMs - ctx.fault.atMs);
  const tail = effect.keepalived === 'frozen' ? adv : plus(adv, adv);
  return [
    {
      figure: 'splitBrain',
      occurs: 'always',
      window: { min: minus(lasting, down), max: plus(minus(lasting, down), tail) },
      decidedBy: by,
      note: `both hold the address from the takeover until ${ctx.fault.durationMs !== undefined ? 'the fault is removed' : 'the end of the run'}`,
    },
  ];
}
