import { describe, expect, it } from 'vitest';
import { fixtureResult } from '../../../test/helpers/fixtures.js';
import type { HistoryEntry } from '../../history/history.js';
import type { RunContext } from '../reporter.js';
import { checkExpectations } from '../../measure/expectations.js';
import { parseLimit } from '../../scenario/limit.js';
import { formatClock, formatCount, formatMs, formatRatio } from '../format.js';
import { renderHtmlReport } from './render.js';

/**
 * The fixture is a real run of scenarios/full-stack.yaml (scripts/gen-fixtures.mjs). Every figure
 * asserted below is read from it or from that scenario; to show a failing card and banner, a failback
 * limit one second under the measured failback is added, so it must fail.
 */
function failingResult() {
  const r = fixtureResult();
  const limit = parseLimit(`< ${Math.floor(r.metrics.failbackMs! / 1000) - 1}s`, 'ms')!;
  r.expectations.push(...checkExpectations({ failback: limit }, r.metrics));
  r.verdict = 'fail';
  return r;
}
const result = failingResult();
const m = result.metrics;
// full-stack.yaml: seed 2026, 30 min, its expectations, a database, a VIP and an autoscaling group
const SCENARIO = { seed: 2026, duration: '30m 00s', vip: 'vip-pricing', nodes: ['svc-a', 'svc-b'], db: 'orders-db', asg: 'asg-app', tg: 'tg-app', app: ['app-1', 'app-3'] };

const context: RunContext = {
  file: 'scenarios/full-stack.yaml',
  startedAt: '2026-11-23T20:45:12.345Z',
  wallMs: 812,
  scenarioCommit: '2c9d49e8efd8a0719c250efa68e5dbff64f30d8c',
  tools: { faildrill: '0.1.0', node: 'v20.20.2', platform: 'linux x64' },
};

