import type { SweepReport } from '../../sweep/report.js';
import { readTemplate, reportHandlebars, type Template } from './render.js';
import { buildSweepView, type SweepReportContext } from './sweep-view.js';

let compiled: Template | undefined;

function template(): Template {
  if (compiled) return compiled;
  const hbs = reportHandlebars();
  hbs.registerPartial('sweepHistogram', readTemplate('sweep-histogram.hbs'));
  const page = hbs.compile(readTemplate('sweep.hbs'), { strict: true, noEscape: false });
  const css = `${readTemplate('report.css')}\n${readTemplate('sweep.css')}`;
  compiled = (view) => page({ ...(view as object), css });
  return compiled;
}

/**
 * Renders a sweep's self-contained HTML report: the distribution of each metric as histograms with
 * percentiles, the worst seeds with their replay commands, the failing seeds and the shrunk schedules.
 * Inline CSS and SVG, no script, no requests.
 */
export function renderSweepHtmlReport(report: SweepReport, context: SweepReportContext = {}): string {
  return template()({ ...buildSweepView(report, context), version: report.faildrill.version });
}
