import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { RunResult } from '../../run/result.js';
import type { RunContext } from '../reporter.js';
import { buildReportView } from './view-model.js';

/** The templates ship as files beside the sources (`src/reporters/html/templates`), for dist and tests alike. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../../src/reporters/html/templates/', import.meta.url));

export type Template = (context: unknown) => string;
let compiled: Template | undefined;

/** A template file's text. */
export const readTemplate = (name: string): string => readFileSync(`${TEMPLATE_DIR}${name}`, 'utf8');

/** A Handlebars environment with the reports' helpers and shared partials registered. */
export function reportHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('plus', (a: number, b: number) => a + b);
  hbs.registerHelper('minus', (a: number, b: number) => a - b);
  hbs.registerPartial('timelineChart', readTemplate('timeline-chart.hbs'));
  hbs.registerPartial('swimlanes', readTemplate('swimlanes.hbs'));
  hbs.registerPartial('trendChart', readTemplate('trend-chart.hbs'));
  return hbs;
}

function template(): Template {
  if (compiled) return compiled;
  const page = reportHandlebars().compile(readTemplate('report.hbs'), { strict: true, noEscape: false });
  const css = readTemplate('report.css');
  const script = readTemplate('report.client.js');
  compiled = (view) => page({ ...(view as object), css, script });
  return compiled;
}

/** Renders the self-contained HTML report: inline CSS, inline SVG charts, a few lines of inline JS, no requests. */
export function renderHtmlReport(result: RunResult, context: RunContext = {}): string {
  const view = buildReportView(result, context);
  return template()({ ...view, version: result.faildrill.version });
}