const html = renderHtmlReport(result, context);
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
    for (const out of [html, renderHtmlReport(fixtureResult()), renderHtmlReport(result)]) {
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
    expect(banner).toContain(String(SCENARIO.seed));
    expect(banner).toContain('2026-11-23 20:45:12 UTC');
    expect(banner).toContain('812ms');
    expect(banner).toContain(SCENARIO.duration);
    expect(banner).toContain(`faildrill run scenarios/full-stack.yaml --seed ${SCENARIO.seed} --target sim`);
    expect(banner).toContain('2c9d49e8efd8');
    expect(banner).toContain('0.1.0');
    expect(banner).toContain(result.expectations.find((e) => e.name === 'failback')!.message);
  });

  it('shows metric cards next to their limits, green or red, RPO when a database took part', () => {
    const cards = [...html.matchAll(/<div class="card (\w+)">([\s\S]*?)<\/div>\s*<\/div>/g)].map((m) => ({ status: m[1], text: text(m[2]!).replace(/\s+/g, ' ').trim() }));
    const card = (name: string) => cards.find((c) => c.text.startsWith(name));
    expect(card('Detection')).toMatchObject({ status: 'pass' });
    expect(card('Detection')!.text).toContain(`${formatMs(m.detectionMs)} limit < 30s`);
    expect(card('Switch')!.text).toContain(`${formatMs(m.switchMs)} limit < 60s`);
    expect(card('Switch')!.text).toContain(`fault to switch ${formatMs(m.timeToSwitchMs)}`);
    expect(card('RTO')).toMatchObject({ status: 'pass' });
    expect(card('RTO')!.text).toContain(`first success ${formatMs(m.firstSuccessMs)}`);
    expect(card('Failback')).toMatchObject({ status: 'fail' });
    expect(card('Failback')!.text).toContain(`${formatMs(m.failbackMs)} limit ${result.expectations.at(-1)!.limit}`);
    expect(card('Downtime')).toMatchObject({ status: 'none' });
    expect(card('Downtime')!.text).toContain(`errors from first to last ${formatMs(m.errorSpanMs)}`);
    expect(card('Errors')!.text).toContain(formatCount(m.errorCount));
    expect(card('Errors')!.text).toContain(`${formatRatio(m.errorRate)} of ${formatCount(m.requestCount)} requests`);
    expect(card('RPO')!.text).toContain(formatMs(m.rpoMs));
    expect(card('RPO')!.text).toContain(`${formatCount(m.lostWrites)} acknowledged writes lost`);
    expect(card('Invariants')!.text).toContain(`${result.invariants.length}/${result.invariants.length} held`);
  });

  it('draws the timeline with markers and a detail chart around each fault, then the swimlanes', () => {
    const timelines = html.match(/data-chart="timeline"/g) ?? [];
    // the whole run, then one chart from injection to recovery per fault and one from removal to failback per removed fault
    expect(timelines).toHaveLength(1 + m.perFault.length + m.perFault.filter((f) => f.removedAtMs !== null).length);
    expect(html).toMatch(/class="ok-area" d="M[\d.,LHVZ-]+/);
    expect(html).toMatch(/class="err-area" d="M/);
    expect(html).toMatch(/class="p99-line" d="M/);
    const f = m.perFault.find((p) => p.removedAtMs !== null && p.detectedAtMs !== null && p.failedBackAtMs !== null && p.rtoMs! > 0)!;
    const labels = [
      'fault injected',
      `detection +${formatMs(f.detectionMs)}`,
      `switch +${formatMs(f.timeToSwitchMs)}`,
      `recovery +${formatMs(f.rtoMs)}`,
      `fault removed +${formatMs(f.removedAtMs! - f.injectedAtMs)}`,
      `failback +${formatMs(f.failbackMs)}`,
    ];
    for (const label of labels) expect(html).toContain(label);
    const lanes = html.slice(html.indexOf('data-chart="swimlanes"'));
    for (const section of ['Routable targets', 'Target health', 'VIP holder', 'VRRP state', 'Database writer', 'Autoscaling instances', 'Server state']) {
      expect(lanes).toContain(`>${section}</text>`);
    }
    const laneNames = [SCENARIO.vip, `${SCENARIO.vip} / ${SCENARIO.nodes[1]}`, SCENARIO.db, `${SCENARIO.tg} / ${SCENARIO.app[0]}`, SCENARIO.app[1]!];
    for (const lane of laneNames) expect(lanes).toContain(`>${lane}<title>`);
    expect(lanes).toMatch(new RegExp(`>${SCENARIO.asg} / [^<]+<title>`));
  });

  it('lists the faults, the filterable event log, the scenario as it ran and the environment', () => {
    const f = m.perFault[0]!;
    const row = [
      f.faultId,
      f.action,
      f.target,
      formatClock(f.injectedAtMs),
      f.removedAtMs === null ? 'still active' : formatClock(f.removedAtMs),
      `${formatMs(f.firstNoticedMs)} (${f.firstNoticedBy})`,
      `${formatMs(f.detectionMs)} (${f.detectedBy}: ${f.detectedVia})`,
      formatMs(f.switchMs),
      formatMs(f.timeToSwitchMs),
      formatMs(f.rtoMs),
      formatMs(f.firstSuccessMs),
      formatMs(f.failbackMs),
      formatMs(f.downtimeMs),
      `${formatCount(f.errorCount)} / ${formatCount(f.requestCount)}`,
    ];
    expect(text(html).replace(/\s+/g, ' ')).toContain(row.join(' '));
    expect(html.match(/<tr data-component=/g)).toHaveLength(result.events.length);
    expect(html).toContain('<option>fault</option>');
    expect(html).toContain('id="event-filter"');
    expect(text(html)).toContain(`faultId=${f.faultId}  action=${f.action}  target=${f.target}`);
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
    // earlier runs whose median RTO is two thirds of this run's: this one is 50 % worse
    const median = m.rtoMs! / 1.5;
    const previous = [2 * median, median, median, median].map(previousRun);
    const withTrend = renderHtmlReport(fixtureResult(), { ...context, previousRuns: previous });
    expect(withTrend).toContain('data-chart="trend"');
    expect(withTrend).toContain(`Regression: RTO ${formatMs(m.rtoMs)} is 50% worse than the median ${formatMs(median)} of the previous 4 runs (threshold 20%).`);
    expect(withTrend.match(/<circle /g)).toHaveLength(3 * 5);
    expect(withTrend).toContain('>this run</text>');
    const steady = renderHtmlReport(fixtureResult(), { ...context, previousRuns: [m.rtoMs!, m.rtoMs!].map(previousRun) });
    expect(steady).toContain('No regression: RTO, detection and switch are within 20% of the median of the previous 2 runs.');
    const otherScenario = renderHtmlReport(fixtureResult(), { ...context, previousRuns: previous.map((p) => ({ ...p, hash: 'different' })) });
    expect(otherScenario).not.toContain('data-chart="trend"');
  });
});
