import type { Rng } from '../controller/ports.js';
import type { Engine, Timer } from './engine.js';

export type VrrpState = 'init' | 'backup' | 'master' | 'fault';

/** VRRP protocol version: 2 (RFC 3768, keepalived's default) or 3 (RFC 5798). */
export type VrrpVersion = 2 | 3;

/**
 * Skew_Time: (256 − priority)/256 s in VRRPv2 (RFC 3768 §6.1), (256 − priority) × advert_int / 256
 * in VRRPv3 (RFC 5798 §6.1); keepalived's VRRP_TIMER_SKEW computes the same per version.
 */
export function skewMs(priority: number, advertIntMs: number, version: VrrpVersion = 2): number {
  return ((256 - priority) * (version === 3 ? advertIntMs : 1000)) / 256;
}

/** Master_Down_Interval = 3 × advert_int + skew: how long a backup waits for adverts before taking over. */
export function masterDownIntervalMs(priority: number, advertIntMs: number, version: VrrpVersion = 2): number {
  return 3 * advertIntMs + skewMs(priority, advertIntMs, version);
}

/**
 * The priority the controller gives the node it moves the address to (both targets): above every
 * other node's, even while its track script has lowered it by the script's weight.
 */
export function takeoverPriority(priorities: readonly number[], trackWeight = 0): number {
  return Math.min(254, Math.max(...priorities) + Math.abs(trackWeight) + 1);
}

/**
 * keepalived's gratuitous-ARP defaults (keepalived.conf(5), global_defs): `vrrp_garp_master_delay 5` — a
 * second set of gratuitous ARPs 5 s after the transition to MASTER; `vrrp_garp_lower_prio_repeat` and
 * `vrrp_garp_lower_prio_delay` default to the master ones (vrrp_data.c), so a master that receives a
 * lower-priority advert answers with its own advert and gratuitous ARPs at once and again 5 s later
 * (vrrp.c, vrrp_state_master_rx: "We receive a lower prio adv we just refresh remote ARP cache").
 */
export const GARP_MASTER_DELAY_MS = 5_000;
export const GARP_LOWER_PRIO_DELAY_MS = GARP_MASTER_DELAY_MS;

/**
 * How often a new master's gratuitous ARPs reach clients after a peer master's answer to its first advert
 * is the quick case (clients back on the peer at once): 6 of 19 split-brain drills of real keepalived
 * 2.2.7 pairs on this machine; in the other 13 clients stayed on the new master for one advert interval.
 */
export const GARP_BEFORE_ANSWER_SHARE = 6 / 19;

/** Why a node sent gratuitous ARPs: it became master, its delayed second set, or a lower-priority advert it received as master. */
export type GarpReason = 'master' | 'master-delay' | 'lower-priority' | 'lower-priority-delay';

/** Slack beyond keepalived's own timers for a controller's move to show (the host target polls the namespaces). */
const MOVE_SLACK_MS = 2_000;

/** How long a controller's move may take: master down (≤ 4 advert intervals with skew), the preempt delay and a slack. */
export function moveBudgetMs(advertIntMs: number, preemptDelayMs: number): number {
  return 4 * advertIntMs + preemptDelayMs + MOVE_SLACK_MS;
}

export interface VrrpNodeSpec {
  id: string;
  priority: number;
  initialState: 'MASTER' | 'BACKUP';
}

export interface TrackScriptSpec {
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  weight: number;
}

export interface VrrpSpec {
  vip: string;
  advertIntMs: number;
  /** VRRP version keepalived speaks (`version` in keepalived.conf); 2 when absent, as keepalived. */
  version?: VrrpVersion;
  preempt: boolean;
  preemptDelayMs: number;
  nodes: VrrpNodeSpec[];
  trackScript?: TrackScriptSpec;
  /** When the track script first runs after time 0 (see `trackScriptPhaseMs`); drawn from `rng` when absent. */
  scriptPhaseMs?: number;
  /**
   * Without a track script: when keepalived started, modulo the advert interval, for a world that runs
   * its nodes' weight-0 scripts itself ({@link VrrpInstance.scriptFault}) and started keepalived at one
   * of their runs (the database VIP's writer check). The master advertises from there plus its
   * master-down interval, as with a track script; drawn from `rng` when absent.
   */
  startPhaseMs?: number;
}

