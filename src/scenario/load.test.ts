import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { ALIAS_LIMITS } from './aliases.js';
import { loadScenarioFile, MAX_SCENARIO_BYTES, parseScenario } from './load.js';

const HEAD = 'name: t\nduration: 5m\nsetup:\n  servers: [{ id: a }]\n';

function issuesOf(text: string): ScenarioIssue[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
  throw new Error('expected the scenario to be refused');
}

/** A billion-laughs document: `levels` anchors, each a list of `width` aliases of the one before. */
function bomb(levels: number, width: number): string {
  const lines = ['l0: &l0 [x]'];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`);
  return `${HEAD}${lines.join('\n')}\n`;
}

describe('YAML aliases', () => {
  it('refuses an alias bomb at the alias that takes the expansion past the limit, before expanding it', () => {
    // 9 levels of 9: 9^9 ≈ 387 million values. Anchor k is a list of nine aliases of anchor k-1, so it
    // stands for size(k) = 1 + 9 × size(k-1) nodes, size(0) = 2 ([x]): 2, 19, 172, 1549. Levels 1–3
    // expand to 9 × (2 + 19 + 172) = 1737 nodes; each alias on level 4 (line 9) adds 1549: the 6th
    // (col 10 + 5 × 5) makes 11 031 > 10 000, the 5th only 9482.
    const started = performance.now();
    const [issue] = issuesOf(bomb(9, 9));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(issue).toMatchObject({ file: 'x.yaml', line: 9, col: 35, path: '' });
    expect(issue!.message).toMatch(/alias \*l3 takes the document's aliases past 10000 expanded values/);
  });

  it('refuses an unresolved alias and a cycle, naming where', () => {
    expect(issuesOf(`${HEAD}x: *nowhere\n`)[0]).toMatchObject({ line: 5, col: 4, message: 'YAML alias: alias *nowhere has no anchor &nowhere before it' });
    expect(issuesOf(`${HEAD}x: &loop [a, *loop]\n`)[0]).toMatchObject({ line: 5, col: 14, message: expect.stringContaining('a cycle') });
  });

  it(`refuses more than ${ALIAS_LIMITS.maxAliases} aliases, and accepts anchors used as people use them`, () => {
    const reuse = (n: number) => `${HEAD}common: &c 1\nmany: [${Array(n).fill('*c').join(', ')}]\n`;
    expect(issuesOf(reuse(ALIAS_LIMITS.maxAliases + 1))[0]!.message).toContain(`more than ${ALIAS_LIMITS.maxAliases} aliases`);
    // the limit itself is accepted as YAML (the unknown keys are then the schema's to refuse)
    expect(issuesOf(reuse(ALIAS_LIMITS.maxAliases)).every((i) => i.message.startsWith('unknown key'))).toBe(true);
    const shared = `name: t\nduration: 5m\nsetup:\n  servers:\n    - { id: a, latency: &lat 20ms }\n    - { id: b, latency: *lat }\n  dns: { record: x.example.com, primary: a, secondary: b }\n`;
    expect(parseScenario(shared, 'x.yaml').scenario.setup.servers.map((s) => s.latencyMs)).toEqual([20, 20]);
  });
});

describe('loadScenarioFile bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faildrill-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`refuses a file above ${MAX_SCENARIO_BYTES} bytes and an endless device without reading it all`, async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `${HEAD}# ${'x'.repeat(MAX_SCENARIO_BYTES)}\n`);
    for (const file of [big, '/dev/zero'])
      await expect(loadScenarioFile(file)).rejects.toThrow(`${file}:0:0: more than ${MAX_SCENARIO_BYTES} bytes`);
  });

  it('says a folder is a folder', async () => {
    await expect(loadScenarioFile(dir)).rejects.toThrow(`${dir}:0:0: cannot read scenario: it is a folder, expected a YAML file`);
  });
});

describe('schema messages', () => {
  it('calls a wrong-typed value wrong-typed, naming what was written; only an absent key is missing', () => {
    const issues = issuesOf('name: t\nseed: abc\nsetup:\n  servers:\n    - { id: a, latency: null }\n    - { id: b, latency: [1] }\nload: { rate: .nan, clients: 1.5 }\n');
    const says = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(says).toEqual({
      seed: "expected an integer from 0 to 2147483647; got the text 'abc'",
      duration: 'missing; expected a duration such as 500ms, 30s, 5m or 1m30s',
      'setup.servers[0].latency': 'expected a duration such as 500ms, 30s, 5m or 1m30s; got null (an empty value)',
      'setup.servers[1].latency': 'expected a duration such as 500ms, 30s, 5m or 1m30s; got a list',
      'load.rate': 'expected a number; got .nan (not a number)',
      'load.clients': 'expected an integer from 1 to 10000; got the number 1.5',
    });
    for (const issue of issues) expect(issue.message).not.toMatch(/received|undefined|NaN/);
  });

  it('checks cross-field rules only once every field parses: a bad duration is one message, not a NaN run length', () => {
    const issues = issuesOf(`name: t\nduration: keepalived-vip\nsetup:\n  servers: [{ id: a }]\nfaults: [{ id: f, at: 1m, action: service-stop, target: a }]\n`);
    expect(issues.map((i) => i.path)).toEqual(['duration']);
  });

  it('lists issues in file order', () => {
    const lines = issuesOf('seed: x\nname: 5\nduration: y\n').map((i) => i.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('refuses percentages written as hex or exponent, saying what was written', () => {
    const issues = issuesOf(`${HEAD}expect: { errorRate: "< 0x10%", rto: "< 30s" }\n`);
    expect(issues).toEqual([expect.objectContaining({ path: 'expect.errorRate', message: `expected a limit such as "< 1%"; got '< 0x10%'` })]);
  });
});
