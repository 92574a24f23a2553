import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { faildrillAsync, tempDir } from '../helpers/cli.js';
import { expectCleanOutcome, runnableText, scenarioText } from '../helpers/fuzz.js';

/** Fuzzed scenarios through the real binary (the in-process fuzz files cover the other 9 700 of issue 12's 10 000). */
const VALIDATED = 300;
const PER_PROCESS = 30;
const RUNS = 12;
/** Printed with every failure: `FAILDRILL_FUZZ_SEED=<seed> npx vitest run test/sim/fuzz-bin.test.ts` draws the same cases. */
const seed = Number(process.env.FAILDRILL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`fuzzed scenarios through bin/faildrill.js (seed ${seed})`, () => {
  it(`validates ${VALIDATED} in batches of ${PER_PROCESS} files: each file reported once, ok or located; exit 0 or 2; no stack trace`, async () => {
    const dir = tempDir('faildrill-fuzz-bin-');
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const texts = fc.sample(scenarioText, { numRuns: VALIDATED, seed });
    for (let start = 0; start < texts.length; start += PER_PROCESS) {
      const batch = texts.slice(start, start + PER_PROCESS).map((text, i) => {
        const file = join(dir, `case-${start + i}.yaml`);
        writeFileSync(file, text);
        return { file, text };
      });
      const r = await faildrillAsync(['validate', ...batch.map((c) => c.file)]);
      const context = `seed ${seed}, cases ${start}–${start + batch.length - 1}\n${r.stderr}`;
      expect([0, 2], context).toContain(r.code);
      expect(r.stderr, context).not.toMatch(/\n\s+at .*:\d+:\d+\)?$|internal error/m);
      const okLines = r.stdout.split('\n').filter(Boolean);
      const errLines = r.stderr.split('\n').filter(Boolean);
      for (const line of errLines) expect(batch.some((c) => line.startsWith(`${c.file}:`)), `${line}\n${context}`).toBe(true);
      for (const { file, text } of batch) {
        const ok = okLines.filter((l) => l.startsWith(`${file}: ok (`)).length;
        const mine = errLines.filter((l) => l.startsWith(`${file}:`)).join('\n');
        expect(ok + (mine ? 1 : 0), `${file} reported ${ok} ok and ${mine ? 'errors' : 'no errors'}\n${text}`).toBe(1);
        if (mine) expectCleanOutcome({ code: 2, stdout: '', stderr: `${mine}\n` }, file, [2], text);
      }
      expect(r.code, context).toBe(errLines.length > 0 ? 2 : 0);
    }
  }, 300_000);

  it(`runs ${RUNS} short mutated scenarios: exit 0, 1 or 2 with a verdict or a location`, async () => {
    const dir = tempDir('faildrill-fuzz-bin-run-');
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [i, text] of fc.sample(runnableText, { numRuns: RUNS, seed }).entries()) {
      const file = join(dir, `run-${i}.yaml`);
      writeFileSync(file, text);
      const r = await faildrillAsync(['run', file, '--no-history', '--reporter', 'console,json', '--out', join(dir, `out-${i}`)]);
      expectCleanOutcome({ code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr }, file, [0, 1, 2], `seed ${seed}\n${text}`);
      if (r.code !== 2) expect(r.stdout).toMatch(/^ (PASS|FAIL) +\S+ seed=\d+/m);
    }
  }, 300_000);
});
