import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fixtureResult } from '../../test/helpers/fixtures.js';
import { appendHistory, historyEntryOf, readHistory, sameScenario } from './history.js';

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
    const read = await readHistory(file);
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
});
