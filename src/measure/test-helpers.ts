import type { RunEvent } from './events.js';
import type { MeasureOptions } from './figures.js';
import { SampleRecorder, type SampleSeries } from './samples.js';

/** One event of a hand-made log. */
export const ev = (atMs: number, component: string, type: string, detail: RunEvent['detail']): RunEvent => ({ atMs, component, type, detail });

/**
 * Hand-made traffic: `perSecond` requests a second, spread evenly from time 0, bucketed at
 * `resolutionMs`; `send(tMs, k)` says which server the k-th request (sent at tMs) went to and whether it failed.
 */
export function traffic(
  durationMs: number,
  resolutionMs: number,
  perSecond: number,
  send: (tMs: number, k: number) => { server: string; ok: boolean },
): SampleSeries {
  const recorder = new SampleRecorder(resolutionMs, durationMs);
  const gapMs = 1000 / perSecond;
  for (let k = 0; k * gapMs < durationMs; k++) {
    const t = k * gapMs;
    const { server, ok } = send(t, k);
    recorder.add(Math.floor(t / resolutionMs), server, ok, 10, 1);
  }
  return recorder.finish();
}

/** Options for hand-made logs: `lb` fronts a, b, c; `vip` is held by a or b; everything else is itself. */
export function options(overrides: Partial<MeasureOptions> = {}): MeasureOptions {
  return {
    durationMs: 120_000,
    recovery: { windowMs: 5_000, successRatio: 0.99 },
    serversBehind: (endpoint) => (endpoint === 'lb' ? ['a', 'b', 'c'] : endpoint === 'vip' ? ['a', 'b'] : [endpoint]),
    layerModes: { dns: 'platform', loadBalancer: 'controller', vip: 'platform', database: 'platform' },
    ...overrides,
  };
}
