import { describe, expect, it } from 'vitest';
import { EventLog } from '../../measure/events.js';
import { SampleRecorder } from '../../measure/samples.js';
import { SeededRng } from '../../random/seeded-rng.js';
import { parseScenario } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/schema.js';
import { simCapabilities } from '../../targets/sim/capabilities.js';
import { runDrill } from '../runner.js';
import type { FaultEffect, Session, SessionRecord, Target, Undo } from '../target.js';
import type { HaltState, HaltSwitch } from './halt.js';
import { CONTROLLER_FINISH_MS, STOP_CHECK_MS, StopWatch } from './stop-watch.js';

/**
 * A target that runs nothing: its session keeps a queue on a virtual clock, records every injection
 * and undo with its run time, and counts a load of `ratePerSec` whose requests fail while any fault is
 * active. Enough to watch the runner's stop conditions and kill switch, apart from any real world.
 */
class FakeSession implements Session {
  nowMs = 0;
  readonly clock = { nowMs: () => this.nowMs, sleep: async () => undefined };
  readonly rng = new SeededRng(1);
  readonly events = new EventLog(this.clock);
  readonly ports = { probe: { probe: async () => ({ ok: true, latencyMs: 1 }) } };
  readonly injected: Array<{ id: string; atMs: number }> = [];
  readonly undone: Array<{ id: string; atMs: number }> = [];
  readonly #queue: Array<{ atMs: number; seq: number; fn: () => void | Promise<void> }> = [];
  #seq = 0;
  #counted = { atMs: 0, ok: 0, total: 0 };
  #active = 0;

  constructor(private readonly ratePerSec: number) {}

  attach(): void {}
  async start(): Promise<void> {
    this.events.emit('run', 'start', {});
  }
  schedule(atMs: number, fn: () => void | Promise<void>): void {
    this.#queue.push({ atMs, seq: this.#seq++, fn });
  }
  async inject(fault: FaultEffect, onEffect: (detail: Record<string, string>) => void): Promise<Undo> {
    this.#count();
    this.injected.push({ id: fault.id, atMs: this.nowMs });
    this.#active++;
    onEffect({});
    return async () => {
      this.#count();
      this.#active--;
      this.undone.push({ id: fault.id, atMs: this.nowMs });
    };
  }
  /** Counts the requests sent since the last count: all failed while a fault was active. */
  #count(): void {
    const sent = ((this.nowMs - this.#counted.atMs) * this.ratePerSec) / 1000;
    this.#counted = { atMs: this.nowMs, total: this.#counted.total + sent, ok: this.#counted.ok + (this.#active > 0 ? 0 : sent) };
  }
  requestTotals(): { ok: number; total: number } {
    this.#count();
    return { ok: this.#counted.ok, total: this.#counted.total };
  }
  async runUntil(endMs: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) return;
      this.#queue.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      const next = this.#queue[0];
      if (!next || next.atMs >= endMs) break;
      this.#queue.shift();
      this.nowMs = next.atMs;
      await next.fn();
    }
    this.nowMs = Math.max(this.nowMs, endMs);
  }
  async finish(aborted: string | undefined): Promise<SessionRecord> {
    this.events.emit('run', 'end', aborted ? { aborted } : {});
    return { samples: new SampleRecorder(100, 60_000).finish(), invariants: [], engineEvents: 0 };
  }
  async [Symbol.asyncDispose](): Promise<void> {}
}

function fakeTarget(session: FakeSession): Target {
  return { name: 'host', description: 'fake', capabilities: simCapabilities, deterministic: false, preflight: async () => [], open: async () => session };
}

