import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/reporters/html/render.js';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { fullStackHour } from '../helpers/full-stack-hour.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = join(repoRoot, 'reports/screenshots');

describe('HTML report in a real browser (Debian chromium, headless)', () => {
  let browser: Browser;
  let reportUrl: string;
  let scenario: string;
  let faultEvents: number;
  let firstFaultId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: this test needs Debian's chromium. Install it with \`apt-get install -y chromium\` ` +
          '(`npm test` does so as root through scripts/test-setup.mjs, prerequisite "chromium").',
      );
    }
    const { result } = await fullStackHour();
    scenario = result.scenario.name;
    faultEvents = result.events.filter((e) => e.component === 'fault').length;
    firstFaultId = result.metrics.perFault[0]?.faultId ?? 'no fault';
    const file = join(tempDir('faildrill-report-'), 'report.html');
    writeFileSync(file, renderHtmlReport(result, { file: 'scenarios/full-stack.yaml', startedAt: new Date().toISOString(), wallMs: 700 }));
    reportUrl = pathToFileURL(file).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the charts and swimlanes from the file alone, with no console errors, and leaves a screenshot', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    const blocked: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === reportUrl || url.startsWith('data:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(reportUrl, { waitUntil: 'load' });

    const box = async (selector: string) => (await page.locator(selector).first().boundingBox()) ?? { width: 0, height: 0 };
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

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const screenshot = join(SCREENSHOT_DIR, `report-${scenario}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);

    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested.every((url) => url === reportUrl || url.startsWith('data:'))).toBe(true);
    await context.close();
  }, 120_000);
});
