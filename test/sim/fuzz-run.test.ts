import { stripVTControlCharacters } from 'node:util';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { expectCleanOutcome, RUN_CAP_MS, runInProcess, runnableText } from '../helpers/fuzz.js';

/** Cases per run: with fuzz-validate, fuzz-yaml and fuzz-bin, 10 000 fuzzed scenarios (issue 12). */
const CASES = 400;

describe('fuzzed scenarios through a short simulated run', () => {
  it(`${CASES} mutated shipped scenarios of at most ${RUN_CAP_MS / 1000}s through \`faildrill run\`: exit 0, 1 or 2, never a stack trace, every exit 2 located`, async () => {
    const dir = tempDir('faildrill-fuzz-run-');
    const file = join(dir, 'case.yaml');
    const out = join(dir, 'out');
    let ran = 0;
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await fc.assert(
      fc.asyncProperty(runnableText, async (text) => {
        writeFileSync(file, text);
        const outcome = await runInProcess(['run', file, '--no-history', '--reporter', 'console', '--out', out]);
        expectCleanOutcome(outcome, file, [0, 1, 2], text);
        if (outcome.code === 2) return;
        ran++;
        // a run that ends says so: the console reporter's verdict line (coloured where the environment asks, CI=true)
        expect(stripVTControlCharacters(outcome.stdout), text).toMatch(/^ (PASS|FAIL) +\S+ seed=\d+/m);
      }),
      { numRuns: CASES },
    );
    // most mutations leave a runnable scenario: the property exercised the simulator, not only validation
    expect(ran).toBeGreaterThan(CASES / 4);
  }, 300_000);
});
