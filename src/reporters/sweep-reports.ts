import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepReport } from '../sweep/report.js';
import { renderSweepHtmlReport } from './html/sweep-render.js';
import type { SweepReportContext } from './html/sweep-view.js';
import { renderSweepJunit } from './junit.js';

/** The files a sweep's reports went to. */
export interface SweepReportFiles {
  html: string;
  junit: string;
}

/**
 * Writes a sweep's `report.html` and `junit.xml` beside its sweep.json in `outDir`. Both depend only on
 * the report and the context passed in (the folder as given, wall-clock facts), never on the clock.
 */
export async function writeSweepReports(report: SweepReport, outDir: string, context: SweepReportContext = {}): Promise<SweepReportFiles> {
  const files = { html: join(outDir, 'report.html'), junit: join(outDir, 'junit.xml') };
  await writeFile(files.html, renderSweepHtmlReport(report, context));
  await writeFile(files.junit, renderSweepJunit(report, context));
  return files;
}
