import type { Rng } from '../controller/ports.js';
import type { Engine, Timer } from './engine.js';

export type VrrpState = 'init' | 'backup' | 'master' | 'fault';

/** RFC 3768 / keepalived skew: ((256 − priority) × advert_int) / 256. */
export function skewMs(priority: number, advertIntMs: number): number {
  return ((256 - priority) * advertIntMs) / 256;
}

/** Master_Down_Interval = 3 × advert_int + skew: how long a backup waits for adverts before taking over. */
export function masterDownIntervalMs(priority: number, advertIntMs: number): number {
  return 3 * advertIntMs + skewMs(priority, advertIntMs);
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
  preempt: boolean;
  preemptDelayMs: number;
  nodes: VrrpNodeSpec[];
  trackScript?: TrackScriptSpec;
}

/** What the VRRP model asks of the world around it. */
export interface VrrpEnvironment {
  /** keepalived runs on the node (host up, service neither stopped nor paused). */
  running(node: string): boolean;
  /** An advertisement from `from` reaches `to` now (filters, partitions, loss). */
  delivers(from: string, to: string): boolean;
  /**
   * One run of the track script on `node`: `ok`, and how long it took — a script waiting on a
   * dropped port or a frozen app only fails when keepalived times it out.
   */
  checkScript(node: string, timeoutMs: number): { ok: boolean; tookMs: number };
  /** Called before the set of holders changes (so client load is counted up to now). */
  beforeChange(): void;
  /** With fencing: may `node` take the address? Resolves false to keep it backup. */
  authorizeMaster?(node: string): Promise<boolean>;
  onState(node: string, state: VrrpState, previous: VrrpState, priority: number): void;
  onHolders(holders: string[], previous: string[]): void;
  /** The track script's verdict on the node changed (keepalived logs "Script(check_app) failed"). */
  onScript(node: string, ok: boolean): void;
}

class VrrpNode {
  state: VrrpState = 'init';
  scriptOk = true;
  scriptStreak = 0;
  downTimer?: Timer;
  advertTimer?: Timer;
  lowerSinceMs?: number;
  pendingAuthorization = false;
  /** Set when the controller moved the address here: the node advertises this priority. */
  priorityOverride?: number;

  constructor(readonly spec: VrrpNodeSpec) {}

  get id(): string {
    return this.spec.id;
  }
}

/**
 * One VRRP instance (a keepalived `vrrp_instance` on several nodes) as RFC 5798 and keepalived
 * define it: adverts every advert_int, Master_Down_Interval = 3 × advert_int + skew, lower-priority
 * adverts discarded by a preempting backup, priority 0 on shutdown, track_script weight, fencing gate.
 */
export class VrrpInstance {
  readonly #nodes: VrrpNode[];
  #holders: string[] = [];
  #depth = 0;

