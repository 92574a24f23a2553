import { afterEach, describe, expect, it } from 'vitest';
import { SampleRecorder } from '../measure/samples.js';
import { SeededRng } from '../random/seeded-rng.js';
import { startAppServer, type AppServer } from '../targets/host/programs/app-server.js';
import { arrivalSchedule } from './arrival-schedule.js';
import { parseLoadLine, recordRow, type LoadRow } from './load-row.js';
import { OpenLoopDriver, type OpenLoopDriverConfig } from './open-loop-driver.js';

let app: AppServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const rowsOf = (out: string): LoadRow[] =>
  out
    .split('\n')
    .map(parseLoadLine)
    .filter((p): p is { row: LoadRow } => p !== undefined && 'row' in p)
    .map((p) => p.row);

function busyWait(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end);
}

describe('the open-loop driver', () => {
  it(
    'books every request at its scheduled time, even when it left late, and keeps the probe on its interval',
    async () => {
      app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });
      const config: OpenLoopDriverConfig = {
        url: `http://127.0.0.1:${app.port}/`,
        t0Ns: String(process.hrtime.bigint()),
        startAtMs: 0,
        endAtMs: 1_000,
        ratePerSec: 100,
        clients: 5,
        seed: 11,
        timeoutMs: 2_000,
        probeIntervalMs: 20,
        maxRequests: 10_000,
        maxProbes: 10_000,
      };
      let out = '';
      const driver = new OpenLoopDriver(config, (text, done) => {
        out += text;
        done?.();
      });
      const running = driver.run();
      // The process stalls for 300 ms: every request scheduled meanwhile leaves only after it.
      busyWait(300);
      const stallEndMs = driver.nowMs();
      const summary = await running;
      await new Promise<void>((resolve) => driver.flush(resolve));
      const rows = rowsOf(out);

      // The schedule the config and seed give: client c at phase[c] + k × interval, before endAtMs.
      const { intervalMs, phaseMs } = arrivalSchedule(config.ratePerSec, config.clients, new SeededRng(config.seed));
      const scheduled = phaseMs.flatMap((phase) => Array.from({ length: Math.ceil((config.endAtMs - phase) / intervalMs) }, (_, k) => phase + k * intervalMs)).sort((a, b) => a - b);
      const load = rows.filter((r) => r[0] === 'o').sort((a, b) => a[1] - b[1]);
      expect(load.map((r) => r[1])).toEqual(scheduled.map((t) => Math.round(t * 100) / 100));
      // Latency counts from the scheduled time: a request due during the stall waited for its end.
      for (const [, startMs, latencyMs] of load) if (startMs < stallEndMs) expect(startMs + latencyMs).toBeGreaterThanOrEqual(stallEndMs - 0.01);
      expect(load.filter((r) => r[1] < stallEndMs).length).toBeGreaterThan(0);

      // Booked by scheduled time, each bucket holds what the schedule put in it.
      const recorder = new SampleRecorder(config.probeIntervalMs, config.endAtMs);
      for (const row of load) recordRow(recorder, row, 'entry');
      const series = recorder.finish();
      series.ok.forEach((n, bucket) => expect(n).toBe(scheduled.filter((t) => Math.floor(t / config.probeIntervalMs) === bucket).length));

      // The probe leaves every probeIntervalMs from startAtMs until endAtMs.
      const probes = rows.filter((r) => r[0] === 'p');
      expect(probes).toHaveLength(config.endAtMs / config.probeIntervalMs);
      expect(rows.every((r) => r[3] === 1 && r[4] === 'web-1')).toBe(true);
      expect(summary).toEqual({ done: true, recorded: rows.length, probes: probes.length });
    },
    10_000,
  );

  it('records no more rows than maxRequests', async () => {
    app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });
    const maxRequests = 7;
    let out = '';
    const driver = new OpenLoopDriver(
      {
        url: `http://127.0.0.1:${app.port}/`,
        t0Ns: String(process.hrtime.bigint()),
        startAtMs: 0,
        endAtMs: 300,
        ratePerSec: 200,
        clients: 4,
        seed: 3,
        timeoutMs: 1_000,
        probeIntervalMs: 20,
        maxRequests,
        maxProbes: 100,
      },
      (text, done) => {
        out += text;
        done?.();
      },
    );
    const summary = await driver.run();
    await new Promise<void>((resolve) => driver.flush(resolve));
    expect(rowsOf(out)).toHaveLength(maxRequests);
    expect(summary.recorded).toBe(maxRequests);
    // the load itself stops sending at the bound too
    expect(driver.load.totals().sent).toBe(maxRequests);
  });
});
