import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distributionsOf, type SweepReport } from '../../sweep/report.js';
import { formatCount, formatMs } from '../format.js';
import { renderSweepHtmlReport } from './sweep-render.js';
import { binCounts, binEdges, histogramChart } from './sweep-histogram.js';
import { scheduleText, type SweepReportContext } from './sweep-view.js';

/**
 * sweep.json of lb-failover.yaml with `rto: "< 13s"`, seeds 1..20, as `faildrill sweep` wrote it
 * (scripts/gen-fixtures.mjs): some seeds fail, the three worst are shrunk. Figures asserted below are
 * read from it; the scenario gives the rest (its faults, its 10 min, the limit).
 */
const fixture = (): SweepReport => JSON.parse(readFileSync(new URL('../../../test/fixtures/sweep-lb-strict.json', import.meta.url), 'utf8')) as SweepReport;
const report0 = fixture();
const ms = (v: number | null) => (v === null ? 'never' : formatMs(v));
const rowOf = (seed: number) => report0.rows.find((r) => r.seed === seed)!;
const cells = (seed: number) => {
  const r = rowOf(seed);
  return `${r.seed} ${r.verdict} ${ms(r.detectionMs)} ${ms(r.switchMs)} ${ms(r.rtoMs)} ${ms(r.failbackMs)} ${formatCount(r.errorCount)} / ${formatCount(r.requestCount)}`;
};
const worstSeed = report0.worst!.seed;
const passingSeed = report0.rows.find((r) => r.verdict === 'pass')!.seed;

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
  shrunkYaml: new Map([[worstSeed, SHRUNK_12]]),
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
    expect(banner).toContain(`${report0.failed} seeds of 20 failed; the worst is seed ${worstSeed}.`);
    expect(banner).toContain('seeds 1..20 (20 run here)');
    expect(banner).toContain('shard none (every seed)');
    expect(banner).toContain('swarm no: the scenario as written');
    expect(banner).toContain(`passed / failed ${report0.passed} / ${report0.failed}`);
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
    const line = (name: string, d: SweepReport['distribution']['rto']) =>
      `${name} ${d.count} ${ms(d.minMs)} ${ms(d.p50Ms)} ${ms(d.p95Ms)} ${ms(d.p99Ms)} ${ms(d.maxMs)} ${d.never}`;
    const d = report0.distribution;
    expect(dist).toContain(line('detection', d.detection));
    expect(dist).toContain(line('switch', d.switch));
    expect(dist).toContain(line('RTO', d.rto));
    expect(html.match(/<svg class="chart histogram"/g)).toHaveLength(4);
    for (const metric of ['detection', 'switch', 'RTO', 'failback']) expect(html).toContain(`data-metric="${metric}"`);
    const rto = html.slice(html.indexOf('data-metric="RTO"'), html.indexOf('</svg>', html.indexOf('data-metric="RTO"')));
    const bars = [...rto.matchAll(/<rect class="bar"[^>]*height="([\d.]+)"><title>RTO [^<]*: (\d+) seeds?<\/title>/g)];
    expect(bars.length).toBeGreaterThan(2);
    expect(bars.reduce((n, b) => n + Number(b[2]), 0)).toBe(20);
    expect(rto).toContain(`>p50 ${ms(d.rto.p50Ms)}<`);
    expect(rto).toContain(`>p95 ${ms(d.rto.p95Ms)}<`);
    expect(rto).toMatch(new RegExp(`>p99 (&#x3D; max )?${ms(d.rto.p99Ms)}<`));
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
    expect(worst).toContain(`${cells(worstSeed)} ${rowOf(worstSeed).failed.join(' ')} shrunk schedule faildrill run scenarios/lb-strict.yaml --seed ${worstSeed}`);
    expect(worst).toContain(`${cells(passingSeed)} — faildrill run scenarios/lb-strict.yaml --seed ${passingSeed}`);
    expect(html).toContain(`<code class="copy">faildrill run scenarios/lb-strict.yaml --seed ${worstSeed}</code>`);
    expect(html).toContain(`<a class="shrunk-link" href="#shrunk-seed-${worstSeed}">`);
    const swarm = renderSweepHtmlReport(swarmFixture(), context);
    expect(swarm).toContain('<th>drawn values</th>');
    expect(swarm).toContain('<code class="copy">faildrill run reports/lb-failover/sweep-20261123T204512Z/swarm-seed-2.yaml --seed 2</code>');
    expect(swarm).toContain('<code class="copy">faildrill sweep scenarios/lb-strict.yaml --seeds 17 --swarm</code>');
    expect(swarm).toContain('<li>faults[blue-1-down].at &#x3D; 61s</li><li>load.clients &#x3D; 21</li>');
    expect(text(swarm)).toContain(`2 fail never ${ms(rowOf(2).switchMs)} never never`);
  });

  it('lists every failing seed with what it missed, and the shrunk schedules with their YAML and file', () => {
    const failures = section('failures');
    expect(failures).toContain(`${report0.failed} failing, worst first`);
    expect(html.slice(html.indexOf('<section id="failures"'), html.indexOf('<section id="shrunk"')).match(/<tr class="fail">/g)).toHaveLength(report0.failed);
    const last = report0.failures.at(-1)!;
    expect(failures).toContain(`${last.seed} ${last.failed.join(' ')} ${ms(last.rtoMs)} faildrill run scenarios/lb-strict.yaml --seed ${last.seed}`);
    const shrunk = section('shrunk');
    const s12 = report0.failures.find((f) => f.seed === worstSeed)!.shrunk!;
    // lb-failover.yaml: two faults of 4 min each
    expect(shrunk).toContain(`seed ${worstSeed} rto:exceeded 2 → ${s12.faults.after} fault${s12.faults.after === 1 ? '' : 's'}; total fault time 8m 00s → ${formatMs(s12.size.totalDurationMs)}`);
    expect(shrunk).toContain(`file: shrunk-seed-${worstSeed}.yaml · replay: faildrill run reports/lb-failover/sweep-20261123T204512Z/shrunk-seed-${worstSeed}.yaml --seed ${worstSeed}`);
    expect(html).toContain(`<div class="shrunk" id="shrunk-seed-${worstSeed}">`);
    expect(html).toContain(`<a href="shrunk-seed-${worstSeed}.yaml">`);
    expect(html).toContain('<pre class="yaml schedule">faults:\n  - { id: blue-1-down, at: 0s, action: service-stop, target: blue-1, duration: 20s }</pre>');
    expect(html).toContain('<pre class="yaml"># shrunk by faildrill sweep\nname: lb-failover');
    expect(html.match(/<div class="shrunk"/g)).toHaveLength(report0.failures.filter((f) => f.shrunk).length);
    const d0 = report0.distribution;
    const passing = fixture();
    Object.assign(passing, { verdict: 'pass', failed: 0, passed: 20, failures: [] });
    for (const row of passing.rows) Object.assign(row, { verdict: 'pass', failed: [], failure: null });
    const ok = text(renderSweepHtmlReport(passing));
    expect(ok).toContain('PASS lb-failover sweep');
    expect(ok).toContain(`All 20 seeds passed; RTO p95 ${ms(d0.rto.p95Ms)}, max ${ms(d0.rto.maxMs)} (seed ${worstSeed}).`);
    expect(ok).toContain('No seed failed');
    expect(ok).toContain('Nothing to shrink: no seed failed.');
  });

  it('lists every seed with its split brain and lost writes', () => {
    const seeds = text(renderSweepHtmlReport(swarmFixture()).replace(/[\s\S]*<section id="seeds"/, '<section').replace(/<\/section>[\s\S]*/, ''));
    expect(seeds).toContain('20 seeds in the order they were listed.');
    expect(seeds).toContain(`${cells(3).replace(/^3 \w+/, '3 fail')} 31.5s 0`);
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
