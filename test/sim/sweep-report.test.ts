import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../src/sweep/report.js';
import { faildrill, repoRoot, tempDir, tempFile } from '../helpers/cli.js';

const LB = join(repoRoot, 'scenarios/lb-failover.yaml');
const lbText = readFileSync(LB, 'utf8');

interface Suites {
  '@_tests': string;
  '@_failures': string;
  testsuite: Array<{ '@_name': string; '@_tests': string; '@_failures': string; testcase: Array<{ '@_name': string; failure?: { '#text': string; '@_message': string } }> }>;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

function sweep(file: string, seeds: string) {
  const out = tempDir('faildrill-sweep-report-');
  const r = faildrill(['sweep', file, '--seeds', seeds, '--out', out], tempDir('faildrill-sweep-cwd-'));
  const read = (name: string) => readFileSync(join(out, name), 'utf8');
  return { ...r, out, read, report: JSON.parse(read('sweep.json')) as SweepReport };
}

function junit(xml: string): Suites {
  expect(XMLValidator.validate(xml)).toBe(true);
  return (parser.parse(xml) as { testsuites: Suites }).testsuites;
}

describe('faildrill sweep writes report.html and junit.xml beside sweep.json', () => {
  let pass: ReturnType<typeof sweep>;
  let fail: ReturnType<typeof sweep>;
  beforeAll(() => {
    pass = sweep(LB, '1..20');
    fail = sweep(tempFile('lb-impossible.yaml', lbText.replace('rto: "< 120s"', 'rto: "< 1s"')), '1..20');
  });

  it('for a passing sweep of lb-failover', () => {
    expect(pass.code, pass.stderr).toBe(0);
    for (const name of ['report.html', 'junit.xml']) expect(existsSync(join(pass.out, name)), name).toBe(true);
    expect(pass.stdout).toContain(`wrote ${join(pass.out, 'report.html')} and ${join(pass.out, 'junit.xml')}`);
    const suites = junit(pass.read('junit.xml'));
    expect(suites['@_tests']).toBe('20');
    expect(suites['@_failures']).toBe('0');
    expect(suites.testsuite[0]!.testcase.map((c) => c['@_name'])).toEqual(pass.report.rows.map((r) => `seed ${r.seed}`));
    const html = pass.read('report.html');
    expect(html).not.toMatch(/\bundefined\b|\bNaN\b|\bnull\b|\[object Object\]/);
    expect(html.match(/<svg class="chart histogram"/g)).toHaveLength(4);
    const rto = pass.report.distribution.rto;
    expect(html).toContain(`PASS`);
    expect(html).toMatch(new RegExp(`<td>RTO</td><td>20</td>(<td>[^<]+</td>){5}<td>0</td>`));
    expect(rto.p99Ms).not.toBeNull();
    expect(html).toContain(`<code class="copy">faildrill run ${LB} --seed ${pass.report.worst!.seed}</code>`);
  });

  it('for a sweep with an impossible expectation: failures, their replay commands and the shrunk schedules', () => {
    expect(fail.code).toBe(1);
    const { report } = fail;
    expect(report.failed).toBe(20);
    const suites = junit(fail.read('junit.xml'));
    expect(Number(suites['@_tests'])).toBe(report.rows.length);
    expect(Number(suites['@_failures'])).toBe(report.failed);
    const suite = suites.testsuite[0]!;
    expect(Number(suite['@_failures'])).toBe(suite.testcase.filter((c) => c.failure).length);
    const worst = suite.testcase.find((c) => c['@_name'] === `seed ${report.worst!.seed}`)!.failure!;
    expect(worst['@_message']).toMatch(/^rto \d+\.\ds >= limit 1\.0s$/);
    expect(worst['#text']).toContain(`reproduce: faildrill run ${report.scenario.file} --seed ${report.worst!.seed}`);

    const html = fail.read('report.html');
    expect(html).not.toMatch(/\bundefined\b|\bNaN\b|\bnull\b|\[object Object\]/);
    expect(html).toContain('20 seeds of 20 failed');
    const shrunk = report.failures.filter((f) => f.shrunk);
    expect(shrunk.length).toBeGreaterThan(0);
    for (const f of shrunk) {
      expect(existsSync(join(fail.out, f.shrunk!.file))).toBe(true);
      expect(html).toContain(`<a href="${f.shrunk!.file}">`);
      expect(html).toContain(`<code class="copy">faildrill run ${join(fail.out, f.shrunk!.file)} --seed ${f.seed}</code>`);
    }
    expect(html).toMatch(/<pre class="yaml schedule">faults:\n {2}- \{ id: blue-\d-down, at: /);
    expect(html.slice(html.indexOf('<section id="failures"'), html.indexOf('<section id="shrunk"')).match(/<tr class="fail">/g)).toHaveLength(20);
  });

  it('keeps sweep.json free of wall-clock time; report.html and junit.xml differ only in it', () => {
    const again = sweep(LB, '1..20');
    expect(again.read('sweep.json').replaceAll(again.out, pass.out)).toBe(pass.read('sweep.json'));
    const stripWall = (t: string, out: string) =>
      t
        .replaceAll(out, 'OUT')
        .replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?( UTC)?/g, 'WHEN')
        .replace(/(took \(wall\)<\/dt><dd>)[^<]*/, '$1WALL');
    for (const name of ['report.html', 'junit.xml']) expect(stripWall(again.read(name), again.out), name).toBe(stripWall(pass.read(name), pass.out));
  });
});
