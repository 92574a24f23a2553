import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faildrill, repoRoot, tempDir } from '../helpers/cli.js';

const scenario = join(repoRoot, 'scenarios/dns-failover.yaml');
const historyLines = (cwd: string) => readFileSync(join(cwd, 'reports/history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('reports from the CLI', () => {
  it('writes report.html and junit.xml beside result.json, appends history, and draws the trend from the second run on', () => {
    const cwd = tempDir();
    const first = faildrill(['run', scenario, '--seed', '3', '--out', 'first'], cwd);
    expect(first.code).toBe(0);
    for (const name of ['result.json', 'report.html', 'junit.xml']) expect(existsSync(join(cwd, 'first', name))).toBe(true);
    const result = readFileSync(join(cwd, 'first/result.json'), 'utf8');
    expect(result).not.toMatch(/wallMs|startedAt|"time"/);
    expect(readFileSync(join(cwd, 'first/report.html'), 'utf8')).toContain('No earlier runs of this scenario');

    expect(faildrill(['run', scenario, '--seed', '4', '--out', 'second'], cwd).code).toBe(0);
    const lines = historyLines(cwd);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ scenario: 'dns-failover', target: 'sim', seed: 3, verdict: 'pass', outDir: 'first' });
    expect(lines[0].hash).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(lines[0].time)).not.toBeNaN();
    const commit = spawnSync('git', ['log', '-1', '--format=%H', '--', 'scenarios/dns-failover.yaml'], { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim();
    expect(lines[0].scenarioCommit).toBe(/^[0-9a-f]{40}$/.test(commit ?? '') ? commit : undefined);
    expect(Object.keys(lines[0].metrics).sort()).toEqual(['detectionMs', 'downtimeMs', 'errorCount', 'failbackMs', 'requestCount', 'rtoMs', 'switchMs']);
    const second = readFileSync(join(cwd, 'second/report.html'), 'utf8');
    expect(second).toContain('data-chart="trend"');
    expect(second).toMatch(/No regression|Regression:/);
  });

  it('honours --history FILE and --no-history', () => {
    const cwd = tempDir();
    expect(faildrill(['run', scenario, '--reporter', 'json', '--out', 'a', '--history', 'elsewhere/h.jsonl'], cwd).code).toBe(0);
    expect(readFileSync(join(cwd, 'elsewhere/h.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(faildrill(['run', scenario, '--reporter', 'json', '--out', 'b', '--no-history'], cwd).code).toBe(0);
    expect(existsSync(join(cwd, 'reports'))).toBe(false);
  });

  it('re-renders a saved result with `faildrill report`, recovering wall-clock facts from the history', () => {
    const cwd = tempDir();
    expect(faildrill(['run', scenario, '--reporter', 'json', '--out', 'run'], cwd).code).toBe(0);
    const r = faildrill(['report', 'run/result.json', '--out', 'again'], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join('again', 'report.html'));
    const html = readFileSync(join(cwd, 'again/report.html'), 'utf8');
    const time = historyLines(cwd)[0].time.slice(0, 19).replace('T', ' ');
    expect(html).toContain(time);
    expect(html).toContain('No earlier runs of this scenario');
    expect(readFileSync(join(cwd, 'again/junit.xml'), 'utf8')).toContain('<testsuite name="dns-failover"');

    rmSync(join(cwd, 'run/report.html'), { force: true });
    expect(faildrill(['report', 'run/result.json', '--no-history'], cwd).code).toBe(0);
    expect(readFileSync(join(cwd, 'run/report.html'), 'utf8')).toContain('not recorded');

    const bad = faildrill(['report', 'run/nothing.json'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot read run/nothing.json: no such file');
  });

  it('prints the trend with `faildrill history`, by scenario name or file', () => {
    const cwd = tempDir();
    for (const seed of ['1', '2', '3']) expect(faildrill(['run', scenario, '--reporter', 'json', '--seed', seed, '--out', `r${seed}`], cwd).code).toBe(0);
    const byName = faildrill(['history', 'dns-failover', '--last', '2'], cwd);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toContain('dns-failover on sim: last 2 of 3 runs');
    expect(byName.stdout).toMatch(/time\s+seed\s+verdict\s+detection\s+switch\s+RTO\s+failback/);
    const rows = byName.stdout.split('\n').filter((l) => /UTC\s+\d+\s+pass/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[3])).toEqual(['2', '3']);
    expect(byName.stdout).toMatch(/^rto\s+\S{2}$/m);
    expect(byName.stdout).toMatch(/latest run: (no regression|regression in)/);
    const byFile = faildrill(['history', scenario], cwd);
    expect(byFile.stdout).toContain('last 3 of 3 runs');
    expect(faildrill(['history', 'nope'], cwd).stdout).toContain('no runs of nope on target sim');
    expect(readdirSync(cwd).sort()).toEqual(['r1', 'r2', 'r3', 'reports']);
  });
});
