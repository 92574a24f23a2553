import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import { Engine, MAX_EVENTS_PER_INSTANT } from './engine.js';

describe('Engine', () => {
  it('runs events by time, then by scheduling order, with the clock at each event', async () => {
    const engine = new Engine();
    const log: string[] = [];
    const mark = (name: string) => () => log.push(`${name}@${engine.nowMs}`);
    engine.at(30, mark('a'));
    engine.at(10, mark('b'));
    engine.at(20, mark('c'));
    engine.at(10, mark('d'));
    engine.after(20, mark('e'));
    await engine.runUntil(1_000);
    expect(log).toEqual(['b@10', 'd@10', 'c@20', 'e@20', 'a@30']);
    expect(engine.processed).toBe(5);
  });

  it('schedules relative to the current event and never in the past', async () => {
    const engine = new Engine();
    const log: string[] = [];
    engine.at(20, () => {
      engine.after(5, () => log.push(`after@${engine.nowMs}`));
      engine.at(5, () => log.push(`past@${engine.nowMs}`));
    });
    engine.at(20, () => log.push(`sibling@${engine.nowMs}`));
    await engine.runUntil(100);
    expect(log).toEqual(['sibling@20', 'past@20', 'after@25']);
  });

  it('skips cancelled events and does not count them', async () => {
    const engine = new Engine();
    const log: number[] = [];
    engine.at(10, () => log.push(10));
    const timer = engine.at(20, () => log.push(20));
    engine.at(15, () => timer.cancel());
    await engine.runUntil(100);
    expect(log).toEqual([10]);
    expect(engine.processed).toBe(2);
  });

  it('runs events before endMs only and leaves the clock at endMs', async () => {
    const engine = new Engine();
    const log: number[] = [];
    for (const t of [99, 100, 101]) engine.at(t, () => log.push(t));
    await engine.runUntil(100);
    expect(log).toEqual([99]);
    expect(engine.nowMs).toBe(100);
    await engine.runUntil(101);
    expect(log).toEqual([99, 100]);
    expect(engine.nowMs).toBe(101);
  });

  it('moves the clock to endMs with nothing queued, and never back', async () => {
    const engine = new Engine();
    await engine.runUntil(500);
    expect(engine.nowMs).toBe(500);
    await engine.runUntil(200);
    expect(engine.nowMs).toBe(500);
  });

  it('calls onEvent once per event run', async () => {
    const engine = new Engine();
    engine.at(1, () => undefined);
    engine.at(2, () => undefined).cancel();
    engine.at(3, () => undefined);
    let calls = 0;
    await engine.runUntil(10, () => calls++);
    expect(calls).toBe(2);
  });

  /** An awaiter that, once woken, awaits twice more and schedules a follow-up `delayMs` later. */
  function awaiterOf(engine: Engine, log: string[], delayMs = 0): () => void {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    void (async () => {
      await woken;
      await Promise.resolve();
      await null;
      log.push(`woke@${engine.nowMs}`);
      engine.after(delayMs, () => log.push(`follow-up@${engine.nowMs}`));
    })();
    return wake;
  }

  it('lets code awaiting an event resume, and schedule at the same time, before time moves on', async () => {
    const engine = new Engine();
    const log: string[] = [];
    engine.at(10, awaiterOf(engine, log));
    engine.at(10, () => log.push('same-time@10'));
    engine.at(11, () => log.push('later@11'));
    await engine.runUntil(100);
    expect(log).toEqual(['woke@10', 'same-time@10', 'follow-up@10', 'later@11']);
  });

  it('resumes an awaiter woken just before endMs, but leaves what it schedules at endMs queued', async () => {
    const engine = new Engine();
    const log: string[] = [];
    engine.at(99, awaiterOf(engine, log, 1));
    await engine.runUntil(100);
    expect(log).toEqual(['woke@99']);
    await engine.runUntil(101);
    expect(log).toEqual(['woke@99', 'follow-up@100']);
  });

  it('drives a loop of VirtualClock sleeps in virtual time, interleaved with other events', async () => {
    const engine = new Engine();
    const clock = new VirtualClock(engine);
    const log: string[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        log.push(`tick@${clock.nowMs()}`);
      }
    })();
    engine.at(25, () => log.push('event@25'));
    await engine.runUntil(1_000);
    expect(log).toEqual(['tick@10', 'tick@20', 'event@25', 'tick@30']);
    expect(engine.nowMs).toBe(1_000);
  });

  it('stops a model that keeps rescheduling at one instant with a livelock error naming the instant', async () => {
    const engine = new Engine();
    const spin = (): void => void engine.at(engine.nowMs, spin, true);
    engine.at(5, spin, true);
    await expect(engine.runUntil(10)).rejects.toMatchObject({ code: 'simulator.livelock', atMs: 5 });
    expect(engine.processed).toBe(MAX_EVENTS_PER_INSTANT + 1);
  });

  it('lets an instant hold many events that end', async () => {
    const engine = new Engine();
    let ran = 0;
    for (let i = 0; i < 1_000; i++) engine.at(3, () => void ran++, true);
    await engine.runUntil(10);
    expect(ran).toBe(1_000);
  });
});
