import type { Engine, Timer } from './engine.js';

/** keepalived's `vrrp_script` settings of a weight-0 check (keepalived.conf(5): interval, timeout, fall, rise). */
export interface VrrpScriptTimings {
  intervalMs: number;
  /** A run that has not exited by then is killed and counts as failed (keepalived: "timed out"). */
  timeoutMs: number;
  /** Failed runs in a row that make a passing script failed. */
  fall: number;
  /** Passed runs in a row that make a failed script pass again. */
  rise: number;
}

/** keepalived on a node, as its script timer sees it: running, frozen (SIGSTOP: timers stand still), or gone (stopped, host down). */
export type KeepalivedRun = 'running' | 'frozen' | 'gone';

/** What the check model asks of the world around it. */
export interface WriterCheckEnvironment {
  keepalived(node: string): KeepalivedRun;
  /**
   * One run of the script on `node`: whether it passes and when its result comes — at once, or after the
   * timeout for a run that never exits (it waits on a frozen process).
   */
  run(node: string): { ok: boolean; tookMs: number };
  /**
   * The script's verdict on `node` changed: `true` passes, `false` failed, `undefined` not known yet
   * (keepalived (re)started and its first run has not finished: the instance waits in INIT).
   */
  onVerdict(node: string, verdict: boolean | undefined): void;
}

interface NodeCheck {
  verdict: boolean | undefined;
  /** Runs in a row against the verdict (towards rise or fall). */
  streak: number;
  /** keepalived as last seen by {@link WriterCheck.refresh}. */
  seen: KeepalivedRun;
  next?: Timer;
  /** When the next run is due (kept while keepalived is frozen: an overdue one runs when it resumes). */
  nextAtMs: number;
  /** Bumped when keepalived freezes, stops or restarts: results of runs from before are dropped. */
  generation: number;
}

/**
 * A weight-0 `vrrp_script` on each node, run as keepalived runs it over its process's life (keepalived
 * 2.x, vrrp_scheduler.c / vrrp_track.c): every `interval` on the node's own timer, a run that has not
 * exited by `timeout` failing; `fall` failed runs in a row make it failed, `rise` passed ones pass it
 * again. A (re)started keepalived runs the script at once (vrrp_init_script) and holds the instance in
 * INIT until that first result, which decides alone ("one success is enough", and a failure puts the
 * instance in FAULT); its timer runs from that start. A frozen keepalived (SIGSTOP) runs nothing; when it
 * resumes, a run that came due meanwhile runs at once and the timer goes on from there.
 *
 * At time 0 keepalived has run on every node since before the run (the host starts it before time 0 and
 * aligns time 0 to the checks' phase): the verdicts are what a run says at time 0, the first run is at
 * `phaseMs`.
 */
export class WriterCheck {
  readonly #nodes = new Map<string, NodeCheck>();

  constructor(
    readonly timings: VrrpScriptTimings,
    nodes: readonly string[],
    phaseMs: number,
    private readonly engine: Engine,
    private readonly env: WriterCheckEnvironment,
  ) {
    for (const node of nodes) {
      const seen = env.keepalived(node);
      const check: NodeCheck = { verdict: env.run(node).ok, streak: 0, seen, nextAtMs: phaseMs, generation: 0 };
      this.#nodes.set(node, check);
      if (seen === 'running') check.next = engine.at(phaseMs, () => this.#run(node), true);
    }
  }

  /** The verdict on `node` now (`undefined` while a (re)started keepalived waits for its first run). */
  verdict(node: string): boolean | undefined {
    return this.#check(node).verdict;
  }

  /**
   * The world changed (a fault or its undo): keepalived that froze, stopped, resumed or restarted on a
   * node changes when its script runs. Call after every change of a node's keepalived.
   */
  refresh(): void {
    for (const [node, check] of this.#nodes) {
      const now = this.env.keepalived(node);
      const was = check.seen;
      if (now === was) continue;
      if (now !== 'running') {
        check.generation++;
        check.next?.cancel();
        check.next = undefined;
        // a keepalived that comes back frozen has not started yet as far as its scripts go
        check.seen = now === 'frozen' && was === 'gone' ? 'gone' : now;
        continue;
      }
      check.seen = 'running';
      if (was === 'gone') this.#restart(node, check);
      else if (check.nextAtMs <= this.engine.nowMs) this.#run(node);
      else check.next = this.engine.at(check.nextAtMs, () => this.#run(node), true);
    }
  }

  #check(node: string): NodeCheck {
    const check = this.#nodes.get(node);
    if (!check) throw new Error(`no writer check on ${node}`);
    return check;
  }

  #restart(node: string, check: NodeCheck): void {
    check.generation++;
    check.next?.cancel();
    check.streak = 0;
    check.verdict = undefined;
    this.#run(node);
    // the first run is still going (it waits on a frozen process): INIT until it exits
    if (check.verdict === undefined) this.env.onVerdict(node, undefined);
  }

  #run(node: string): void {
    const check = this.#check(node);
    const { intervalMs } = this.timings;
    const { ok, tookMs } = this.env.run(node);
    const generation = check.generation;
    // the result first: at an instant shared with the next run, the earlier run's kill comes before it
    if (tookMs > 0) this.engine.after(tookMs, () => generation === check.generation && this.#result(node, check, ok), true);
    check.nextAtMs = this.engine.nowMs + intervalMs;
    check.next = this.engine.at(check.nextAtMs, () => this.#run(node), true);
    if (tookMs <= 0) this.#result(node, check, ok);
  }

  #result(node: string, check: NodeCheck, ok: boolean): void {
    if (check.verdict === undefined) {
      check.verdict = ok;
      check.streak = 0;
      this.env.onVerdict(node, ok);
      return;
    }
    if (ok === check.verdict) {
      check.streak = 0;
      return;
    }
    if (++check.streak < (ok ? this.timings.rise : this.timings.fall)) return;
    check.streak = 0;
    check.verdict = ok;
    this.env.onVerdict(node, ok);
  }
}
