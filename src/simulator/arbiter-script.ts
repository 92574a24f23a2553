import type { Rng } from '../controller/ports.js';
import type { Engine } from './engine.js';

/** keepalived's `vrrp_script` settings of the fencing script (weight 0: a failed script means FAULT). */
export interface ArbiterScriptSpec {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
}

/** What the fencing script model asks of the world around it. */
export interface ArbiterScriptEnvironment {
  /** keepalived runs (and so runs its scripts) on the node: host up, service neither stopped nor frozen. */
  running(node: string): boolean;
  /** The node's requests reach the arbiter (not cut off from the network). */
  reachesArbiter(node: string): boolean;
  /** The arbiter's answer: may `node` hold the address? */
  ask(node: string): Promise<{ granted: boolean }>;
  /** The script's verdict changed after fall / rise runs: keepalived enters or leaves FAULT. */
  onVerdict(node: string, ok: boolean): void;
}

interface NodeScript {
  ok: boolean;
  streak: number;
}

/**
 * The fencing `vrrp_script` on every keepalived node, as keepalived runs a track script: every
 * `interval` on a phase of its own (drawn from the seed), a run that gets no answer fails when
 * `timeout` runs out, `fall` failed runs in a row make it failed, `rise` good ones ok again. A run
 * asks the arbiter whether the node may hold the address (the same question the host's
 * `arbiter.sh` asks over HTTP); an unreachable arbiter is a failed run after the timeout.
 */
export class ArbiterScript {
  readonly #state = new Map<string, NodeScript>();

  constructor(
    readonly spec: ArbiterScriptSpec,
    nodes: readonly string[],
    private readonly engine: Engine,
    rng: Rng,
    private readonly env: ArbiterScriptEnvironment,
  ) {
    for (const node of nodes) {
      this.#state.set(node, { ok: true, streak: 0 });
      this.engine.after(rng.int(0, spec.intervalMs - 1), () => this.#run(node));
    }
  }

  /** The script's verdict on `node` now. */
  ok(node: string): boolean {
    return this.#state.get(node)!.ok;
  }

  #run(node: string): void {
    this.engine.after(this.spec.intervalMs, () => this.#run(node));
    if (!this.env.running(node)) return;
    if (!this.env.reachesArbiter(node)) {
      this.engine.after(this.spec.timeoutMs, () => this.#result(node, false), true);
      return;
    }
    void this.env.ask(node).then(
      ({ granted }) => this.#result(node, granted),
      () => this.#result(node, false),
    );
  }

  #result(node: string, ok: boolean): void {
    if (!this.env.running(node)) return;
    const state = this.#state.get(node)!;
    if (ok === state.ok) {
      state.streak = 0;
      return;
    }
    if (++state.streak < (ok ? this.spec.rise : this.spec.fall)) return;
    state.streak = 0;
    state.ok = ok;
    this.env.onVerdict(node, ok);
  }
}
