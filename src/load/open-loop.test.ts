import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock, Rng } from '../controller/ports.js';
import { SampleRecorder } from '../measure/samples.js';
import { SERVER_HEADER } from './http-outcome.js';
import { OpenLoopLoad, type OpenLoopOptions, type RequestSample } from './open-loop.js';

/** A wall clock whose run time starts now. */
function wallClock(): Clock {
  const t0 = performance.now();
  return { nowMs: () => performance.now() - t0, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))) };
}

/** An Rng whose every draw is `value`: every client's phase is `value` of its gap, so counts follow by arithmetic. */
const constantRng = (value: number): Rng => ({ next: () => value, int: (min) => min, fork: () => constantRng(value) });

/** Requests per client in `durationMs` with gap `intervalMs` and phase `phaseMs`: the schedule's definition. */
const perClient = (durationMs: number, intervalMs: number, phaseMs: number) => Math.ceil((durationMs - phaseMs) / intervalMs);

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A loopback server that answers 200 naming itself, or never; it counts connections and the most requests open at once. */
async function listen(mode: 'answer' | 'never', name = 'web-a') {
  const seen = { requests: 0, connections: 0, open: 0, peakOpen: 0 };
  const server = createServer((req, res) => {
    seen.requests++;
    seen.open++;
    seen.peakOpen = Math.max(seen.peakOpen, seen.open);
    res.once('close', () => seen.open--);
    if (mode === 'never') return;
    res.writeHead(200, { [SERVER_HEADER]: name });
    res.end('ok');
  });
  server.on('connection', () => seen.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

function load(over: Partial<OpenLoopOptions> & Pick<OpenLoopOptions, 'ratePerSec' | 'clients' | 'durationMs' | 'timeoutMs'>) {
  const samples: RequestSample[] = [];
  const recorder = new SampleRecorder(100, 60_000);
  const options: OpenLoopOptions = {
    clock: wallClock(),
    rng: constantRng(0.5),
    maxRequests: 10_000,
    target: () => ({ error: 'no target' }),
    recorder,
    entryId: 'entry',
    onSample: (sample) => samples.push(sample),
    ...over,
  };
  return { load: new OpenLoopLoad(options), samples, recorder };
}

describe('OpenLoopLoad', () => {
  it('sends rate × duration on a fixed schedule, each client on one keep-alive connection, naming the answering server', async () => {
    const { url, seen } = await listen('answer');
    const ratePerSec = 100;
    const clients = 4;
    const durationMs = 1_000;
    const { load: l, samples, recorder } = load({ ratePerSec, clients, durationMs, timeoutMs: 500, target: () => ({ url, via: 'lb' }) });
    const startAtMs = 50;
    l.start(startAtMs);
    await l.done();

    const intervalMs = (clients * 1000) / ratePerSec;
    const expected = clients * perClient(durationMs, intervalMs, 0.5 * intervalMs);
    expect(Math.abs(expected - (ratePerSec * durationMs) / 1000)).toBeLessThanOrEqual(clients);
    expect(l.totals()).toMatchObject({ sent: expected, ok: expected, errors: 0, inFlight: 0 });
    expect(seen.requests).toBe(expected);
    // A client opens a second socket only when it sends while one of its requests is still open (a late
    // schedule catching up); otherwise its keep-alive socket carries every request.
    const overlapping = samples.filter((s) => samples.some((o) => o !== s && o.client === s.client && o.startMs <= s.startMs && s.startMs <= o.endMs)).length;
    expect(seen.connections).toBeGreaterThanOrEqual(clients);
    expect(seen.connections).toBeLessThanOrEqual(clients + overlapping);
    for (let client = 0; client < clients; client++) {
      const times = samples.filter((s) => s.client === client).map((s) => s.scheduledMs);
      expect(times).toEqual(Array.from({ length: expected / clients }, (_, k) => startAtMs + 0.5 * intervalMs + k * intervalMs));
    }
    const series = recorder.finish();
    expect(Object.keys(series.byServer)).toEqual(['web-a']);
    for (let bucket = 0; bucket < series.ok.length; bucket++) {
      const inBucket = samples.filter((s) => Math.floor(s.scheduledMs / recorder.resolutionMs) === bucket).length;
      expect(series.ok[bucket]).toBe(inBucket);
    }
  });

  it('sends the same count to a server that never answers, every request an error after its own timeout', async () => {
    const { url } = await listen('never');
    const ratePerSec = 50;
    const clients = 5;
    const durationMs = 600;
    const timeoutMs = 150;
    const { load: l, samples } = load({ ratePerSec, clients, durationMs, timeoutMs, target: () => ({ url, via: 'web-b' }) });
    l.start();
    await l.done();

    const intervalMs = (clients * 1000) / ratePerSec;
    const expected = clients * perClient(durationMs, intervalMs, 0.5 * intervalMs);
    // A closed loop would send at most ceil(duration / timeout) per client; open loop keeps the schedule's count.
    expect(expected).toBeGreaterThan(clients * Math.ceil(durationMs / timeoutMs));
    expect(l.totals()).toMatchObject({ sent: expected, ok: 0, errors: expected, reasons: { timeout: expected } });
    expect(samples).toHaveLength(expected);
    for (const s of samples) {
      expect(s.server).toBe('web-b');
      // setTimeout may fire up to 1 ms early against the monotonic clock (Node rounds to whole ms).
      expect(s.endMs - s.scheduledMs).toBeGreaterThanOrEqual(timeoutMs - 1);
    }
    expect(l.totals().latencyMs.p50).toBeGreaterThanOrEqual(timeoutMs - 1);
  });

  it('measures latency from the scheduled time: requests held up by a stalled process carry the stall, and none are dropped', async () => {
    const { url } = await listen('answer');
    const ratePerSec = 100;
    const clients = 2;
    const durationMs = 800;
    const blockMs = 300;
    const clock = wallClock();
    const { load: l, samples, recorder } = load({ clock, ratePerSec, clients, durationMs, timeoutMs: 2_000, target: () => ({ url, via: 'lb' }) });
    const block = { fromMs: 0, toMs: 0 };
    setTimeout(() => {
      block.fromMs = clock.nowMs();
      while (clock.nowMs() - block.fromMs < blockMs);
      block.toMs = clock.nowMs();
    }, 200);
    l.start(0);
    await l.done();

    const intervalMs = (clients * 1000) / ratePerSec;
    expect(l.totals()).toMatchObject({ sent: clients * perClient(durationMs, intervalMs, 0.5 * intervalMs), errors: 0 });
    const held = samples.filter((s) => s.scheduledMs > block.fromMs && s.scheduledMs < block.toMs);
    expect(held.length).toBeGreaterThanOrEqual(clients * Math.floor(blockMs / intervalMs) - clients);
    for (const s of held) {
      expect(s.startMs).toBeGreaterThanOrEqual(block.toMs);
      expect(s.endMs - s.scheduledMs).toBeGreaterThanOrEqual(block.toMs - s.scheduledMs);
    }
    // The first request due after the stall began waited almost all of it.
    expect(l.totals().latencyMs.max).toBeGreaterThanOrEqual(blockMs - intervalMs);
    // The recorder counts them where they were due, not where they left.
    const series = recorder.finish();
    for (let bucket = 0; bucket < series.ok.length; bucket++) {
      const due = samples.filter((s) => Math.floor(s.scheduledMs / recorder.resolutionMs) === bucket);
      expect(series.ok[bucket]).toBe(due.length);
      if (due.some((s) => held.includes(s))) expect(series.p99Ms[bucket]).toBeGreaterThanOrEqual(Math.floor(Math.min(...due.filter((s) => held.includes(s)).map((s) => block.toMs - s.scheduledMs))));
    }
  });

  it('keeps at most maxInFlight requests open; one more is an overload error, not queued', async () => {
    const { url, seen } = await listen('never');
    const ratePerSec = 100;
    const clients = 4;
    const durationMs = 500;
    const timeoutMs = 300;
    const maxInFlight = 5;
    const { load: l } = load({ ratePerSec, clients, durationMs, timeoutMs, maxInFlight, target: () => ({ url, via: 'web-b' }) });
    l.start();
    await l.done();

    const intervalMs = (clients * 1000) / ratePerSec;
    const sent = clients * perClient(durationMs, intervalMs, 0.5 * intervalMs);
    const t = l.totals();
    expect(t.sent).toBe(sent);
    expect(t.peakInFlight).toBe(maxInFlight);
    expect(seen.peakOpen).toBeLessThanOrEqual(maxInFlight);
    // Each slot holds a request for its whole timeout, so within the schedule it carries at most ceil(duration / timeout) of them.
    const timedOut = t.reasons.timeout ?? 0;
    expect(timedOut).toBeGreaterThanOrEqual(maxInFlight);
    expect(timedOut).toBeLessThanOrEqual(maxInFlight * Math.ceil(durationMs / timeoutMs));
    expect(t.reasons.overload).toBe(sent - timedOut);
    expect(seen.requests).toBe(timedOut);
  });

  it('counts a target that cannot resolve, or a refused connection, as errors of the entry or the endpoint', async () => {
    const ratePerSec = 50;
    const clients = 2;
    const durationMs = 200;
    const intervalMs = (clients * 1000) / ratePerSec;
    const expected = clients * perClient(durationMs, intervalMs, 0.5 * intervalMs);

    const unresolved = load({ ratePerSec, clients, durationMs, timeoutMs: 100, target: async () => ({ error: 'ENOTFOUND' }) });
    unresolved.load.start();
    await unresolved.load.done();
    expect(unresolved.load.totals()).toMatchObject({ sent: expected, errors: expected, reasons: { ENOTFOUND: expected } });
    expect(unresolved.recorder.finish().byServer.entry!.err.reduce((a, b) => a + b, 0)).toBe(expected);

    const { url } = await listen('answer');
    const closed = servers.pop()!;
    closed.close();
    const refused = load({ ratePerSec, clients, durationMs, timeoutMs: 1_000, target: () => ({ url, via: 'web-c' }) });
    refused.load.start();
    await refused.load.done();
    expect(refused.load.totals()).toMatchObject({ sent: expected, errors: expected, reasons: { refused: expected } });
    expect(refused.samples.every((s) => s.server === 'web-c')).toBe(true);
  });

  it('stops by itself at maxRequests, long before its duration', async () => {
    const { url } = await listen('answer');
    const maxRequests = 7;
    const durationMs = 10_000;
    const clock = wallClock();
    const { load: l } = load({ clock, ratePerSec: 100, clients: 2, durationMs, timeoutMs: 500, maxRequests, target: () => ({ url, via: 'lb' }) });
    l.start();
    await l.done();
    expect(l.totals()).toMatchObject({ sent: maxRequests, ok: maxRequests });
    expect(clock.nowMs()).toBeLessThan(durationMs / 2);
  });

  it('stop() sends nothing more and waits for the requests in flight, each ended by its timeout', async () => {
    const { url, seen } = await listen('never');
    const timeoutMs = 200;
    const clock = wallClock();
    const { load: l } = load({ clock, ratePerSec: 100, clients: 4, durationMs: 10_000, timeoutMs, target: () => ({ url, via: 'web-b' }) });
    l.start();
    await clock.sleep(150);
    const stoppedAtMs = clock.nowMs();
    await l.stop();
    const t = l.totals();
    expect(t.inFlight).toBe(0);
    expect(t.errors).toBe(t.sent);
    expect(seen.requests).toBe(t.sent);
    expect(clock.nowMs() - stoppedAtMs).toBeLessThan(timeoutMs + 250);
    await clock.sleep(100);
    expect(l.totals().sent).toBe(t.sent);
  });
});
