import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../run/result.js';
import type { Reporter, RunContext, RunStart } from '../reporter.js';
import { renderHtmlReport } from './render.js';

/** Writes `report.html` into the run's output folder. */
export class HtmlReporter implements Reporter {
  #start?: RunStart;

  onRunStart(start: RunStart): void {
    this.#start = start;
  }

  async onRunEnd(result: RunResult, outDir: string, context: RunContext = {}): Promise<void> {
    const merged: RunContext = { ...context, file: context.file ?? this.#start?.file, startedAt: context.startedAt ?? this.#start?.startedAt };
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'report.html'), renderHtmlReport(result, merged));
  }
}