/** What the VRRP model asks of the world around it. */
export interface VrrpEnvironment {
  /** keepalived runs on the node (host up, service neither stopped nor paused). */
  running(node: string): boolean;
  /**
   * keepalived is frozen on the node (SIGSTOP) on a host that is up: it keeps its state and the
   * address, sends nothing and reads nothing until it resumes. Absent or false: it is gone.
   */
  frozen?(node: string): boolean;
  /** An advertisement from `from` reaches `to` now (filters, partitions, loss). */
  delivers(from: string, to: string): boolean;
  /**
   * One run of the track script on `node`: `ok`, and how long it took — a script waiting on a
   * dropped port or a frozen app only fails when keepalived times it out.
   */
  checkScript(node: string, timeoutMs: number): { ok: boolean; tookMs: number };
  /** Called before the set of holders changes (so client load is counted up to now). */
  beforeChange(): void;
  onState(node: string, state: VrrpState, previous: VrrpState, priority: number): void;
  onHolders(holders: string[], previous: string[]): void;
  /** The track script's verdict on the node changed (keepalived logs "Script(check_app) failed"). */
  onScript(node: string, ok: boolean): void;
  /**
   * The node sent gratuitous ARPs for the address (called after the holders of the same step were
   * published, in the order they were sent): clients that hear them send to that node from now on.
   */
  onGarp?(node: string, reason: GarpReason): void;
}

interface HolderWaiter {
  sole(): boolean;
  resolve(moved: boolean): void;
  timer: Timer;
}

class VrrpNode {
  state: VrrpState = 'init';
  scriptOk = true;
  scriptStreak = 0;
  downTimer?: Timer;
  advertTimer?: Timer;
  lowerSinceMs?: number;
  /** Weight-0 track scripts failing now: keepalived holds the instance in FAULT while any does. */
  readonly faultScripts = new Set<string>();
  /** SIGSTOP: timers stand still, the state (and the address) stay as they were. */
  frozen = false;
  /** Set when the controller moved the address here: the node's configured priority becomes this. */
  priorityOverride?: number;
  /** Delayed gratuitous-ARP sets still to come (keepalived timer threads). */
  readonly garpTimers = new Set<Timer>();
  /** A delayed set came due while frozen: keepalived sends it when it resumes. */
  garpOverdue = false;

  constructor(readonly spec: VrrpNodeSpec) {}

  get id(): string {
    return this.spec.id;
  }
}

/**
 * One VRRP instance (a keepalived `vrrp_instance` on several nodes) as RFC 3768 / RFC 5798 and
 * keepalived define it: adverts every advert_int on a phase drawn from the seed, Master_Down_Interval
 * = 3 × advert_int + skew (per version), lower-priority adverts discarded by a preempting backup and
 * answered at once by a master, priority 0 on shutdown, nothing at all while frozen, a (re)started
 * keepalived in backup until its master-down timer runs out, track_script weight and FAULT.
 */
export class VrrpInstance {
  readonly #nodes: VrrpNode[];
  #holders: string[] = [];
  readonly #waiters = new Set<HolderWaiter>();
  #depth = 0;
  /** Gratuitous ARPs sent during the current step, delivered once its holders are published. */
  #garps: Array<{ node: string; reason: GarpReason }> = [];
  readonly #garpRace: Rng;

