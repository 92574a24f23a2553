import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignedStartEpochMs, scriptRunsEpochMs } from './script-schedule.js';

describe("the host run's start, aligned to keepalived's track-script schedule", () => {
  it('puts the next script run phaseMs after time 0, at the first such time 0 not before the earliest', () => {
    // the script ran at 1000 and runs every 5000 ms; wanted: its first run after time 0 comes 1200 ms later
    const t0 = alignedStartEpochMs(1_000, 5_000, 1_200, 7_000);
    expect(t0).toBeGreaterThanOrEqual(7_000);
    expect(t0 - 7_000).toBeLessThan(5_000);
    const nextRun = 1_000 + Math.ceil((t0 - 1_000) / 5_000) * 5_000;
    expect(nextRun - t0).toBe(1_200);
    // phase 0: time 0 falls on a run
    expect((alignedStartEpochMs(1_000, 5_000, 0, 7_000) - 1_000) % 5_000).toBe(0);
  });

  it("reads the script's own log of its runs ($EPOCHREALTIME, seconds with microseconds)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'faildrill-runs-'));
    try {
      const file = join(dir, 'runs.log');
      expect(scriptRunsEpochMs(file)).toEqual([]);
      writeFileSync(file, '1764521000.250000\n1764521005.251200\n');
      expect(scriptRunsEpochMs(file)).toEqual([1764521000250, 1764521005251.2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
