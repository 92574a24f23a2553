import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/reporters/html/render.js';
import { fullStackHour } from '../helpers/full-stack-hour.js';

const MAX_REPORT_BYTES = 2 * 1024 * 1024;

describe('HTML report size', () => {
  it('stays under 2 MB for full-stack.yaml at one simulated hour', async () => {
    const { result } = await fullStackHour();
    expect(result.timeline.ok.length).toBeLessThanOrEqual(1_200);
    const html = renderHtmlReport(result, { startedAt: '2026-01-01T00:00:00.000Z', wallMs: 1_000 });
    const bytes = Buffer.byteLength(html);
    console.log(`report of full-stack at 1h: ${(bytes / 1024).toFixed(0)} KiB`);
    expect(bytes).toBeLessThan(MAX_REPORT_BYTES);
  }, 60_000);
});
