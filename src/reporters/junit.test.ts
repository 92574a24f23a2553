import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { fixtureResult } from '../../test/helpers/fixtures.js';
import type { RunResult } from '../run/result.js';
import { readFileSync } from 'node:fs';
import type { SweepReport } from '../sweep/report.js';
import { checkExpectations } from '../measure/expectations.js';
import { parseLimit } from '../scenario/limit.js';
import { formatSeconds } from './format.js';
import { faultLine, numericFailure, renderJunit, renderSweepJunit } from './junit.js';

interface Case {
  '@_name': string;
  '@_classname': string;
  '@_time': string;
  failure?: { '#text': string; '@_message': string; '@_type': string };
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as { testsuites: Record<string, string> & { testsuite: Array<Record<string, string> & { testcase: Case[]; properties: { property: Array<Record<string, string>> } }> } };
  return doc.testsuites;
}

/** The fixture (a real run of scenarios/full-stack.yaml) with a failback limit one second under what it measured: it must fail. */
function withFailingFailback(result: RunResult): RunResult {
  const limit = parseLimit(`< ${Math.floor(result.metrics.failbackMs! / 1000) - 1}s`, 'ms')!;
  result.expectations.push(...checkExpectations({ failback: limit }, result.metrics));
  return result;
}

function withInvariants(result: RunResult): RunResult {
  return Object.assign(result, {
    invariants: [
      { name: 'single-vip-holder', pass: true, message: 'held after every event' },
      { name: 'demoted-primary-acknowledges-no-writes', pass: false, message: 'db-a acknowledged 3 writes after demotion', atMs: 912_345 },
    ],
  });
}

describe('JUnit XML', () => {
  it('has one testsuite per scenario and one testcase per expectation and invariant, with counts that agree', () => {
    const result = withInvariants(withFailingFailback(fixtureResult()));
    const suites = parse(renderJunit(result, { file: 'scenarios/full-stack.yaml', startedAt: '2026-11-23T20:45:12.345Z' }));
    // full-stack.yaml states five expectations; one failback limit added; two invariants; one bounds case per fault
    const names = ['detection < 30s', 'switch < 60s', 'rto < 120s', 'replacement < 5m', 'lostWrites 0', `failback ${result.expectations.at(-1)!.limit}`];
    const bounds = result.metrics.perFault.map((f) => `bounds ${f.faultId}`);
    expect(suites['@_tests']).toBe(String(names.length + 2 + bounds.length));
    expect(suites['@_failures']).toBe('2');
    expect(suites['@_errors']).toBe('0');
    expect(suites['@_time']).toBe('1800.000'); // duration: 30m
    expect(suites.testsuite).toHaveLength(1);
    const suite = suites.testsuite[0]!;
    expect(suite['@_name']).toBe('full-stack');
    expect(suite['@_timestamp']).toBe('2026-11-23T20:45:12Z');
    const cases = suite.testcase;
    expect(Number(suite['@_tests'])).toBe(cases.length);
    expect(Number(suite['@_failures'])).toBe(cases.filter((c) => c.failure).length);
    expect(Number(suite['@_skipped'])).toBe(0);
    expect(Number(suite['@_time'])).toBe(1800);
    expect(cases.map((c) => c['@_name'])).toEqual([...names, 'invariant: single-vip-holder', 'invariant: demoted-primary-acknowledges-no-writes', ...bounds]);
    for (const c of cases) expect(c['@_time']).toMatch(/^\d+\.\d{3}$/);
    const failbackExpectation = result.expectations.at(-1)!;
    const failback = cases[names.length - 1]!.failure!;
    expect(failback['@_message']).toBe(failbackExpectation.message);
    expect(failback['@_type']).toBe('ExpectationMissed');
    expect(failback['#text']).toContain(`failback ${formatSeconds(result.metrics.failbackMs!)} > limit ${failbackExpectation.limit.replace('< ', '')}`);
    // the figures of every fault stand beside the failure: time to switch, first noticed, first success, downtime
    for (const f of result.metrics.perFault) expect(failback['#text']).toContain(faultLine(f));
    expect(failback['#text']).toContain('reproduce: faildrill run scenarios/full-stack.yaml --seed 2026 --target sim');
    const invariant = cases[names.length + 1]!.failure!;
    expect(invariant['@_type']).toBe('InvariantViolated');
    expect(invariant['#text']).toContain('db-a acknowledged 3 writes after demotion at 15:12.345');
    const properties = Object.fromEntries(suite.properties.property.map((p) => [p['@_name'], p['@_value']]));
    expect(properties).toMatchObject({ seed: '2026', target: 'sim' });
  });

  it('writes one line per fault with the new figures', () => {
    const f = fixtureResult().metrics.perFault.find((p) => p.firstNoticedBy !== null && p.detectedBy !== null)!;
    const line = faultLine(f);
    expect(line).toContain(`fault ${f.faultId}: detection ${formatSeconds(f.detectionMs!)} by ${f.detectedBy} (first noticed ${formatSeconds(f.firstNoticedMs!)} by ${f.firstNoticedBy})`);
    expect(line).toContain(`time to switch ${formatSeconds(f.timeToSwitchMs!)}`);
    expect(line).toContain(`first success ${f.firstSuccessMs === null ? 'never' : formatSeconds(f.firstSuccessMs)}`);
  });

  it('counts a passing run as zero failures', () => {
    const result = withFailingFailback(fixtureResult());
    result.expectations = result.expectations.filter((e) => e.pass);
    result.invariants = [];
    const suites = parse(renderJunit(result));
    expect(suites['@_tests']).toBe(String(result.expectations.length + result.metrics.perFault.filter((f) => f.bounds).length));
    expect(suites['@_failures']).toBe('0');
    expect(suites.testsuite[0]!.testcase.every((c) => c.failure === undefined)).toBe(true);
  });

  it('states limit and actual in plain seconds, percent and counts', () => {
    const base = { pass: false, message: '' } as const;
    expect(numericFailure({ ...base, name: 'rto', limit: '< 120s', unit: 'ms', actual: 143_200 })).toBe('rto 143.2s > limit 120s');
    expect(numericFailure({ ...base, name: 'detection', limit: '< 30s', unit: 'ms', actual: 30_000 })).toBe('detection 30s = limit 30s');
    expect(numericFailure({ ...base, name: 'errorRate', limit: '< 1%', unit: 'ratio', actual: 0.0123 })).toBe('errorRate 1.23% > limit 1.00%');
    expect(numericFailure({ ...base, name: 'errors', limit: '0', unit: 'count', actual: 17 })).toBe('errors 17 > limit 0');
    expect(numericFailure({ ...base, name: 'switch', limit: '< 60s', unit: 'ms', actual: null })).toBe('switch did not happen (limit < 60s)');
  });

  it('escapes names and messages', () => {
    const result = fixtureResult();
    result.scenario.name = 'a<b>&"c"';
    const suites = parse(renderJunit(result));
    expect(suites.testsuite[0]!['@_name']).toBe('a<b>&"c"');
    expect(renderJunit(result)).toContain('name="a&lt;b&gt;&amp;&quot;c&quot;"');
  });
});

