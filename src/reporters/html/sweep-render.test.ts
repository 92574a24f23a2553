import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distributionsOf, type SweepReport } from '../../sweep/report.js';
import { renderSweepHtmlReport } from './sweep-render.js';
import { binCounts, binEdges, histogramChart } from './sweep-histogram.js';
import { scheduleText, type SweepReportContext } from './sweep-view.js';

/** A fixed sweep.json: lb-failover with `rto: "< 13s"`, seeds 1..20, 14 failing, three shrunk. */
const fixture = (): SweepReport => JSON.parse(readFileSync(new URL('../../../test/fixtures/sweep-lb-strict.json', import.meta.url), 'utf8')) as SweepReport;

const SHRUNK_12 = `# shrunk by faildrill sweep
name: lb-failover
duration: 10m
faults:
  - { id: blue-1-down, at: 0s, action: service-stop, target: blue-1, duration: 20s }
expect:
  rto: "< 13s"
`;
const context: SweepReportContext = {
  dir: 'reports/lb-failover/sweep-20261123T204512Z',
  startedAt: '2026-11-23T20:45:12.345Z',
  wallMs: 1_312,
  shrunkYaml: new Map([[12, SHRUNK_12]]),
};
const html = renderSweepHtmlReport(fixture(), context);
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#x3D;': '=', '&#x60;': '`', '&amp;': '&' };
const text = (h: string) =>
  h
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|quot|amp|#x27|#x3D|#x60);/g, (e) => ENTITIES[e]!)
    .replace(/\s+/g, ' ');
const section = (id: string) => {
  const start = html.indexOf(`<section id="${id}"`);
  return text(html.slice(start, html.indexOf('</section>', start))).trim();
};

/** The fixture as a swarm sweep, with a seed that never recovered and one with split brain. */
function swarmFixture(): SweepReport {
  const report = fixture();
  report.swarm = true;
  report.rows.forEach((row, i) => (row.drawn = { 'faults[blue-1-down].at': `${60 + i}s`, 'load.clients': 20 + i }));
  const never = report.rows.find((r) => r.seed === 2)!;
  Object.assign(never, { rtoMs: null, detectionMs: null, failbackMs: null, verdict: 'fail', failed: ['rto did not happen (limit < 13s)'], failure: 'rto:never' });
  report.rows.find((r) => r.seed === 3)!.splitBrainMs = 31_500;
  report.distribution = distributionsOf(report.rows);
  report.worst = { seed: 2, verdict: 'fail', rtoMs: null, failed: never.failed, drawn: never.drawn!, replay: { file: 'swarm-seed-2.yaml', seed: 2, inSweepDir: true } };
  return report;
}