  constructor(
    readonly spec: VrrpSpec,
    private readonly engine: Engine,
    rng: Rng,
    private readonly env: VrrpEnvironment,
  ) {
    this.#nodes = spec.nodes.map((n) => new VrrpNode(n));
    const initialMaster = [...this.#nodes].sort((a, b) => b.spec.priority - a.spec.priority || this.#tieBreak(a, b))[0]!;
    this.#atomically(() => {
      for (const node of this.#nodes) {
        if (node === initialMaster) this.#becomeMaster(node);
        else this.#becomeBackup(node);
      }
    });
    const script = spec.trackScript;
    if (script) {
      for (const node of this.#nodes) this.#after(rng.int(0, script.intervalMs - 1), () => this.#runScript(node, script));
    }
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
      if (--this.#depth === 0) this.#publishHolders();
    }
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

  /** keepalived stopped (or resumed) on a node: stop sends priority 0 and releases the address. */
  keepalivedStopped(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      if (node.state === 'master') this.#sendAdvert(node, 0);
      this.#halt(node);
    });
  }

  /** keepalived starts again on the node (service start, host powered on). */
  keepalivedStarted(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      if (node.state !== 'init') return;
      if (node.spec.initialState === 'MASTER' && this.#effective(node) > 0) this.#becomeMaster(node);
      else this.#becomeBackup(node);
    });
  }

  /** keepalived vanished without a word (host down, process frozen): it just stops advertising. */
  keepalivedLost(nodeId: string): void {
    this.#atomically(() => {
      this.#halt(this.#node(nodeId));
    });
  }

  /** The controller takes the address for `nodeId`: it advertises priority 254 from now on and takes over at once. */
  takeOver(nodeId: string): void {
    this.#atomically(() => {
      const node = this.#node(nodeId);
      for (const n of this.#nodes) n.priorityOverride = undefined;
      node.priorityOverride = 254;
      if (node.state === 'backup') this.#becomeMaster(node);
      else if (node.state === 'master') this.#sendAdvert(node, 254);
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
    if (node.priorityOverride !== undefined) return node.priorityOverride;
    const script = this.spec.trackScript;
    if (!script || script.weight === 0) return node.spec.priority;
    if (script.weight < 0) return Math.max(1, node.scriptOk ? node.spec.priority : node.spec.priority + script.weight);
    return Math.min(254, node.scriptOk ? node.spec.priority + script.weight : node.spec.priority);
  }

  #halt(node: VrrpNode): void {
    node.downTimer?.cancel();
    node.advertTimer?.cancel();
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
    this.#sendAdvert(node, this.#effective(node));
    this.#scheduleAdvert(node);
  }

  #becomeBackup(node: VrrpNode): void {
    node.advertTimer?.cancel();
    this.#setState(node, 'backup');
    this.#resetDownTimer(node, masterDownIntervalMs(this.#effective(node), this.spec.advertIntMs));
  }

  #scheduleAdvert(node: VrrpNode): void {
    node.advertTimer = this.#after(this.spec.advertIntMs, () => {
      if (node.state !== 'master') return;
      this.#sendAdvert(node, this.#effective(node));
      this.#scheduleAdvert(node);
    });
  }

  #resetDownTimer(node: VrrpNode, delayMs: number): void {
    node.downTimer?.cancel();
    node.downTimer = this.#after(delayMs, () => this.#masterDown(node), false);
  }

  #masterDown(node: VrrpNode): void {
    if (node.state !== 'backup' || node.pendingAuthorization) return;
    const { preemptDelayMs } = this.spec;
    if (node.lowerSinceMs !== undefined && preemptDelayMs > 0 && this.engine.nowMs < node.lowerSinceMs + preemptDelayMs) {
      this.#resetDownTimer(node, node.lowerSinceMs + preemptDelayMs - this.engine.nowMs);
      return;
    }
    const authorize = this.env.authorizeMaster;
    if (!authorize) return this.#becomeMaster(node);
    node.pendingAuthorization = true;
    void authorize(node.id).then((granted) =>
      this.#atomically(() => {
        node.pendingAuthorization = false;
        if (node.state !== 'backup') return;
        if (granted) this.#becomeMaster(node);
        else this.#resetDownTimer(node, masterDownIntervalMs(this.#effective(node), this.spec.advertIntMs));
      }),
    );
  }

  #sendAdvert(from: VrrpNode, priority: number): void {
    for (const to of this.#nodes) {
      if (to === from || to.state === 'init' || to.state === 'fault') continue;
      if (!this.env.delivers(from.id, to.id)) continue;
      this.#receive(to, from, priority);
    }
  }

  #receive(node: VrrpNode, from: VrrpNode, priority: number): void {
    const own = this.#effective(node);
    const interval = this.spec.advertIntMs;
    if (node.state === 'backup') {
      if (priority === 0) return this.#resetDownTimer(node, skewMs(own, interval));
      if (!this.spec.preempt || priority >= own) {
        node.lowerSinceMs = undefined;
        this.#resetDownTimer(node, masterDownIntervalMs(own, interval));
      } else {
        node.lowerSinceMs ??= this.engine.nowMs;
      }
      return;
    }
    if (node.state === 'master') {
      if (priority === 0) {
        this.#sendAdvert(node, own);
        return;
      }
      if (priority > own || (priority === own && this.#tieBreak(from, node) < 0)) this.#becomeBackup(node);
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
    if (script.weight === 0) {
      if (!ok && node.state !== 'init') {
        if (node.state === 'master') this.#sendAdvert(node, 0);
        node.downTimer?.cancel();
        node.advertTimer?.cancel();
        this.#setState(node, 'fault');
      } else if (ok && node.state === 'fault') {
        this.#becomeBackup(node);
      }
      return;
    }
    if (node.state === 'master') this.#sendAdvert(node, this.#effective(node));
  }
}