/** A kill switch the test throws: on from `set()`, its watchers called at that moment. */
class TestHalt implements HaltSwitch {
  #state?: HaltState;
  readonly #watchers: Array<(s: HaltState) => void> = [];
  state(): HaltState | undefined {
    return this.#state;
  }
  watch(onHalt: (state: HaltState) => void): () => void {
    this.#watchers.push(onHalt);
    return () => this.#watchers.splice(this.#watchers.indexOf(onHalt), 1);
  }
  set(): void {
    this.#state = { reason: 'incident 42', source: 'test' };
    for (const w of [...this.#watchers]) w(this.#state);
  }
}

const scenario = (extra = ''): Scenario =>
  parseScenario(
    `name: stops
duration: 60s
setup:
  servers: [{ id: web }]
faults:
  - { id: first, at: 10s, action: service-stop, target: web, duration: 20s }
  - { id: second, at: 40s, action: process-pause, target: web, duration: 5s }
${extra}`,
    'stops.yaml',
  ).scenario;

describe('the runner stops a drill early', () => {
  it('checks the kill switch before every injection: set between two faults, the second is never injected', async () => {
    const session = new FakeSession(100);
    const halt = new TestHalt();
    // the switch is set while the first fault is active, without a watcher firing: only the check before the next injection sees it
    const record = await runDrill(fakeTarget(session), scenario(), {
      seed: 1,
      halt: { state: () => halt.state(), watch: () => () => undefined },
      onEvent: (e) => {
        if (e.component === 'fault' && e.type === 'removed' && e.detail.faultId === 'first') halt.set();
      },
    });
    expect(session.injected).toEqual([{ id: 'first', atMs: 10_000 }]);
    // 'second' was due at 40 s: the check before it trips the stop there
    expect(record.stop).toMatchObject({ verdict: 'halted', condition: 'halt', atMs: 40_000 });
    expect(record.stop!.message).toContain('incident 42');
    expect(record.events.filter((e) => e.component === 'run' && e.type === 'halted').map((e) => e.atMs)).toEqual([40_000]);
  });

  it('undoes every active fault at the moment the kill switch is thrown and injects nothing after', async () => {
    const session = new FakeSession(100);
    const halt = new TestHalt();
    const thrownAtMs = 15_000;
    session.schedule(thrownAtMs, () => halt.set());
    const record = await runDrill(fakeTarget(session), scenario(), { seed: 1, halt });
    expect(session.injected.map((f) => f.id)).toEqual(['first']);
    expect(session.undone).toEqual([{ id: 'first', atMs: thrownAtMs }]);
    // nothing was in progress on the controller: the run ends at once, and is measured up to there
    expect(record.stop).toMatchObject({ verdict: 'halted', atMs: thrownAtMs, endedAtMs: thrownAtMs });
    expect(record.durationMs).toBe(thrownAtMs);
    expect(record.samples.ok.length).toBe(Math.ceil(thrownAtMs / record.samples.resolutionMs));
  });

  it('refuses every injection when the switch is on before the run starts', async () => {
    const session = new FakeSession(100);
    const halt = new TestHalt();
    halt.set();
    const record = await runDrill(fakeTarget(session), scenario(), { seed: 1, halt });
    expect(session.injected).toEqual([]);
    expect(record.stop).toMatchObject({ verdict: 'halted', atMs: 0 });
  });

  it('trips a stop condition from the load it counts: every fault undone at once, the verdict aborted', async () => {
    const session = new FakeSession(100);
    // every request fails from 10 s; over a 2 s window the failed share passes 25 % after 10 s + 0.25 × 2 s
    const record = await runDrill(fakeTarget(session), scenario('abort: { errorRate: "> 25%", window: 2s }'), { seed: 1 });
    const tripMs = (Math.floor((10_000 + 0.25 * 2_000) / STOP_CHECK_MS) + 1) * STOP_CHECK_MS;
    expect(record.stop).toMatchObject({ verdict: 'aborted', condition: 'errorRate', limit: '> 25% over 2s', atMs: tripMs });
    expect(session.undone).toEqual([{ id: 'first', atMs: tripMs }]);
    expect(session.injected.map((f) => f.id)).toEqual(['first']);
  });

});

describe('after a stop, the controller finishes what it started', () => {
  /** A StopWatch over a fake session whose controller settles at `settledAtMs` (never: Infinity); the run time the run ends. */
  async function endAfterStop(stopAtMs: number, settledAtMs: number): Promise<number | undefined> {
    const session = new FakeSession(100);
    const halt = new TestHalt();
    const watch = new StopWatch({ conditions: [], halt, session, durationMs: 600_000, onStop: () => undefined, settled: () => session.nowMs >= settledAtMs });
    session.schedule(stopAtMs, () => halt.set());
    watch.start();
    await session.runUntil(600_000, watch.signal);
    return watch.stop?.endedAtMs;
  }

  it('ends at once when no failover is pending or in progress', async () => {
    expect(await endAfterStop(12_000, 0)).toBe(12_000);
  });

  it('ends at the first check after the controller settled', async () => {
    expect(await endAfterStop(12_000, 17_100)).toBe((Math.floor(17_100 / STOP_CHECK_MS) + 1) * STOP_CHECK_MS);
  });

  it('ends CONTROLLER_FINISH_MS after the stop when the controller never settles', async () => {
    expect(await endAfterStop(12_000, Infinity)).toBe(12_000 + CONTROLLER_FINISH_MS);
  });
});