describe('sweep HTML report', () => {
  it('has no undefined, NaN or null text, and no request to anywhere', () => {
    for (const out of [html, renderSweepHtmlReport(fixture()), renderSweepHtmlReport(swarmFixture(), context)]) {
      expect(out).not.toMatch(/\bundefined\b|\bNaN\b|\bnull\b|\[object Object\]|Infinity/);
      expect(out).not.toMatch(/\bsrc\s*=|<link\b|@import|url\(|https?:\/\/|<script/i);
      for (const [, href] of out.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^(#shrunk-seed-\d+|shrunk-seed-\d+\.yaml)$/);
    }
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
  });

  it('opens with the verdict banner: scenario, seeds, shard, swarm, counts, when, version', () => {
    const banner = text(html.slice(html.indexOf('<header'), html.indexOf('</header>')));
    expect(banner).toContain('FAIL lb-failover sweep');
    expect(banner).toContain('14 seeds of 20 failed; the worst is seed 12.');
    expect(banner).toContain('seeds 1..20 (20 run here)');
    expect(banner).toContain('shard none (every seed)');
    expect(banner).toContain('swarm no: the scenario as written');
    expect(banner).toContain('passed / failed 6 / 14');
    expect(banner).toContain('2026-11-23 20:45:12 UTC');
    expect(banner).toContain('1.3s');
    expect(banner).toContain('faildrill 0.1.0');
    expect(banner).toContain('faildrill sweep scenarios/lb-strict.yaml --seeds 1..20');
    const swarm = renderSweepHtmlReport({ ...swarmFixture(), shard: { index: 2, count: 4 } });
    expect(text(swarm)).toContain('shard 2 of 4');
    expect(text(swarm)).toContain('swarm yes: timings and parameters drawn per seed');
    expect(text(swarm)).toContain('--seeds 1..20 --shard 2/4 --swarm');
    expect(text(renderSweepHtmlReport(fixture()))).toContain('ran at not recorded');
  });

  it('gives the percentiles of detection, switch, RTO and failback, and a histogram of each with them marked', () => {
    const dist = section('distribution');
    expect(dist).toContain('over 20 seeds happened min p50 p95 p99 max never');
    expect(dist).toContain('detection 20 10.7s 12.8s 14.8s 14.9s 14.9s 0');
    expect(dist).toContain('switch 20 0ms 875ms 3.9s 4.5s 4.5s 0');
    expect(dist).toContain('RTO 20 10.7s 13.6s 14.8s 14.9s 14.9s 0');
    expect(dist).toContain('failback 20 10.7s 13.6s 14.8s 14.9s 14.9s 0');
    expect(html.match(/<svg class="chart histogram"/g)).toHaveLength(4);
    for (const metric of ['detection', 'switch', 'RTO', 'failback']) expect(html).toContain(`data-metric="${metric}"`);
    const rto = html.slice(html.indexOf('data-metric="RTO"'), html.indexOf('</svg>', html.indexOf('data-metric="RTO"')));
    const bars = [...rto.matchAll(/<rect class="bar"[^>]*height="([\d.]+)"><title>RTO [^<]*: (\d+) seeds?<\/title>/g)];
    expect(bars.length).toBeGreaterThan(2);
    expect(bars.reduce((n, b) => n + Number(b[2]), 0)).toBe(20);
    expect(rto).toContain('>p50 13.6s<');
    expect(rto).toContain('>p95 14.8s<');
    expect(rto).toContain('>p99 &#x3D; max 14.9s<');
    expect(rto).toMatch(/class="never-bar"[^>]*height="0"/);
    expect(rto).toMatch(/class="cumulative" d="M[\d.,LHV-]+"/);
  });

  it('counts seeds that never recovered in the never bar, and says so when a figure never happened at all', () => {
    const out = renderSweepHtmlReport(swarmFixture(), context);
    const rto = out.slice(out.indexOf('data-metric="RTO"'), out.indexOf('</svg>', out.indexOf('data-metric="RTO"')));
    expect(rto).toContain('<title>RTO never happened in 1 seed</title>');
    expect(rto).toMatch(/class="never-bar"[^>]*height="[1-9]/);
    const none = fixture();
    for (const row of none.rows) row.failbackMs = null;
    expect(text(renderSweepHtmlReport(none))).toContain('Failback did not happen in any of the 20 seeds.');
    expect(renderSweepHtmlReport(none).match(/<svg class="chart histogram"/g)).toHaveLength(3);
  });

  it('lists the worst seeds, failures first, each with a copyable replay command; with swarm, the drawn values', () => {
    const worst = section('worst');
    expect(html.slice(html.indexOf('<section id="worst"'), html.indexOf('<section id="failures"')).match(/<tr class="(pass|fail)">/g)).toHaveLength(15);
    expect(worst).toMatch(/^Worst seeds The 15 seeds with the longest RTO, failures first \(of 20 seeds\)/);
    expect(worst).toContain('12 fail 14.9s 69ms 14.9s 14.9s 2,232 / 90,000 rto 14.9s >= limit 13.0s shrunk schedule faildrill run scenarios/lb-strict.yaml --seed 12');
    expect(worst).toContain('1 pass 12.8s 1.6s 12.8s 12.9s 1,923 / 90,000 — faildrill run scenarios/lb-strict.yaml --seed 1');
    expect(html).toContain('<code class="copy">faildrill run scenarios/lb-strict.yaml --seed 12</code>');
    expect(html).toContain('<a class="shrunk-link" href="#shrunk-seed-12">');
    const swarm = renderSweepHtmlReport(swarmFixture(), context);
    expect(swarm).toContain('<th>drawn values</th>');
    expect(swarm).toContain('<code class="copy">faildrill run reports/lb-failover/sweep-20261123T204512Z/swarm-seed-2.yaml --seed 2</code>');
    expect(swarm).toContain('<code class="copy">faildrill sweep scenarios/lb-strict.yaml --seeds 17 --swarm</code>');
    expect(swarm).toContain('<li>faults[blue-1-down].at &#x3D; 61s</li><li>load.clients &#x3D; 21</li>');
    expect(text(swarm)).toMatch(/2 fail never 223ms never never/);
  });

  it('lists every failing seed with what it missed, and the shrunk schedules with their YAML and file', () => {
    const failures = section('failures');
    expect(failures).toContain('14 failing, worst first');
    expect(html.slice(html.indexOf('<section id="failures"'), html.indexOf('<section id="shrunk"')).match(/<tr class="fail">/g)).toHaveLength(14);
    expect(failures).toContain('9 rto 13.0s >= limit 13.0s 13.0s faildrill run scenarios/lb-strict.yaml --seed 9');
    const shrunk = section('shrunk');
    expect(shrunk).toContain('seed 12 rto:exceeded 2 → 1 fault; total fault time 8m 00s → 20.0s; 20 runs');
    expect(shrunk).toContain('file: shrunk-seed-12.yaml · replay: faildrill run reports/lb-failover/sweep-20261123T204512Z/shrunk-seed-12.yaml --seed 12');
    expect(html).toContain('<div class="shrunk" id="shrunk-seed-12">');
    expect(html).toContain('<a href="shrunk-seed-12.yaml">');
    expect(html).toContain('<pre class="yaml schedule">faults:\n  - { id: blue-1-down, at: 0s, action: service-stop, target: blue-1, duration: 20s }</pre>');
    expect(html).toContain('<pre class="yaml"># shrunk by faildrill sweep\nname: lb-failover');
    expect(html.match(/<div class="shrunk"/g)).toHaveLength(3);
    const passing = fixture();
    Object.assign(passing, { verdict: 'pass', failed: 0, passed: 20, failures: [] });
    for (const row of passing.rows) Object.assign(row, { verdict: 'pass', failed: [], failure: null });
    const ok = text(renderSweepHtmlReport(passing));
    expect(ok).toContain('PASS lb-failover sweep');
    expect(ok).toContain('All 20 seeds passed; RTO p95 14.8s, max 14.9s (seed 12).');
    expect(ok).toContain('No seed failed');
    expect(ok).toContain('Nothing to shrink: no seed failed.');
  });

  it('lists every seed with its split brain and lost writes', () => {
    const seeds = text(renderSweepHtmlReport(swarmFixture()).replace(/[\s\S]*<section id="seeds"/, '<section').replace(/<\/section>[\s\S]*/, ''));
    expect(seeds).toContain('20 seeds in the order they were listed.');
    expect(seeds).toContain('3 fail 13.9s 195ms 13.9s 13.9s 2,087 / 90,000 31.5s 0');
  });

  it('escapes whatever the messages carry', () => {
    const report = fixture();
    report.rows[0]!.failed = ['<script>alert(1)</script>'];
    report.rows[0]!.verdict = 'fail';
    const out = renderSweepHtmlReport(report);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toContain('<script>');
  });
});

describe('histogram geometry', () => {
  it('puts every value in one bin of round edges covering them', () => {
    const values = [10_735, 12_046, 12_784, 14_885, 13_000];
    const edges = binEdges(10_735, 14_885, 10);
    expect(edges[0]).toBeLessThanOrEqual(10_735);
    expect(edges.at(-1)).toBeGreaterThan(14_885);
    expect(binCounts(values, edges).reduce((a, b) => a + b, 0)).toBe(values.length);
    const same = binEdges(5_000, 5_000, 10);
    expect(binCounts([5_000, 5_000], same).reduce((a, b) => a + b, 0)).toBe(2);
    expect(binEdges(0, 0, 10)[0]).toBe(0);
  });

  it('draws nothing when the figure never happened', () => {
    const dist = { count: 0, never: 3, minMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
    expect(histogramChart('RTO', [null, null, null], dist)).toBeUndefined();
  });

  it('takes the schedule out of a shrunk scenario as written', () => {
    expect(scheduleText(SHRUNK_12)).toBe('faults:\n  - { id: blue-1-down, at: 0s, action: service-stop, target: blue-1, duration: 20s }');
    expect(scheduleText('operations:\n  - { type: manual-failover, at: 1m, layer: dns }\nfaults: []\n')).toBe('operations:\n  - { type: manual-failover, at: 1m, layer: dns }\nfaults: []');
    expect(scheduleText(': : :')).toBe('');
  });
});
