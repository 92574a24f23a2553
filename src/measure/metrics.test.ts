import { describe, expect, it } from 'vitest';
import { parseLimit } from '../scenario/limit.js';
import { checkExpectations } from './expectations.js';
import { measure } from './metrics.js';
import { ev, options, traffic } from './test-helpers.js';

const RES_MS = 100;
const RATE = 100; // requests a second: one every 10 ms, ten per 100 ms bucket
const inject = (atMs: number, faultId: string, target: string, extra: Record<string, string | boolean> = {}) =>
  ev(atMs, 'fault', 'injected', { faultId, action: 'service-stop', target, ...extra });
const remove = (atMs: number, faultId: string, target: string) => ev(atMs, 'fault', 'removed', { faultId, action: 'service-stop', target });
const route = (atMs: number, component: string, from: string, to: string, extra: Record<string, string> = {}) =>
  ev(atMs, component, 'route.changed', { resource: component, from, to, fromServers: from, toServers: to, ...extra });

/** Every request goes to `a` until `switchMs`, then to `b`; requests to a fail from `faultMs` on. */
const failover = (faultMs: number, switchMs: number) =>
  traffic(60_000, RES_MS, RATE, (t) => (t < switchMs ? { server: 'a', ok: t < faultMs } : { server: 'b', ok: true }));

describe('switch without a detector', () => {
  it('takes the backup becoming master as keepalived\'s master-down verdict when no track_script failed', () => {
    const faultMs = 10_000;
    const switchMs = 13_650; // 3 × advert_int + skew after the last advert, as in design.md §5: any moment will do here
    const events = [
      inject(faultMs, 'freeze', 'a', { action: 'process-pause' }),
      ev(switchMs, 'vip', 'state', { vip: 'vip', node: 'b', state: 'master', previous: 'backup', priority: 90 }),
      ev(switchMs, 'vip', 'holders', { vip: 'vip', holders: 'b', previous: 'a' }),
      route(switchMs, 'vip', 'a', 'b', { layer: 'vip' }),
    ];
    const f = measure(events, failover(faultMs, switchMs), options({ durationMs: 60_000 })).perFault[0]!;
    expect(f).toMatchObject({ detectedBy: 'vip', detectedVia: 'master-down timer', detectionMs: switchMs - faultMs, switchMs: 0 });
    expect(f).toMatchObject({ timeToSwitchMs: switchMs - faultMs, switchedLayer: 'vip' });
    // the requests before the switch fail, the ones after succeed: clients recover at the switch, to the
    // resolution (the window from the switch's bucket has half a bucket of errors: 1 % of 5 s, within the 99 % rule)
    expect(f.rtoMs).toBeGreaterThan(switchMs - faultMs - RES_MS);
    expect(f.rtoMs).toBeLessThanOrEqual(switchMs - faultMs);
    // b answers in the bucket of the switch: first success within one bucket before the switch, never before the fault
    expect(f.firstSuccessMs).toBeGreaterThan(switchMs - faultMs - RES_MS);
    expect(f.firstSuccessMs).toBeLessThanOrEqual(switchMs - faultMs);
  });

  it('reports time to switch and RTO for a route that changed before any verdict, and one such fault does not null the run', () => {
    const events = [
      inject(10_000, 'quiet', 'a'),
      route(12_000, 'dns', 'a', 'b', { layer: 'dns' }),
      remove(20_000, 'quiet', 'a'),
      route(25_000, 'dns', 'b', 'a', { layer: 'dns' }),
      inject(40_000, 'loud', 'a'),
      ev(44_000, 'route53', 'health', { target: 'a', health: 'unhealthy', healthCheck: 'hc-a' }),
      route(45_000, 'dns', 'a', 'b', { layer: 'dns' }),
    ];
    const samples = traffic(60_000, RES_MS, RATE, (t) => {
      const onA = t < 12_000 || (t >= 25_000 && t < 45_000);
      return { server: onA ? 'a' : 'b', ok: !onA || t < 10_000 || (t >= 25_000 && t < 40_000) };
    });
    const m = measure(events, samples, options({ durationMs: 60_000 }));
    const [quiet, loud] = m.perFault;
    expect(quiet).toMatchObject({ detectionMs: null, detectedBy: null, switchMs: null, timeToSwitchMs: 2_000, rtoMs: 2_000 });
    expect(loud).toMatchObject({ detectionMs: 4_000, detectedBy: 'route53', switchMs: 1_000, timeToSwitchMs: 5_000, rtoMs: 5_000 });
    // the run's detection and switch are the worst of the faults that have one; RTO the worst of all
    expect(m).toMatchObject({ detectionMs: 4_000, switchMs: 1_000, timeToSwitchMs: 5_000, rtoMs: 5_000 });
    const expect_ = { detection: parseLimit('< 30s', 'ms')!, switch: parseLimit('< 60s', 'ms')!, rto: parseLimit('< 120s', 'ms')! };
    expect(checkExpectations(expect_, m).every((e) => e.pass)).toBe(true);
  });

  it('makes the run\'s RTO null (a miss) only when clients never recovered', () => {
    const events = [inject(10_000, 'f', 'a')];
    const m = measure(events, traffic(60_000, RES_MS, RATE, (t) => ({ server: 'a', ok: t < 10_000 })), options({ durationMs: 60_000 }));
    expect(m.perFault[0]).toMatchObject({ rtoMs: null, timeToSwitchMs: null, detectionMs: null });
    expect(m.rtoMs).toBeNull();
    expect(checkExpectations({ rto: parseLimit('< 120s', 'ms')! }, m)[0]).toMatchObject({ pass: false, message: 'rto did not happen (limit < 120s)' });
  });
});

