import { describe, expect, it } from 'vitest';
import type { RunEvent } from './events.js';
import { measure } from './metrics.js';
import { SampleRecorder } from './samples.js';

const ev = (atMs: number, component: string, type: string, detail: RunEvent['detail']): RunEvent => ({ atMs, component, type, detail });

/** 100 requests per second in 100 ms buckets; `failing(tMs)` tells which buckets fail. */
function samples(durationMs: number, failing: (tMs: number) => number) {
  const recorder = new SampleRecorder(100, durationMs);
  for (let b = 0; b < durationMs / 100; b++) {
    const errors = failing(b * 100);
    recorder.add(b, 'a', true, 20, 10 - errors);
    recorder.add(b, 'a', false, 1, errors);
  }
  return recorder.finish();
}

const options = {
  durationMs: 120_000,
  recovery: { windowMs: 5_000, successRatio: 0.99 },
  serversBehind: (endpoint: string) => (endpoint === 'lb' ? ['a', 'b'] : [endpoint]),
};

describe('measure', () => {
  const events = [
    ev(10_000, 'fault', 'injected', { faultId: 'f', action: 'service-stop', target: 'a' }),
    ev(14_000, 'lb', 'target.health', { target: 'b', health: 'unhealthy' }),
    ev(22_000, 'route53', 'health', { target: 'lb', health: 'unhealthy' }),
    ev(25_000, 'controller', 'health', { target: 'a', health: 'unhealthy' }),
    ev(31_000, 'dns', 'route.changed', { fromServers: 'a', toServers: 'b' }),
    ev(60_000, 'fault', 'removed', { faultId: 'f', action: 'service-stop', target: 'a' }),
    ev(70_000, 'dns', 'route.changed', { fromServers: 'b', toServers: 'a' }),
  ];
  // every request fails from 10 s to 40 s, then all succeed
  const series = samples(120_000, (t) => (t >= 10_000 && t < 40_000 ? 10 : 0));

  it('computes detection, switch, RTO, failback, downtime and errors as design.md §4 defines them', () => {
    const m = measure(events, series, options);
    const f = m.perFault[0]!;
    // the first unhealthy verdict about a server behind the failed one: Route 53 on the load balancer in front of a
    expect(f).toMatchObject({ detectedAtMs: 22_000, detectedBy: 'route53', detectionMs: 12_000 });
    expect(f).toMatchObject({ switchedAtMs: 31_000, switchMs: 9_000 });
    expect(f).toMatchObject({ recoveredAtMs: 40_000, rtoMs: 30_000 });
    expect(f).toMatchObject({ failedBackAtMs: 70_000, failbackMs: 10_000 });
    expect(f.downtimeMs).toBe(30_000);
    expect(f.errorCount).toBe(3_000);
    expect(f.requestCount).toBe(11_000);
    expect(m).toMatchObject({ detectionMs: 12_000, switchMs: 9_000, rtoMs: 30_000, failbackMs: 10_000, errorCount: 3_000, requestCount: 12_000 });
    expect(m.errorRate).toBeCloseTo(0.25, 10);
  });

  it('needs the whole recovery window at the success ratio: one failing request in 500 delays recovery', () => {
    const flaky = samples(120_000, (t) => (t >= 10_000 && t < 40_000 ? 10 : t >= 44_000 && t < 44_100 ? 1 : 0));
    // windows starting in (39.1 s, 44 s] contain the extra error: 1 of 500 is still ≥ 99 %, so recovery stays at 40 s
    expect(measure(events, flaky, options).rtoMs).toBe(30_000);
    const flakier = samples(120_000, (t) => (t >= 10_000 && t < 40_000 ? 10 : t >= 44_000 && t < 44_100 ? 6 : 0));
    // 6 of 500 = 1.2 % errors: the first window that qualifies starts after the bad bucket
    expect(measure(events, flakier, options).rtoMs).toBe(34_100);
  });

  it('reports RTO 0 when clients saw no error, and null (never) when they did not recover', () => {
    expect(measure(events, samples(120_000, () => 0), options).rtoMs).toBe(0);
    expect(measure(events, samples(120_000, (t) => (t >= 10_000 ? 10 : 0)), options).rtoMs).toBeNull();
  });

  it('reports detection as null when no checker noticed before the fault was removed', () => {
    const unnoticed = [events[0]!, events[5]!];
    const m = measure(unnoticed, series, options);
    expect(m.perFault[0]!.detectedAtMs).toBeNull();
    expect(m.detectionMs).toBeNull();
    expect(m.perFault[0]!.failbackMs).toBeNull();
  });

  it('takes the worst fault for the run and leaves planned maintenance out of detection and RTO', () => {
    const two = [
      ...events,
      ev(80_000, 'fault', 'injected', { faultId: 'g', action: 'service-stop', target: 'b' }),
      ev(82_000, 'controller', 'health', { target: 'b', health: 'unhealthy' }),
      ev(83_000, 'fault', 'injected', { faultId: 'm', action: 'service-stop', target: 'a', planned: true }),
    ];
    const m = measure(two, series, options);
    expect(m.perFault.map((f) => f.detectionMs)).toEqual([12_000, 2_000, null]);
    expect(m.detectionMs).toBe(12_000);
    // g was never switched away from: switch is null, and that is the worst
    expect(m.switchMs).toBeNull();
  });

  it('measures failback from the last removal of faults that overlap, since traffic cannot come back before', () => {
    const overlapping = [
      ev(10_000, 'fault', 'injected', { faultId: 'f', action: 'service-stop', target: 'a' }),
      ev(12_000, 'fault', 'injected', { faultId: 'g', action: 'service-stop', target: 'a' }),
      ev(20_000, 'controller', 'health', { target: 'a', health: 'unhealthy' }),
      ev(21_000, 'dns', 'route.changed', { fromServers: 'a', toServers: 'b' }),
      ev(60_000, 'fault', 'removed', { faultId: 'f', action: 'service-stop', target: 'a' }),
      ev(90_000, 'fault', 'removed', { faultId: 'g', action: 'service-stop', target: 'a' }),
      ev(100_000, 'dns', 'route.changed', { fromServers: 'b', toServers: 'a' }),
    ];
    const m = measure(overlapping, series, options);
    expect(m.perFault.map((f) => f.failbackMs)).toEqual([10_000, 10_000]);
    expect(m.failbackMs).toBe(10_000);
  });
});
