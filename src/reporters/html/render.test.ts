import { describe, expect, it } from 'vitest';
import { fixtureResult } from '../../../test/helpers/fixtures.js';
import type { HistoryEntry } from '../../history/history.js';
import type { RunContext } from '../reporter.js';
import { renderHtmlReport } from './render.js';

const context: RunContext = {
  file: 'scenarios/full-stack.yaml',
  startedAt: '2026-11-23T20:45:12.345Z',
  wallMs: 812,
  scenarioCommit: '2c9d49e8efd8a0719c250efa68e5dbff64f30d8c',
  tools: { faildrill: '0.1.0', node: 'v20.20.2', platform: 'linux x64' },
};

const html = renderHtmlReport(fixtureResult(), context);
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#x3D;': '=', '&#x60;': '`', '&amp;': '&' };
/** The visible text: tags dropped, entities decoded. */
const text = (h: string) =>
  h
    .replace(/<style>[\s\S]*?<\/style>|<script>[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|quot|amp|#x27|#x3D|#x60);/g, (e) => ENTITIES[e]!);

function previousRun(rtoMs: number, i: number): HistoryEntry {
  const r = fixtureResult();
  return {
    scenario: r.scenario.name,
    hash: r.scenario.hash,
    file: r.scenario.file,
    target: 'sim',
    seed: i,
    verdict: 'pass',
    metrics: { ...r.metrics, rtoMs, detectionMs: r.metrics.detectionMs, switchMs: r.metrics.switchMs },
    time: `2026-11-2${i}T02:00:00.000Z`,
    wallMs: 300,
    faildrill: '0.1.0',
  };
}

describe('HTML report', () => {
  it('has no undefined, NaN or null text, and no request to anywhere', () => {
    for (const out of [html, renderHtmlReport(fixtureResult())]) {
      expect(out).not.toMatch(/\bundefined\b|\bNaN\b|\bnull\b|\[object Object\]|Infinity/);
      expect(out).not.toMatch(/\b(src|href)\s*=|<link\b|@import|url\(|https?:\/\//i);
    }
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
  });

  it('opens with the verdict banner: scenario, target, seed, verdict, when, how long, reproduce, version, commit', () => {
    const banner = text(html.slice(html.indexOf('<header'), html.indexOf('</header>')));
    expect(banner).toContain('FAIL');
    expect(banner).toContain('full-stack');
    expect(banner).toMatch(/target\s+sim/);
    expect(banner).toContain('2026');
    expect(banner).toContain('2026-11-23 20:45:12 UTC');
    expect(banner).toContain('812ms');
    expect(banner).toContain('30m 00s');
    expect(banner).toContain('faildrill run scenarios/full-stack.yaml --seed 2026 --target sim');
    expect(banner).toContain('2c9d49e8efd8');
    expect(banner).toContain('0.1.0');
    expect(banner).toContain('failback 27.0s >= limit 20.0s');
  });

  it('shows metric cards next to their limits, green or red, RPO when a database took part', () => {
    const cards = [...html.matchAll(/<div class="card (\w+)">([\s\S]*?)<\/div>\s*<\/div>/g)].map((m) => ({ status: m[1], text: text(m[2]!).replace(/\s+/g, ' ').trim() }));
    const card = (name: string) => cards.find((c) => c.text.startsWith(name));
    expect(card('Detection')).toMatchObject({ status: 'pass' });
    expect(card('Detection')!.text).toContain('16.3s limit < 30s');
    expect(card('Switch')!.text).toContain('659ms limit < 60s');
    expect(card('RTO')).toMatchObject({ status: 'pass' });
    expect(card('Failback')).toMatchObject({ status: 'fail' });
    expect(card('Failback')!.text).toContain('27.0s limit < 20s');
    expect(card('Downtime')).toMatchObject({ status: 'none' });
    expect(card('Errors')!.text).toContain('16,691');
    expect(card('Errors')!.text).toContain('0.93% of 1,800,000 requests');
    expect(card('RPO')!.text).toContain('1.8s');
    expect(card('RPO')!.text).toContain('42 acknowledged writes lost');
    expect(card('Invariants')!.text).toContain('4/4 held');
  });

  it('draws the timeline with markers and a detail chart around each fault, then the swimlanes', () => {
    const timelines = html.match(/data-chart="timeline"/g) ?? [];
    expect(timelines).toHaveLength(1 + 3 * 2);
    expect(html).toMatch(/class="ok-area" d="M[\d.,LHVZ-]+/);
    expect(html).toMatch(/class="err-area" d="M/);
    expect(html).toMatch(/class="p99-line" d="M/);
    for (const label of ['fault injected', 'detection +13.7s', 'switch +13.9s', 'recovery +13.8s', 'fault removed +4m 00s', 'failback +23.9s']) {
      expect(html).toContain(label);
    }
    const lanes = html.slice(html.indexOf('data-chart="swimlanes"'));
    for (const section of ['Routable targets', 'Target health', 'VIP holder', 'VRRP state', 'Database writer', 'Autoscaling instances', 'Server state']) {
      expect(lanes).toContain(`>${section}</text>`);
    }
    for (const lane of ['vip-app', 'vip-app / lb-b', 'orders-db', 'asg-web / i-0b2', 'tg-app / app-1', 'app-3']) expect(lanes).toContain(`>${lane}<title>`);
  });

  it('lists the faults, the filterable event log, the scenario as it ran and the environment', () => {
    const result = fixtureResult();
    expect(text(html)).toMatch(/app-1-stop\s+service-stop\s+app-1\s+03:00\.000\s+07:00\.000\s+13\.7s \(controller\)\s+246ms\s+13\.8s\s+23\.9s\s+4,643 \/ 420,000/);
    expect(html.match(/<tr data-component=/g)).toHaveLength(result.events.length);
    expect(html).toContain('<option>fault</option>');
    expect(html).toContain('id="event-filter"');
    expect(text(html)).toContain('faultId=app-1-stop  action=service-stop  target=app-1');
    expect(html).toContain('<pre class="yaml">name: full-stack');
    expect(html).toMatch(/<th>node<\/th><td>v20\.20\.2<\/td>/);
    expect(html).toMatch(/<th>target<\/th><td>sim \(deterministic/);
  });

  it('escapes whatever the event log carries', () => {
    const result = fixtureResult();
    result.events.push({ atMs: 1, component: 'run', type: 'note', detail: { text: '<script>alert(1)</script>' } });
    const out = renderHtmlReport(result, context);
    expect(out).toContain('text&#x3D;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out.match(/<script>/g)).toHaveLength(1);
  });

  it('says when there is no history, and draws the trend with a regression note when there is', () => {
    expect(html).toContain('No earlier runs of this scenario');
    expect(html).not.toContain('data-chart="trend"');
    const previous = [20_000, 10_000, 11_000, 12_000].map(previousRun);
    const withTrend = renderHtmlReport(fixtureResult(), { ...context, previousRuns: previous });
    expect(withTrend).toContain('data-chart="trend"');
    expect(withTrend).toContain('Regression: RTO 16.9s is 47% worse than the median 11.5s of the previous 4 runs (threshold 20%).');
    expect(withTrend.match(/<circle /g)).toHaveLength(3 * 5);
    expect(withTrend).toContain('>this run</text>');
    const steady = renderHtmlReport(fixtureResult(), { ...context, previousRuns: [16_000, 17_000].map(previousRun) });
    expect(steady).toContain('No regression: RTO, detection and switch are within 20% of the median of the previous 2 runs.');
    const otherScenario = renderHtmlReport(fixtureResult(), { ...context, previousRuns: previous.map((p) => ({ ...p, hash: 'different' })) });
    expect(otherScenario).not.toContain('data-chart="trend"');
  });
});
