import { describe, expect, it } from 'vitest';
import { EventLog } from '../measure/events.js';
import { VirtualClock } from '../simulator/clock.js';
import { Engine } from '../simulator/engine.js';
import { SeededRng } from '../random/seeded-rng.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { PortError, type PortErrorCode } from './port-error.js';
import { Supervisor } from './supervise.js';

/** base × factor^(n − 1), capped: the backoff formula with no jitter. */
const rawDelayMs = (p: RetryPolicy, n: number) => Math.min(p.capMs, p.baseMs * p.factor ** (n - 1));

function setup(policy: Partial<RetryPolicy> = {}) {
  const engine = new Engine();
  const clock = new VirtualClock(engine);
  const events = new EventLog(clock);
  const fullPolicy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, jitter: 0, ...policy };
  let running = true;
  const supervisor = new Supervisor({ clock, events, rng: new SeededRng(1), policy: fullPolicy, running: () => running });
  const errors = () => events.events.filter((e) => e.type === 'port.error');
  return { engine, clock, events, supervisor, policy: fullPolicy, errors, stop: () => void (running = false) };
}

const failure = (code: PortErrorCode = 'THROTTLED') => new PortError(code, 'dns', 'setActive', 'injected');

describe('Supervisor.loop', () => {
  it('retries a failing step after max(everyMs, backoff(n)) and returns to its cadence after a success', async () => {
    const s = setup({ baseMs: 500, factor: 2, capMs: 8_000 });
    const everyMs = 1_000;
    const stepTimes: number[] = [];
    const failing = 4;
    void s.supervisor.loop(
      'members:x',
      async () => {
        stepTimes.push(s.clock.nowMs());
        if (stepTimes.length <= failing) throw failure();
        return everyMs;
      },
      { everyMs },
    );
    await s.engine.runUntil(30_000);
    // failures 1..4 wait max(1000, 500 × 2^(n−1)) = 1000, 1000, 2000, 4000
    const waits = [1, 2, 3, 4].map((n) => Math.max(everyMs, rawDelayMs(s.policy, n)));
    const expected = [0];
    for (const w of waits) expected.push(expected.at(-1)! + w);
    expect(stepTimes.slice(0, failing + 1)).toEqual(expected);
    // then back on its cadence
    expect(stepTimes[failing + 1]! - stepTimes[failing]!).toBe(everyMs);
    expect(s.errors().map((e) => [e.detail.attempt, e.detail.retryInMs])).toEqual(waits.map((w, i) => [i + 1, w]));
    expect(s.errors()[0]!.detail).toMatchObject({ code: 'THROTTLED', port: 'dns', operation: 'setActive', retryable: true, loop: 'members:x' });
  });

  it('keeps retrying a step whose error is not retryable: a loop never stops by itself', async () => {
    const s = setup();
    let steps = 0;
    void s.supervisor.loop('observe:x', async () => {
      steps++;
      throw failure('INVALID');
    });
    await s.engine.runUntil(60_000);
    // waits of base 1 s doubling (cap 30 s): steps at 0, 1, 3, 7, 15, 31 s; the next would be at 61 s
    expect(steps).toBe(6);
  });

  it('reports a thrown non-PortError as INTERNAL of the controller under the loop name', async () => {
    const s = setup();
    void s.supervisor.loop('health:a', async () => {
      throw new TypeError('x is undefined');
    });
    await s.engine.runUntil(1);
    expect(s.errors()[0]!.detail).toMatchObject({ code: 'INTERNAL', port: 'controller', operation: 'health:a', retryable: false });
  });

  it('ends when the step says stop or the controller stops', async () => {
    const s = setup();
    let a = 0;
    let b = 0;
    const done = s.supervisor.loop('a', async () => (++a === 3 ? 'stop' : 100));
    void s.supervisor.loop('b', async () => {
      b++;
      return 100;
    });
    s.engine.at(1_000, () => s.stop());
    await s.engine.runUntil(5_000);
    await done;
    expect(a).toBe(3);
    // stop() at 1 s was scheduled before the wake-up for that instant, so it runs first: steps at 0, 100, …, 900
    expect(b).toBe(10);
  });
});

describe('Supervisor.retry', () => {
  it('retries retryable failures at the backoff times and returns the result', async () => {
    const s = setup();
    const times: number[] = [];
    const result = s.supervisor.retry('failover:g', async () => {
      times.push(s.clock.nowMs());
      if (times.length <= 2) throw failure('TIMEOUT');
      return 'done';
    });
    await s.engine.runUntil(60_000);
    await expect(result).resolves.toBe('done');
    expect(times).toEqual([0, rawDelayMs(s.policy, 1), rawDelayMs(s.policy, 1) + rawDelayMs(s.policy, 2)]);
  });

  it('gives up after stepAttempts attempts with the last error, reported without retryInMs', async () => {
    const s = setup({ stepAttempts: 3 });
    let calls = 0;
    const result = s.supervisor.retry('failover:g', async () => {
      calls++;
      throw failure('UNAVAILABLE');
    });
    const settled = result.catch((err: unknown) => err);
    await s.engine.runUntil(60_000);
    expect(await settled).toMatchObject({ code: 'UNAVAILABLE' });
    expect(calls).toBe(s.policy.stepAttempts);
    expect(s.errors().map((e) => e.detail.retryInMs)).toEqual([rawDelayMs(s.policy, 1), rawDelayMs(s.policy, 2), undefined]);
  });

  it('starts no retry beyond stepBudgetMs after the first attempt', async () => {
    // base 1 s doubling: attempts at 0, 1, 3 s; the next would start at 7 s > budget 5 s
    const s = setup({ stepAttempts: 10, stepBudgetMs: 5_000 });
    const times: number[] = [];
    const settled = s.supervisor
      .retry('failover:g', async () => {
        times.push(s.clock.nowMs());
        throw failure();
      })
      .catch(() => undefined);
    await s.engine.runUntil(60_000);
    await settled;
    expect(times).toEqual([0, 1_000, 3_000]);
  });

  it('does not retry a non-retryable failure', async () => {
    const s = setup();
    let calls = 0;
    const settled = s.supervisor
      .retry('failover:g', async () => {
        calls++;
        throw failure('INVALID');
      })
      .catch((err: unknown) => err);
    await s.engine.runUntil(60_000);
    expect(await settled).toMatchObject({ code: 'INVALID', retryable: false });
    expect(calls).toBe(1);
  });
});

describe('Supervisor.detach', () => {
  it('reports a rejected task instead of leaving an unhandled rejection', async () => {
    const s = setup();
    s.supervisor.detach('scale', Promise.reject(failure('CONFLICT')));
    await s.engine.runUntil(1);
    expect(s.errors().map((e) => [e.detail.loop, e.detail.code])).toEqual([['scale', 'CONFLICT']]);
  });
});
