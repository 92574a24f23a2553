import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { RunResult } from '../../run/result.js';
import type { RunContext } from '../reporter.js';
import { buildReportView } from './view-model.js';

/** The templates ship as files beside the sources (`src/reporters/html/templates`), for dist and tests alike. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../../src/reporters/html/templates/', import.meta.url));

type Template = (context: unknown) => string;
let compiled: Template | undefined;

function template(): Template {
  if (compiled) return compiled;
  const read = (name: string) => readFileSync(`${TEMPLATE_DIR}${name}`, 'utf8');
  const hbs = Handlebars.create();
  hbs.registerHelper('plus', (a: number, b: number) => a + b);
  hbs.registerHelper('minus', (a: number, b: number) => a - b);
  hbs.registerPartial('timelineChart', read('timeline-chart.hbs'));
  hbs.registerPartial('swimlanes', read('swimlanes.hbs'));
  hbs.registerPartial('trendChart', read('trend-chart.hbs'));
  const page = hbs.compile(read('report.hbs'), { strict: true, noEscape: false });
  const css = read('report.css');
  const script = read('report.client.js');
  compiled = (view) => page({ ...(view as object), css, script });
  return compiled;
}

/** Renders the self-contained HTML report: inline CSS, inline SVG charts, a few lines of inline JS, no requests. */
export function renderHtmlReport(result: RunResult, context: RunContext = {}): string {
  const view = buildReportView(result, context);
  return template()({ ...view, version: result.faildrill.version });
}