describe('detection by the actor', () => {
  it('is Route 53\'s verdict for a platform DNS layer, though our controller noticed first', () => {
    const events = [
      inject(10_000, 'f', 'a'),
      ev(12_500, 'controller', 'health', { target: 'a', health: 'degraded', previous: 'healthy' }),
      ev(22_500, 'controller', 'health', { target: 'a', health: 'unhealthy', previous: 'degraded' }),
      ev(37_500, 'route53', 'health', { target: 'a', health: 'unhealthy', healthCheck: 'hc-a' }),
      route(37_500, 'dns', 'a', 'b', { layer: 'dns' }),
    ];
    const f = measure(events, failover(10_000, 37_500), options({ durationMs: 60_000 })).perFault[0]!;
    expect(f).toMatchObject({ detectedBy: 'route53', detectionMs: 27_500, switchMs: 0 });
    expect(f).toMatchObject({ firstNoticedBy: 'controller', firstNoticedMs: 2_500 });
  });

  it('is our controller\'s verdict when the layer is in controller mode and the controller started the failover', () => {
    const events = [
      inject(10_000, 'f', 'a'),
      ev(13_000, 'controller', 'health', { target: 'a', health: 'unhealthy' }),
      ev(14_000, 'lb', 'target.health', { target: 'a', health: 'unhealthy' }),
      ev(15_000, 'controller', 'failover', { layer: 'loadBalancer', direction: 'failover', type: 'automatic', status: 'in_progress' }),
      route(15_000, 'lb', 'a', 'b', { layer: 'loadBalancer' }),
    ];
    const f = measure(events, failover(10_000, 15_000), options({ durationMs: 60_000 })).perFault[0]!;
    expect(f).toMatchObject({ detectedBy: 'controller', detectionMs: 3_000, switchMs: 2_000, switchedLayer: 'loadBalancer' });
    // the same switch with the layer in platform mode (or no failover of ours) belongs to the target group
    const platform = measure(events, failover(10_000, 15_000), options({ durationMs: 60_000, layerModes: { dns: 'platform', loadBalancer: 'platform', vip: 'platform', database: 'platform' } }));
    expect(platform.perFault[0]).toMatchObject({ detectedBy: 'lb', detectionMs: 4_000, switchMs: 1_000 });
    const observed = events.map((e) => (e.type === 'failover' ? { ...e, detail: { ...e.detail, type: 'unplanned' } } : e));
    expect(measure(observed, failover(10_000, 15_000), options({ durationMs: 60_000 })).perFault[0]).toMatchObject({ detectedBy: 'lb' });
  });

  it('does not count a switch the same resource undid while the fault lasted (a target group failing open)', () => {
    const events = [
      inject(10_000, 'f', 'a'),
      ev(12_000, 'lb', 'target.health', { target: 'a', health: 'unhealthy' }),
      route(12_000, 'lb', 'a,b', 'b', { layer: 'targetGroup', resource: 'tg' }),
      route(13_000, 'lb', 'b', 'a,b', { layer: 'targetGroup', resource: 'tg' }),
      ev(16_000, 'controller', 'health', { target: 'a', health: 'unhealthy' }),
      ev(16_000, 'controller', 'failover', { layer: 'loadBalancer', direction: 'failover', type: 'automatic', status: 'in_progress' }),
      route(16_000, 'lb', 'a,b', 'c', { layer: 'loadBalancer', resource: 'listener' }),
    ];
    const f = measure(events, failover(10_000, 16_000), options({ durationMs: 60_000 })).perFault[0]!;
    expect(f).toMatchObject({ switchedAtMs: 16_000, detectedBy: 'controller', detectionMs: 6_000, firstNoticedBy: 'lb', firstNoticedMs: 2_000 });
  });
});

