import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../src/sweep/report.js';
import { launchChromium, openReport } from '../helpers/browser.js';
import { faildrill, repoRoot, tempDir, tempFile } from '../helpers/cli.js';

describe('sweep HTML report in a real browser (Debian chromium, headless)', () => {
  let browser: Browser;
  let reportUrl: string;
  let report: SweepReport;

  beforeAll(async () => {
    // lb-failover with swarm ranges and a tighter RTO, so that the report has drawn values, failures and shrunk schedules.
    const lb = readFileSync(join(repoRoot, 'scenarios/lb-failover.yaml'), 'utf8');
    const scenario = tempFile(
      'lb-failover.yaml',
      `${lb.replace('rto: "< 120s"', 'rto: "< 25s"')}\nswarm:\n  faults: { atJitter: 45s, duration: { min: 30s, max: 5m } }\n  parameters:\n    - { path: load.clients, min: 20, max: 80 }\n`,
    );
    const out = tempDir('faildrill-sweep-browser-');
    const r = faildrill(['sweep', scenario, '--seeds', '1..40', '--swarm', '--out', out], tempDir('faildrill-sweep-cwd-'));
    expect(r.code, r.stderr).toBe(1);
    report = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepReport;
    reportUrl = pathToFileURL(join(out, 'report.html')).href;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws the histograms and tables from the file alone, with no console errors, and leaves a screenshot', async () => {
    expect(report.failed).toBeGreaterThan(0);
    expect(report.failures.some((f) => f.shrunk)).toBe(true);
    const { page, requested, blocked, errors, box, screenshot, close } = await openReport(browser, reportUrl);
    for (const metric of ['detection', 'switch', 'RTO', 'failback']) {
      for (const part of ['', ' rect.bar', ' line.marker', ' path.cumulative']) {
        const selector = `svg[data-metric="${metric}"]${part}`;
        const { width, height } = await box(selector);
        expect(width, selector).toBeGreaterThan(0);
        expect(height, selector).toBeGreaterThan(0);
      }
    }
    expect(await page.locator('svg[data-chart="histogram"]').count()).toBe(4);
    expect(await page.locator('#worst tbody tr').count()).toBe(15);
    expect(await page.locator('#failures tbody tr').count()).toBe(report.failed);
    expect(await page.locator('#shrunk .shrunk').count()).toBe(report.failures.filter((f) => f.shrunk).length);
    const worstReplay = await page.locator('#worst tbody tr').first().locator('code.copy').textContent();
    expect(worstReplay).toContain(`swarm-seed-${report.worst!.seed}.yaml --seed ${report.worst!.seed}`);
    expect((await box('#shrunk pre.schedule')).height).toBeGreaterThan(0);
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).not.toMatch(/\bundefined\b|\bNaN\b|\bnull\b/);

    // An in-page link to a shrunk schedule scrolls to it without a request.
    await page.locator('#worst a.shrunk-link').first().click();
    expect(page.url()).toMatch(/#shrunk-seed-\d+$/);

    expect(await screenshot('sweep-lb-failover.png')).toBeGreaterThan(10_000);

    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested.every((url) => url === reportUrl || url.startsWith('data:'))).toBe(true);
    await close();
  }, 120_000);
});
