import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../targets/host/programs/app-server.js';
import { AutocannonDriver } from './autocannon-driver.js';
import { parseLoadLine, type LoadRow } from './load-row.js';

let app: AppServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the autocannon driver', () => {
  it(
    'probes on a fixed interval and sends the rate through autocannon, every answer naming the server',
    async () => {
      app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });
      const probeIntervalMs = 50;
      const endAtMs = 1_500;
      const ratePerSec = 20;
      let out = '';
      const driver = new AutocannonDriver(
        {
          url: `http://127.0.0.1:${app.port}/`,
          t0Ns: String(process.hrtime.bigint()),
          startAtMs: 0,
          endAtMs,
          ratePerSec,
          connections: 2,
          timeoutMs: 1_000,
          probeIntervalMs,
          maxRequests: 10_000,
          maxProbes: 10_000,
        },
        (text, done) => {
          out += text;
          done?.();
        },
      );
      const summary = await driver.run();
      await new Promise<void>((resolve) => driver.flush(resolve));
      const rows = out
        .split('\n')
        .map(parseLoadLine)
        .filter((p): p is { row: LoadRow } => p !== undefined && 'row' in p)
        .map((p) => p.row);
      const probes = rows.filter((r) => r[0] === 'p').sort((a, b) => a[1] - b[1]);
      // The probe leaves every probeIntervalMs from 0 until endAtMs: endAtMs / probeIntervalMs of them.
      expect(probes.length).toBe(endAtMs / probeIntervalMs);
      expect(summary.probes).toBe(endAtMs / probeIntervalMs);
      // On its schedule: the i-th leaves at i × probeIntervalMs (node's timers have 1 ms granularity), never catching up early.
      probes.forEach((row, i) => expect(row[1]).toBeGreaterThanOrEqual(i * probeIntervalMs - 2));
      // autocannon sends the configured rate; it runs for whole seconds (at least one), and its limiter refills once a
      // second, so when a busy machine makes it stop late, one more second's worth may leave: never more than that.
      const sent = rows.filter((r) => r[0] === 'a');
      expect(sent.length).toBeGreaterThanOrEqual(ratePerSec * 1);
      expect(sent.length).toBeLessThanOrEqual(ratePerSec * (Math.ceil(endAtMs / 1000) + 1));
      expect(rows.every((r) => r[3] === 1 && r[4] === 'web-1')).toBe(true);
      expect(summary.recorded).toBe(rows.length);
    },
    10_000,
  );

  it('books a refused connection no faster than the rate, though autocannon retries it at once', async () => {
    // a port nothing listens on: bind one, note it, close it
    const gone = await startAppServer({ id: 'gone', port: 0, host: '127.0.0.1' });
    const port = gone.port;
    await gone.close();
    const ratePerSec = 10;
    const endAtMs = 1_200;
    let out = '';
    const driver = new AutocannonDriver(
      {
        url: `http://127.0.0.1:${port}/`,
        t0Ns: String(process.hrtime.bigint()),
        startAtMs: 0,
        endAtMs,
        ratePerSec,
        connections: 1,
        timeoutMs: 1_000,
        probeIntervalMs: 100,
        maxRequests: 100_000,
        maxProbes: 100,
      },
      (text, done) => {
        out += text;
        done?.();
      },
    );
    await driver.run();
    await new Promise<void>((resolve) => driver.flush(resolve));
    const load = out
      .split('\n')
      .map(parseLoadLine)
      .filter((p): p is { row: LoadRow } => p !== undefined && 'row' in p && p.row[0] === 'a')
      .map((p) => p.row);
    expect(load.length).toBeGreaterThan(0);
    expect(load.every((r) => r[3] === 0 && r[5] === 'refused')).toBe(true);
    // at most the rate per whole second of the run it touched (autocannon runs whole seconds, one more when late)
    const seconds = Math.ceil(endAtMs / 1000) + 1;
    expect(load.length).toBeLessThanOrEqual(ratePerSec * seconds);
  });
});