describe('overlapping faults', () => {
  // three servers share the load round robin; a fails 10–20 s, b fails 15–30 s, c fails 18–19 s (a side effect)
  const events = [
    inject(10_000, 'fa', 'a'),
    inject(15_000, 'fb', 'b'),
    remove(20_000, 'fa', 'a'),
    remove(30_000, 'fb', 'b'),
    inject(50_000, 'later', 'c'),
    remove(52_000, 'later', 'c'),
  ];
  const servers = ['a', 'b', 'c'];
  const down = (s: string, t: number) =>
    (s === 'a' && t >= 10_000 && t < 20_000) || (s === 'b' && t >= 15_000 && t < 30_000) || (s === 'c' && ((t >= 18_000 && t < 19_000) || (t >= 50_000 && t < 52_000)));
  const series = traffic(60_000, RES_MS, 3 * RATE, (t, k) => {
    const server = servers[k % 3]!;
    return { server, ok: !down(server, t) };
  });
  const m = measure(events, series, options({ durationMs: 60_000 }));

  it('form one incident, give each error to one fault, and add up to the run total', () => {
    expect(m.perFault.map((f) => f.incident)).toEqual([1, 1, 2]);
    const perServerErrors = (s: string, from: number, to: number) => (to - from) / 10; // one request to each server every 10 ms
    const [fa, fb, later] = m.perFault;
    // a's errors go to fa, b's to fb; c's side-effect errors hit no fault of the incident: to fa, which opened it
    expect(fa!.errorCount).toBe(perServerErrors('a', 10_000, 20_000) + perServerErrors('c', 18_000, 19_000));
    expect(fb!.errorCount).toBe(perServerErrors('b', 15_000, 30_000));
    expect(later!.errorCount).toBe(perServerErrors('c', 50_000, 52_000));
    expect(m.perFault.reduce((sum, f) => sum + f.errorCount, 0)).toBe(m.errorCount);
    // requests add up too, from the first injection on
    expect(m.perFault.reduce((sum, f) => sum + f.requestCount, 0)).toBe(m.requestCount - (10_000 / 1000) * 3 * RATE);
  });

  it('span errors from first to last per fault, and the run', () => {
    expect(m.perFault[1]!.errorSpanMs).toBe(30_000 - 15_000);
    expect(m.errorSpanMs).toBe(52_000 - 10_000);
  });
});

describe('RTO', () => {
  it('is never negative and never precedes the fault, also for a fault injected inside a bucket', () => {
    const faultMs = 10_050; // half way through a 100 ms bucket
    // one request in a hundred fails after the fault: clients never fall below the 99 % rule
    const series = traffic(60_000, RES_MS, RATE, (t, k) => ({ server: 'a', ok: t < faultMs || k % 100 !== 0 }));
    const f = measure([inject(faultMs, 'f', 'a')], series, options({ durationMs: 60_000 })).perFault[0]!;
    expect(f.rtoMs).toBe(0);
    expect(f.recoveredAtMs).toBe(faultMs);
    // a real outage starting in the fault's bucket: recovery at the end, measured from the fault
    const outage = traffic(60_000, RES_MS, RATE, (t) => ({ server: 'a', ok: t < faultMs || t >= 12_000 }));
    const g = measure([inject(faultMs, 'f', 'a')], outage, options({ durationMs: 60_000 })).perFault[0]!;
    expect(g.rtoMs).toBe(12_000 - faultMs);
  });
});

