import { readTemplate, reportHandlebars, type Template } from '../reporters/html/render.js';
import { buildCalibrationView } from './html-view.js';
import type { CalibrationReport } from './report.js';

let compiled: Template | undefined;

function template(): Template {
  if (compiled) return compiled;
  const hbs = reportHandlebars();
  hbs.registerPartial('sweepHistogram', readTemplate('sweep-histogram.hbs'));
  const page = hbs.compile(readTemplate('calibrate.hbs'), { strict: true, noEscape: false });
  const css = ['report.css', 'sweep.css', 'calibrate.css'].map(readTemplate).join('\n');
  compiled = (view) => page({ ...(view as object), css });
  return compiled;
}

/**
 * The calibration's self-contained HTML page: the paired and unpaired tables, and per figure the
 * simulator's histogram (the sweep's chart) with the real runs drawn under it on the same axis. Inline
 * CSS and SVG, no script, no requests.
 */
export function renderCalibrationHtml(report: CalibrationReport, rerun: string): string {
  return template()({ ...buildCalibrationView(report, rerun), version: report.faildrill.version });
}
