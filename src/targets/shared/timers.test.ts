import { describe, expect, it } from 'vitest';
import { RunTimers, sleep, waitUntil } from './timers.js';

const clock = { nowMs: () => Number(process.hrtime.bigint()) / 1e6 };

describe('wall-clock waits of a host run', () => {
  it('a sleep ends at once when its signal aborts', async () => {
    const abort = new AbortController();
    const started = clock.nowMs();
    setTimeout(() => abort.abort('SIGINT'), 20);
    await sleep(10_000, abort.signal);
    expect(clock.nowMs() - started).toBeLessThan(1_000);
  });

  it('a wait throws the abort reason, or names what it waited for at its timeout', async () => {
    const abort = new AbortController();
    abort.abort(new Error('interrupted by SIGTERM'));
    await expect(waitUntil(async () => false, { timeoutMs: 10_000, what: 'x', signal: abort.signal })).rejects.toThrow('interrupted by SIGTERM');
    await expect(waitUntil(async () => false, { timeoutMs: 30, what: 'app on web-1 healthy', pollMs: 5 })).rejects.toThrow(/timed out after 30 ms waiting for app on web-1 healthy/);
  });

  it('runs scheduled work at its run time, reports rejections, and runs nothing once closed', async () => {
    const errors: string[] = [];
    const ran: string[] = [];
    const timers = new RunTimers(clock, (err) => errors.push(err.message));
    const now = clock.nowMs();
    timers.schedule(now + 10, () => void ran.push('a'));
    timers.schedule(now + 10, async () => {
      throw new Error('boom');
    });
    timers.schedule(now + 5_000, () => void ran.push('late'));
    await sleep(50);
    timers.close();
    expect(await timers.settle(1_000)).toBe(true);
    expect(ran).toEqual(['a']);
    expect(errors).toEqual(['boom']);
  });
});
