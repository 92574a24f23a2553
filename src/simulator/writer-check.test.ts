import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { WriterCheck, type KeepalivedRun, type VrrpScriptTimings } from './writer-check.js';

/**
 * One node's check driven by hand: `ok` and `tookMs` say what a run gets now, `ka` what keepalived is;
 * the log has every run's start and every verdict change with its time.
 */
function harness(timings: VrrpScriptTimings, phaseMs: number, initiallyOk = true) {
  const engine = new Engine();
  const world = { ok: initiallyOk, tookMs: 0, ka: 'running' as KeepalivedRun };
  const runs: number[] = [];
  const verdicts: Array<[number, boolean | undefined]> = [];
  const check = new WriterCheck(timings, ['n'], phaseMs, engine, {
    keepalived: () => world.ka,
    run: () => {
      runs.push(engine.nowMs);
      return { ok: world.ok, tookMs: world.tookMs };
    },
    onVerdict: (_node, verdict) => verdicts.push([engine.nowMs, verdict]),
  });
  // the constructor's own run (the verdict at time 0) is not one of keepalived's runs
  runs.length = 0;
  /** Changes the world at `atMs` and tells the check, as the world does after a fault or its undo. */
  const at = (atMs: number, change: () => void) => engine.at(atMs, () => (change(), check.refresh()));
  return { engine, world, runs, verdicts, check, at };
}

const T: VrrpScriptTimings = { intervalMs: 1_000, timeoutMs: 800, fall: 2, rise: 3 };

describe('WriterCheck: a weight-0 vrrp_script as keepalived runs it', () => {
  it('runs every interval from its phase; fall failed runs in a row fail it, rise passed runs pass it again (keepalived.conf(5))', async () => {
    const h = harness(T, 250);
    h.at(2_500, () => void (h.world.ok = false));
    h.at(6_100, () => void (h.world.ok = true));
    await h.engine.runUntil(12_000);
    expect(h.runs.slice(0, 4)).toEqual([250, 1_250, 2_250, 3_250]);
    // failed runs at 3.25 s and 4.25 s: fall = 2 → failed at the second; passed runs from 6.25 s: rise = 3 → at 8.25 s
    expect(h.verdicts).toEqual([
      [250 + 4 * T.intervalMs, false],
      [250 + 8 * T.intervalMs, true],
    ]);
  });

  it('a failed run between passed ones restarts the streak', async () => {
    const h = harness({ ...T, fall: 2 }, 0);
    // fails at 1 s, passes at 2 s, fails at 3 s and 4 s
    h.at(500, () => void (h.world.ok = false));
    h.at(1_500, () => void (h.world.ok = true));
    h.at(2_500, () => void (h.world.ok = false));
    await h.engine.runUntil(5_500);
    expect(h.verdicts).toEqual([[4_000, false]]);
  });

  it('a run that never exits fails when keepalived kills it at the timeout, before the next run of the same instant', async () => {
    const h = harness({ intervalMs: 1_000, timeoutMs: 1_000, fall: 1, rise: 1 }, 100);
    h.at(1_500, () => void (h.world.tookMs = 1_000));
    h.at(1_500, () => void (h.world.ok = false));
    await h.engine.runUntil(4_000);
    // the run at 2.1 s is killed at 3.1 s
    expect(h.verdicts).toEqual([[2_100 + 1_000, false]]);
  });

  it('a (re)started keepalived runs the script at once, its first result alone decides, and its timer runs from the start', async () => {
    const h = harness(T, 300, false);
    h.at(1_000, () => void (h.world.ka = 'gone'));
    h.at(4_700, () => {
      h.world.ka = 'running';
      h.world.ok = true;
    });
    await h.engine.runUntil(7_000);
    expect(h.runs).toEqual([300, 4_700, 5_700, 6_700]);
    // one passed run is enough at start, whatever rise says (vrrp_init_script: result = rise − 1)
    expect(h.verdicts).toEqual([[4_700, true]]);
  });

  it('a restart whose first run waits on a frozen process is unknown (INIT) until the run is killed', async () => {
    const h = harness(T, 0);
    h.at(500, () => void (h.world.ka = 'gone'));
    h.at(1_200, () => {
      h.world.ka = 'running';
      h.world.ok = false;
      h.world.tookMs = T.timeoutMs;
    });
    await h.engine.runUntil(2_500);
    expect(h.verdicts).toEqual([
      [1_200, undefined],
      [1_200 + T.timeoutMs, false],
    ]);
  });

  it('frozen keepalived runs nothing; resumed, an overdue run runs at once and the timer goes on from there', async () => {
    const h = harness(T, 0);
    h.at(1_500, () => void (h.world.ka = 'frozen'));
    h.at(4_200, () => void (h.world.ka = 'running'));
    h.at(6_000, () => void (h.world.ka = 'frozen'));
    h.at(6_400, () => void (h.world.ka = 'running'));
    await h.engine.runUntil(8_000);
    // frozen 1.5–4.2 s: the run due at 2 s runs at 4.2 s; frozen 6.0–6.4 s: the run due at 6.2 s runs at 6.4 s
    expect(h.runs).toEqual([0, 1_000, 4_200, 5_200, 6_400, 7_400]);
  });

  it('a resume before the next run is due keeps the timer', async () => {
    const h = harness(T, 0);
    h.at(1_100, () => void (h.world.ka = 'frozen'));
    h.at(1_600, () => void (h.world.ka = 'running'));
    await h.engine.runUntil(3_500);
    expect(h.runs).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('drops the result of a run that keepalived did not see end (it stopped meanwhile)', async () => {
    const h = harness({ ...T, fall: 1 }, 0);
    h.at(500, () => {
      h.world.ok = false;
      h.world.tookMs = T.timeoutMs;
    });
    h.at(1_300, () => void (h.world.ka = 'gone'));
    await h.engine.runUntil(3_000);
    expect(h.verdicts).toEqual([]);
    expect(h.check.verdict('n')).toBe(true);
  });
});
