import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fixtureResult } from '../../test/helpers/fixtures.js';
import { appendHistory, historyEntryOf, readHistory, sameScenario, type SkippedLine } from './history.js';

describe('history', () => {
  it('appends one JSON line per run and reads them back, skipping torn lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faildrill-history-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'nested', 'history.jsonl');
    expect(await readHistory(file)).toEqual([]);
    const result = fixtureResult();
    const entry = historyEntryOf(result, { time: '2026-01-02T03:04:05.000Z', wallMs: 250, commit: 'a'.repeat(40), outDir: 'reports/x/1' });
    await appendHistory(file, entry);
    appendFileSync(file, '{"torn": \n');
    await appendHistory(file, { ...entry, seed: 7, target: 'aws' });
    const skipped: SkippedLine[] = [];
    const read = await readHistory(file, (s) => skipped.push(s));
    expect(skipped).toEqual([{ file, line: 2, reason: 'not JSON (a torn or foreign line)' }]);
    expect(read).toHaveLength(2);
    expect(read[0]).toEqual(entry);
    expect(read[0]).toMatchObject({
      scenario: 'full-stack',
      hash: result.scenario.hash,
      target: 'sim',
      seed: 2026,
      verdict: result.verdict,
      metrics: { rtoMs: result.metrics.rtoMs, detectionMs: result.metrics.detectionMs, switchMs: result.metrics.switchMs, requestCount: result.metrics.requestCount },
      faildrill: result.faildrill.version,
    });
    expect(sameScenario(read, result.scenario.hash, 'sim')).toHaveLength(1);
    expect(sameScenario(read, 'other', 'sim')).toHaveLength(0);
  });

  it('skips a line with metrics null or a wrong-typed field, naming the file, the line and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faildrill-history-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'history.jsonl');
    const good = historyEntryOf(fixtureResult(), { time: '2026-01-02T03:04:05.000Z', wallMs: 250 });
    const lines = [
      good,
      { ...good, metrics: null },
      { ...good, metrics: { ...good.metrics, rtoMs: '12s' } },
      { ...good, verdict: 'maybe' },
      { ...good, seed: undefined },
      [1, 2],
      { ...good, metrics: { ...good.metrics, errorCount: -1 } },
      { ...good, metrics: { ...good.metrics, failbackMs: null } },
    ];
    appendFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const skipped: SkippedLine[] = [];
    const read = await readHistory(file, (s) => skipped.push(s));
    expect(read).toEqual([good, { ...good, metrics: { ...good.metrics, failbackMs: null } }]);
    expect(skipped.map((s) => [s.file, s.line, s.reason])).toEqual([
      [file, 2, 'metrics is null, expected an object'],
      [file, 3, 'metrics.rtoMs is the text "12s", expected milliseconds or null'],
      [file, 4, 'verdict is the text "maybe", expected "pass", "fail", "aborted", "halted"'],
      [file, 5, 'seed is missing, expected an integer'],
      [file, 6, 'expected a JSON object, got a list'],
      [file, 7, 'metrics.errorCount is number -1, expected a number, 0 or more'],
    ]);
  });

  it('calls a folder a usage error (exit 2), not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faildrill-history-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await expect(readHistory(dir)).rejects.toMatchObject({ exitCode: 2, message: `history ${dir}: is a folder; expected a history.jsonl file` });
  });
});