describe('downtime', () => {
  // an outage from 12 345 ms to 40 678 ms (everything fails) and 50 % failing from 50 000 to 53 210 ms;
  // one failing request at 70 s does not break the 99 % rule over a 5 s window
  const fails = (t: number, k: number) => (t >= 12_345 && t < 40_678) || (t >= 50_000 && t < 53_210 && k % 2 === 0) || t === 70_000;
  const expectedMs = 40_678 - 12_345 + (53_210 - 50_000);
  const at = (resolutionMs: number) =>
    measure([inject(12_345, 'f', 'a')], traffic(90_000, resolutionMs, RATE, (t, k) => ({ server: 'a', ok: !fails(t, k) })), options({ durationMs: 90_000 }));

  it('is the time below the recovery rule: the same traffic at 100 ms and 1 s differs by less than one step', () => {
    const fine = at(100);
    const coarse = at(1_000);
    expect(Math.abs(fine.downtimeMs - coarse.downtimeMs)).toBeLessThanOrEqual(1_000);
    // each edge of an outage is placed inside its bucket by the share of errors there: exact for a
    // full outage, within half a bucket for the 50 % one
    expect(Math.abs(fine.downtimeMs - expectedMs)).toBeLessThanOrEqual(2 * 100);
    expect(Math.abs(coarse.downtimeMs - expectedMs)).toBeLessThanOrEqual(2 * 1_000);
    // the error span runs from the first to the last failing request, to the resolution
    expect(fine.errorSpanMs).toBe(70_100 - 12_300);
  });
});

describe('split brain and replacement', () => {
  it('starts a split brain when the second holder appeared (sinceMs), not when the debounced event came', () => {
    const events = [
      ev(20_000, 'vip', 'holders', { vip: 'vip', holders: 'a,b', previous: 'a', sinceMs: 19_000 }),
      ev(30_000, 'vip', 'holders', { vip: 'vip', holders: 'a', previous: 'a,b' }),
      ev(40_000, 'vip', 'holders', { vip: 'vip', holders: 'a,b', previous: 'a' }),
      ev(45_000, 'vip', 'holders', { vip: 'vip', holders: 'b', previous: 'a,b' }),
    ];
    const m = measure(events, failover(60_000, 60_000), options({ durationMs: 60_000 }));
    expect(m.splitBrains.map((b) => [b.startMs, b.endMs])).toEqual([
      [19_000, 30_000],
      [40_000, 45_000],
    ]);
    expect(m.splitBrainMs).toBe(30_000 - 19_000 + (45_000 - 40_000));
  });

  it('reports replacement only for a fault whose instance was terminated, not for instances launched by a scale-up', () => {
    const events = [
      inject(10_000, 'kill', 'a', { action: 'aws:ec2:terminate-instances' }),
      ev(15_000, 'asg', 'instance', { group: 'g', instance: 'a', state: 'terminated', previous: 'terminating' }),
      ev(15_000, 'asg', 'instance', { group: 'g', instance: 'i-1', state: 'pending', previous: 'none' }),
      ev(40_000, 'lb', 'target.health', { target: 'i-1', health: 'healthy' }),
      inject(50_000, 'other', 'b'),
      ev(51_000, 'asg', 'instance', { group: 'g', instance: 'i-2', state: 'pending', previous: 'none' }),
      ev(55_000, 'lb', 'target.health', { target: 'i-2', health: 'healthy' }),
    ];
    const m = measure(events, failover(60_000, 60_000), options({ durationMs: 60_000 }));
    expect(m.perFault.map((f) => f.replacementMs)).toEqual([40_000 - 10_000, null]);
    expect(m.replacementMs).toBe(30_000);
  });
});

describe('failback', () => {
  it('is measured from the last removal of faults that overlap, since traffic cannot come back before', () => {
    const events = [
      inject(10_000, 'f', 'a'),
      inject(12_000, 'g', 'a'),
      ev(20_000, 'controller', 'health', { target: 'a', health: 'unhealthy' }),
      route(21_000, 'dns', 'a', 'b', { layer: 'dns' }),
      remove(30_000, 'f', 'a'),
      remove(40_000, 'g', 'a'),
      route(50_000, 'dns', 'b', 'a', { layer: 'dns' }),
    ];
    const m = measure(events, failover(10_000, 21_000), options({ durationMs: 60_000 }));
    expect(m.perFault.map((f) => f.failbackMs)).toEqual([10_000, 10_000]);
    expect(m.failbackMs).toBe(10_000);
  });
});
