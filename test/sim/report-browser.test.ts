import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/reporters/html/render.js';
import { launchChromium, openReport } from '../helpers/browser.js';
import { tempDir } from '../helpers/cli.js';
import { fullStackHour } from '../helpers/full-stack-hour.js';

describe('HTML report in a real browser (Debian chromium, headless)', () => {
  let browser: Browser;
  let reportUrl: string;
  let scenario: string;
  let faultEvents: number;
  let firstFaultId: string;

  beforeAll(async () => {
    const { result } = await fullStackHour();
    scenario = result.scenario.name;
    faultEvents = result.events.filter((e) => e.component === 'fault').length;
    firstFaultId = result.metrics.perFault[0]?.faultId ?? 'no fault';
    const file = join(tempDir('faildrill-report-'), 'report.html');
    writeFileSync(file, renderHtmlReport(result, { file: 'scenarios/full-stack.yaml', startedAt: new Date().toISOString(), wallMs: 700 }));
    reportUrl = pathToFileURL(file).href;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the charts and swimlanes from the file alone, with no console errors, and leaves a screenshot', async () => {
    const { page, requested, blocked, errors, box, screenshot, close } = await openReport(browser, reportUrl);
    for (const selector of ['svg[data-chart="timeline"]', 'svg[data-chart="timeline"] path.ok-area', 'svg[data-chart="timeline"] path.p50-line', 'svg[data-chart="swimlanes"]', 'svg[data-chart="swimlanes"] rect.span', '.card']) {
      const { width, height } = await box(selector);
      expect(width, selector).toBeGreaterThan(0);
      expect(height, selector).toBeGreaterThan(0);
    }
    expect(await page.locator('svg[data-chart="swimlanes"] g.lane').count()).toBeGreaterThan(3);
    expect(await page.locator('svg[data-chart="timeline"] line.marker').count()).toBeGreaterThan(3);

    const rows = page.locator('#event-table tbody tr');
    const total = await rows.count();
    await page.selectOption('#event-component', 'fault');
    const visible = page.locator('#event-table tbody tr:not([hidden])');
    expect(faultEvents).toBeGreaterThan(0);
    expect(await visible.count()).toBe(faultEvents);
    expect(await page.locator('#event-count').textContent()).toBe(`${faultEvents} of ${total} events`);
    await page.selectOption('#event-component', '');
    await page.fill('#event-filter', firstFaultId);
    expect(await visible.count()).toBeGreaterThan(0);
    expect(await visible.count()).toBeLessThan(total);
    await page.fill('#event-filter', '');

    expect(await screenshot(`report-${scenario}.png`)).toBeGreaterThan(10_000);

    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested.every((url) => url === reportUrl || url.startsWith('data:'))).toBe(true);
    await close();
  }, 120_000);
});