  constructor(
    readonly spec: VrrpSpec,
    private readonly engine: Engine,
    rng: Rng,
    private readonly env: VrrpEnvironment,
  ) {
    this.#nodes = spec.nodes.map((n) => new VrrpNode(n));
    this.#garpRace = rng.fork('garp-race');
    const initialMaster = [...this.#nodes].sort((a, b) => b.spec.priority - a.spec.priority || this.#tieBreak(a, b))[0]!;
    // keepalived started on every node at once before the run (as the host target starts it): the track
    // scripts run from that start, the master won its election Master_Down_Interval after it (keepalived's
    // vrrp_init_state) and advertises from then on. Without a script the phase is drawn as it comes.
    const script = spec.trackScript;
    const scriptPhaseMs = script ? (spec.scriptPhaseMs ?? rng.int(0, script.intervalMs - 1)) : 0;
    const startMs = script ? scriptPhaseMs : spec.startPhaseMs;
    const phaseMs =
      startMs !== undefined ? (startMs + this.#masterDownMs(initialMaster)) % spec.advertIntMs : rng.fork('advert-phase').int(0, spec.advertIntMs - 1);
    this.#atomically(() => {
      for (const node of this.#nodes) {
        if (node === initialMaster) {
          this.#setState(node, 'master');
          node.advertTimer = this.#after(phaseMs, () => this.#advertise(node));
        } else {
          this.#setState(node, 'backup');
          this.#resetDownTimer(node, phaseMs - spec.advertIntMs + this.#masterDownMs(node));
        }
      }
    });
    if (script) for (const node of this.#nodes) this.#after(scriptPhaseMs, () => this.#runScript(node, script));
  }

  /**
   * Runs a step of the protocol and publishes the holders once it settled: a takeover and the old
   * master's step-down on the new master's advert happen in one instant, not as a split brain.
   */
  #atomically(step: () => void): void {
    this.#depth++;
    try {
      step();
    } finally {
      if (--this.#depth === 0) {
        this.#publishHolders();
        this.#deliverGarps();
      }
    }
  }

