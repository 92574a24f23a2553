import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../run/result.js';
import type { Reporter } from './reporter.js';

/** Serialises a result with stable key order and a trailing newline: identical input, identical bytes. */
export function serializeResult(result: RunResult): string {
  return JSON.stringify(result, null, 2) + '\n';
}

/** Writes `result.json` into the run's output folder. */
export class JsonReporter implements Reporter {
  async onRunEnd(result: RunResult, outDir: string): Promise<void> {
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'result.json'), serializeResult(result));
  }
}
