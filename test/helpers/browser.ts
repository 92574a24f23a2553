import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './cli.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots are test artifacts: CI keeps `reports/` (git-ignored). */
export const SCREENSHOT_DIR = join(repoRoot, 'reports/screenshots');

/** Debian's Chromium, headless, with the background networking this machine refuses turned off. Fails, never skips, when missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: this test needs Debian's chromium. Install it with \`apt-get install -y chromium\` ` +
        '(`npm test` does so as root through scripts/test-setup.mjs, prerequisite "chromium").',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
  });
}

/** A page on a self-contained report that records every request, blocks all but the file itself, and collects console errors. */
export interface ReportPage {
  page: Page;
  /** URLs the page asked for. */
  requested: string[];
  /** Requests refused because they would have left the file. */
  blocked: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Size of the first element matching `selector` (0 × 0 when none). */
  box(selector: string): Promise<{ width: number; height: number }>;
  /** Saves a full-page screenshot as `reports/screenshots/<name>` and returns its size in bytes. */
  screenshot(name: string): Promise<number>;
  close(): Promise<void>;
}

export async function openReport(browser: Browser, reportUrl: string): Promise<ReportPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requested: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === reportUrl || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(reportUrl, { waitUntil: 'load' });
  return {
    page,
    requested,
    blocked,
    errors,
    box: async (selector) => (await page.locator(selector).first().boundingBox()) ?? { width: 0, height: 0 },
    screenshot: async (name) => {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, name);
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path, fullPage: true });
      return statSync(path).size;
    },
    close: () => context.close(),
  };
}