  #deliverGarps(): void {
    const garps = this.#garps;
    this.#garps = [];
    for (const { node, reason } of garps) this.env.onGarp?.(node, reason);
  }

  /** The node sends a set of gratuitous ARPs now. */
  #garp(node: VrrpNode, reason: GarpReason): void {
    this.#garps.push({ node: node.id, reason });
  }

  /**
   * A later set of gratuitous ARPs (a keepalived timer thread added when the set was triggered). At an
   * instant shared with the node's own advert timer the set goes first: its timer is the older one.
   */
  #garpLater(node: VrrpNode, delayMs: number, reason: GarpReason): void {
    const timer = this.#after(delayMs, () => {
      node.garpTimers.delete(timer);
      if (node.state !== 'master') return;
      if (node.frozen) node.garpOverdue = true;
      else this.#garp(node, reason);
    });
    node.garpTimers.add(timer);
  }

  /** Adverts and track scripts are plain model steps; only the master-down timer may ask the arbiter (a promise). */
  #after(delayMs: number, step: () => void, sync = true): Timer {
    return this.engine.after(delayMs, () => this.#atomically(step), sync);
  }

  #publishHolders(): void {
    const holders = this.#nodes.filter((n) => n.state === 'master').map((n) => n.id);
    if (holders.join(',') === this.#holders.join(',')) return;
    this.env.beforeChange();
    const before = this.#holders;
    this.#holders = holders;
    this.env.onHolders(holders, before);
    // resolved in an event of its own: the step that moved the address may be a sync one
    for (const waiter of this.#waiters) if (waiter.sole()) this.engine.after(0, () => this.#settle(waiter, true));
  }

  /** Nodes that hold the address now (more than one: split brain). */
  get holders(): readonly string[] {
    return this.#holders;
  }

  state(node: string): VrrpState {
    return this.#node(node).state;
  }

  /** Priority the node advertises now: its configured priority adjusted by the track script. */
  effectivePriority(node: string): number {
    return this.#effective(this.#node(node));
  }

  /** keepalived stopped on a node: it sends priority 0 (unless frozen: SIGTERM waits) and releases the address. */
  keepalivedStopped(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      if (node.state === 'master' && !node.frozen) this.#sendAdvert(node, 0);
      node.frozen = false;
      this.#halt(node);
    });
  }

  /**
   * Resolves true once `nodeId` alone holds the address, false when `timeoutMs` passes first (the
   * controller's move, like the host's, returns only when the address has moved).
   */
  whenSoleHolder(nodeId: string, timeoutMs: number): Promise<boolean> {
    const sole = () => this.#holders.length === 1 && this.#holders[0] === nodeId;
    if (sole()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { sole, resolve, timer: this.engine.after(timeoutMs, () => this.#settle(waiter, false)) };
      this.#waiters.add(waiter);
    });
  }

  #settle(waiter: HolderWaiter, moved: boolean): void {
    if (!this.#waiters.delete(waiter)) return;
    waiter.timer.cancel();
    waiter.resolve(moved);
  }

  /**
   * keepalived starts again on the node (service start, host powered on), or resumes after SIGCONT.
   * A start enters BACKUP and waits its master-down interval, whatever `state` says (keepalived.conf(5):
   * below priority 255 "the instance will wait between 3 and 4 advert intervals before it can
   * transition"); with preempt it then discards a lower master's adverts, without it it stays backup.
   * A resumed master advertises at once (its advert timer ran out while frozen); a resumed backup
   * first reads the adverts queued in its socket and restarts its master-down timer.
   */
  keepalivedStarted(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      if (node.frozen) return this.#thaw(node);
      if (node.state !== 'init') return;
      this.#becomeBackup(node);
    });
  }

  /**
   * keepalived vanished without a word. Host down or process killed: it stops advertising and the
   * address goes with it. Frozen (SIGSTOP, `env.frozen`): it stops advertising but keeps its state
   * and the address, so a backup takes over after its master-down interval and both hold it.
   */
  keepalivedLost(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      if (this.env.frozen?.(nodeId) && node.state !== 'init') {
        node.frozen = true;
        node.downTimer?.cancel();
        node.advertTimer?.cancel();
        return;
      }
      node.frozen = false;
      this.#halt(node);
    });
  }

  /**
   * The controller moves the address to `nodeId` as the host target does: `nodeId`'s priority becomes
   * {@link takeoverPriority}, every other node's its configured one, and every keepalived reloads. A
   * reloaded master advertises at once; a reloaded backup restarts its master-down timer, so the
   * raised backup discards the lower master's adverts and takes over when that timer runs out
   * (RFC 5798 §6.4.2), not at once.
   */
  takeOver(nodeId: string): void {
    this.#atomically(() => {
      const target = this.#node(nodeId);
      const others = this.#nodes.filter((n) => n !== target).map((n) => n.spec.priority);
      for (const n of this.#nodes) n.priorityOverride = undefined;
      target.priorityOverride = Math.max(target.spec.priority, takeoverPriority(others, this.spec.trackScript?.weight));
      for (const node of this.#nodes) {
        if (node.frozen) continue;
        if (node.state === 'master') {
          node.advertTimer?.cancel();
          this.#advertise(node);
        } else if (node.state === 'backup') {
          node.lowerSinceMs = undefined;
          this.#resetDownTimer(node, this.#masterDownMs(node));
        }
      }
    });
  }

  /** Fencing: force a node out of master state (it stays backup until its timer fires again). */
  demote(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      if (node.state === 'master') this.#becomeBackup(node);
    });
  }

  #node(id: string): VrrpNode {
    const node = this.#nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no keepalived node ${id}`);
    return node;
  }

  /** Equal priorities: the node listed first (think: the higher primary address) wins. */
  #tieBreak(a: VrrpNode, b: VrrpNode): number {
    return this.#nodes.indexOf(a) - this.#nodes.indexOf(b);
  }

  #effective(node: VrrpNode): number {
    const base = node.priorityOverride ?? node.spec.priority;
    const script = this.spec.trackScript;
    if (!script || script.weight === 0) return base;
    if (script.weight < 0) return Math.max(1, node.scriptOk ? base : base + script.weight);
    return Math.min(254, node.scriptOk ? base + script.weight : base);
  }

  #masterDownMs(node: VrrpNode): number {
    return masterDownIntervalMs(this.#effective(node), this.spec.advertIntMs, this.spec.version ?? 2);
  }

  #thaw(node: VrrpNode): void {
    node.frozen = false;
    if (node.state === 'master') {
      // it first reads the adverts queued in its socket while it was stopped: a lower master's are answered
      // with an advert and gratuitous ARPs, a higher one's make it backup
      for (const other of this.#nodes)
        if (other !== node && other.state === 'master' && !other.frozen && this.env.delivers(other.id, node.id) && node.state === 'master')
          this.#receive(node, other, this.#effective(other));
      if (node.state !== 'master') return;
      if (node.garpOverdue) this.#garp(node, 'master-delay');
      node.garpOverdue = false;
      this.#advertise(node);
    } else if (node.state === 'backup') this.#resetDownTimer(node, this.#masterDownMs(node));
  }

  #halt(node: VrrpNode): void {
    node.downTimer?.cancel();
    node.advertTimer?.cancel();
    for (const timer of node.garpTimers) timer.cancel();
    node.garpTimers.clear();
    node.garpOverdue = false;
    this.#setState(node, 'init');
  }

  #setState(node: VrrpNode, state: VrrpState): void {
    const previous = node.state;
    if (previous === state) return;
    node.state = state;
    this.env.onState(node.id, state, previous, this.#effective(node));
  }

  #becomeMaster(node: VrrpNode): void {
    node.downTimer?.cancel();
    node.lowerSinceMs = undefined;
    this.#setState(node, 'master');
    // keepalived adds the address and sends its first advert at once; whether its gratuitous ARPs reach the
    // clients before a peer's answer to that advert (a master that hears a lower one) is a race of two
    // sub-millisecond paths, drawn from the seed at the share measured on a real pair
    if (this.#garpRace.next() < GARP_BEFORE_ANSWER_SHARE) {
      this.#garp(node, 'master');
      this.#sendAdvert(node, this.#effective(node));
    } else {
      this.#sendAdvert(node, this.#effective(node));
      this.#garp(node, 'master');
    }
    this.#garpLater(node, GARP_MASTER_DELAY_MS, 'master-delay');
    this.#scheduleAdvert(node);
  }

  #becomeBackup(node: VrrpNode): void {
    node.advertTimer?.cancel();
    this.#setState(node, 'backup');
    this.#resetDownTimer(node, this.#masterDownMs(node));
  }

  #scheduleAdvert(node: VrrpNode): void {
    node.advertTimer = this.#after(this.spec.advertIntMs, () => this.#advertise(node));
  }

  /** A master's advert timer fired: advertise now and again after advert_int. */
  #advertise(node: VrrpNode): void {
    if (node.state !== 'master' || node.frozen) return;
    this.#sendAdvert(node, this.#effective(node));
    this.#scheduleAdvert(node);
  }

  #resetDownTimer(node: VrrpNode, delayMs: number): void {
    node.downTimer?.cancel();
    node.downTimer = this.#after(delayMs, () => this.#masterDown(node), false);
  }

  #masterDown(node: VrrpNode): void {
    if (node.state !== 'backup') return;
    const { preemptDelayMs } = this.spec;
    if (node.lowerSinceMs !== undefined && preemptDelayMs > 0 && this.engine.nowMs < node.lowerSinceMs + preemptDelayMs) {
      this.#resetDownTimer(node, node.lowerSinceMs + preemptDelayMs - this.engine.nowMs);
      return;
    }
    this.#becomeMaster(node);
  }

  #sendAdvert(from: VrrpNode, priority: number): void {
    for (const to of this.#nodes) {
      if (to === from || to.state === 'init' || to.state === 'fault' || to.frozen) continue;
      if (!this.env.delivers(from.id, to.id)) continue;
      this.#receive(to, from, priority);
    }
  }

  #receive(node: VrrpNode, from: VrrpNode, priority: number): void {
    const own = this.#effective(node);
    if (node.state === 'backup') {
      if (priority === 0) return this.#resetDownTimer(node, skewMs(own, this.spec.advertIntMs, this.spec.version ?? 2));
      if (!this.spec.preempt || priority >= own) {
        node.lowerSinceMs = undefined;
        this.#resetDownTimer(node, this.#masterDownMs(node));
      } else {
        // RFC 5798 §6.4.2: a preempting backup discards a lower-priority advert; its timer runs on
        node.lowerSinceMs ??= this.engine.nowMs;
      }
      return;
    }
    if (node.state === 'master') {
      if (priority > own || (priority === own && this.#tieBreak(from, node) < 0)) return this.#becomeBackup(node);
      // priority 0, or a lower master: keepalived answers at once with its own advert ("forcing a new election");
      // to a lower master's advert also with gratuitous ARPs, now and again after the lower-priority delay
      this.#sendAdvert(node, own);
      if (priority > 0) {
        this.#garp(node, 'lower-priority');
        this.#garpLater(node, GARP_LOWER_PRIO_DELAY_MS, 'lower-priority-delay');
      }
    }
  }

  #runScript(node: VrrpNode, script: TrackScriptSpec): void {
    if (this.env.running(node.id)) {
      const { ok, tookMs } = this.env.checkScript(node.id, script.timeoutMs);
      if (tookMs > 0) this.#after(tookMs, () => this.#scriptResult(node, ok, script));
      else this.#scriptResult(node, ok, script);
    }
    this.#after(script.intervalMs, () => this.#runScript(node, script));
  }

  #scriptResult(node: VrrpNode, ok: boolean, script: TrackScriptSpec): void {
    if (!this.env.running(node.id)) return;
    if (ok === node.scriptOk) {
      node.scriptStreak = 0;
    } else if (++node.scriptStreak >= (ok ? script.rise : script.fall)) {
      node.scriptStreak = 0;
      this.#scriptChanged(node, ok, script);
    }
  }

  #scriptChanged(node: VrrpNode, ok: boolean, script: TrackScriptSpec): void {
    node.scriptOk = ok;
    this.env.onScript(node.id, ok);
    if (script.weight === 0) return this.#scriptFault(node, 'track_script', !ok);
    if (node.state === 'master') this.#sendAdvert(node, this.#effective(node));
  }

  /**
   * A weight-0 track script of `nodeId` (e.g. the fencing script asking the arbiter) failed
   * (`failed`) or is ok again: keepalived puts the instance in FAULT — a master sends priority 0 and
   * drops the address — and back to BACKUP once no weight-0 script fails.
   */
  scriptFault(nodeId: string, script: string, failed: boolean): void {
    this.#atomically(() => this.#scriptFault(this.#node(nodeId), script, failed));
  }

  #scriptFault(node: VrrpNode, script: string, failed: boolean): void {
    if (failed) node.faultScripts.add(script);
    else node.faultScripts.delete(script);
    if (node.faultScripts.size > 0 && node.state !== 'init' && node.state !== 'fault') {
      if (node.state === 'master') this.#sendAdvert(node, 0);
      node.downTimer?.cancel();
      node.advertTimer?.cancel();
      this.#setState(node, 'fault');
    } else if (node.faultScripts.size === 0 && node.state === 'fault') {
      this.#becomeBackup(node);
    }
  }
}
