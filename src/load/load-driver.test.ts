import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../targets/host/programs/app-server.js';
import { LoadDriver, loadRow, parseLoadLine, type LoadRow } from './load-driver.js';

let app: AppServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the load driver', () => {
  it('writes one row per request: [source, startMs, latencyMs, ok, server, reason?], times to 0.01 ms', () => {
    expect(loadRow('p', 12.3456, 0.987, true, 'web-1')).toEqual(['p', 12.35, 0.99, 1, 'web-1']);
    expect(loadRow('a', 5, 1000, false, '', 'timeout')).toEqual(['a', 5, 1000, 0, '', 'timeout']);
    expect(parseLoadLine(JSON.stringify(loadRow('a', 1, 2, false, '', 'refused')))).toEqual({ row: ['a', 1, 2, 0, '', 'refused'] });
    expect(parseLoadLine('{"done":true,"recorded":10,"probes":4}')).toEqual({ summary: { done: true, recorded: 10, probes: 4 } });
    expect(parseLoadLine('["x",1,2,1,"a"]')).toBeUndefined();
    expect(parseLoadLine('app listening')).toBeUndefined();
  });

  it(
    'probes on a fixed interval and sends the rate, every answer naming the server',
    async () => {
      app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });
      const probeIntervalMs = 50;
      const endAtMs = 1_500;
      const ratePerSec = 20;
      let out = '';
      const driver = new LoadDriver(
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
});