describe('JUnit XML for a sweep', () => {
  const sweep = (): SweepReport => JSON.parse(readFileSync(new URL('../../test/fixtures/sweep-lb-strict.json', import.meta.url), 'utf8')) as SweepReport;

  it('has one testsuite for the sweep and one testcase per seed, with counts that agree with sweep.json', () => {
    const report = sweep();
    const xml = renderSweepJunit(report, { dir: 'out/sweep-1', startedAt: '2026-11-23T20:45:12.345Z' });
    const suites = parse(xml);
    expect(suites['@_tests']).toBe('20');
    expect(suites['@_failures']).toBe(String(report.failed));
    expect(suites['@_errors']).toBe('0');
    expect(suites.testsuite).toHaveLength(1);
    const suite = suites.testsuite[0]!;
    expect(suite['@_name']).toBe('lb-failover sweep');
    expect(suite['@_timestamp']).toBe('2026-11-23T20:45:12Z');
    expect(Number(suite['@_tests'])).toBe(suite.testcase.length);
    expect(Number(suite['@_failures'])).toBe(suite.testcase.filter((c) => c.failure).length);
    expect(suite.testcase.map((c) => c['@_name'])).toEqual(report.rows.map((r) => `seed ${r.seed}`));
    for (const c of suite.testcase) expect(c['@_time']).toBe('0.000');
    const passed = suite.testcase.find((c) => c['@_name'] === 'seed 1')!;
    expect(passed.failure).toBeUndefined();
    const worst = suite.testcase.find((c) => c['@_name'] === 'seed 12')!.failure!;
    expect(worst['@_type']).toBe('ExpectationMissed');
    expect(worst['@_message']).toBe('rto 14.9s >= limit 13.0s');
    expect(worst['#text']).toContain('detection 14.9s, switch 69ms, rto 14.9s, failback 14.9s; seed 12, target sim');
    expect(worst['#text']).toContain('shrunk schedule: out/sweep-1/shrunk-seed-12.yaml');
    expect(worst['#text']).toContain('reproduce: faildrill run scenarios/lb-strict.yaml --seed 12');
    const properties = Object.fromEntries(suite.properties.property.map((p) => [p['@_name'], p['@_value']]));
    expect(properties).toMatchObject({ seeds: '1..20', swarm: 'false', 'worst.seed': '12', rto: 'p50 13.6s, p95 14.8s, p99 14.9s, max 14.9s, never 0' });
    expect(renderSweepJunit(report)).not.toContain('timestamp=');
  });

  it('names broken invariants, and replays a swarm seed with its drawn scenario', () => {
    const report = sweep();
    report.swarm = true;
    const row = report.rows.find((r) => r.seed === 1)!;
    Object.assign(row, { verdict: 'fail', failed: ['invariant single-vip-holder: two holders at 03:12.000'], failure: 'run:failed', drawn: { 'load.clients': 42 } });
    report.failures.push({ seed: 1, failed: row.failed, failure: 'run:failed', rtoMs: row.rtoMs, replay: { file: 'swarm-seed-1.yaml', seed: 1, inSweepDir: true }, shrunk: null });
    const suite = parse(renderSweepJunit(report, { dir: 'out/sweep-1/' })).testsuite[0]!;
    const failure = suite.testcase.find((c) => c['@_name'] === 'seed 1')!.failure!;
    expect(failure['@_type']).toBe('InvariantViolated');
    expect(failure['#text']).toContain('drawn: load.clients=42');
    expect(failure['#text']).toContain('reproduce: faildrill run out/sweep-1/swarm-seed-1.yaml --seed 1');
    const other = suite.testcase.find((c) => c['@_name'] === 'seed 12')!.failure!;
    expect(other['#text']).toContain('reproduce: faildrill sweep scenarios/lb-strict.yaml --seeds 12 --swarm');
  });
});
