import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultCatalogue } from '../../src/faults/catalogue.js';
import { faildrill, repoRoot, tempDir, tempFile } from '../helpers/cli.js';

const strict = readFileSync(join(repoRoot, 'scenarios/dns-failover.yaml'), 'utf8').replace('rto: "< 120s"', 'rto: "< 10s"');

describe('faildrill CLI', () => {
  it('exits 1 and prints the reproduce command when an expectation is missed', () => {
    const out = tempDir();
    const file = tempFile('strict.yaml', strict);
    const r = faildrill(['run', file, '--out', out, '--seed', '5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ rto 1m \d\ds >= limit 10\.0s/);
    expect(r.stdout).toContain(`reproduce: faildrill run ${file} --seed 5 --target sim`);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.verdict).toBe('fail');
    expect(result.expectations.find((e: { name: string }) => e.name === 'rto').pass).toBe(false);
  });

  it('writes into reports/<scenario>/<run-id>/ by default', () => {
    const cwd = tempDir();
    const r = faildrill(['run', join(repoRoot, 'scenarios/lb-failover.yaml'), '--reporter', 'json', '--seed', '9'], cwd);
    expect(r.code).toBe(0);
    const runs = readdirSync(join(cwd, 'reports/lb-failover'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^\d{8}T\d{6}Z-s9$/);
    expect(existsSync(join(cwd, 'reports/lb-failover', runs[0]!, 'result.json'))).toBe(true);
  });

  it('documents the exit codes in --help, and --version prints the package version', () => {
    const help = faildrill(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*0 +the run passed[\s\S]*1 +an expectation was missed[\s\S]*2 +invalid[\s\S]*3 +the environment/);
    const runHelp = faildrill(['run', '--help']);
    expect(runHelp.stdout).toContain('--seed <n>');
    expect(runHelp.stdout).toContain('Exit codes:');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(faildrill(['--version']).stdout.trim()).toBe(pkg.version);
  });

  it('rejects bad usage with exit 2 and no stack trace', () => {
    for (const args of [['run'], ['run', 'scenarios/dns-failover.yaml', '--seed', 'abc'], ['run', 'scenarios/dns-failover.yaml', '--reporter', 'nope'], ['bogus']]) {
      const r = faildrill(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
    const unknown = faildrill(['run', 'scenarios/dns-failover.yaml', '--target', 'gcp']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown target 'gcp'; available: sim, host, aws");
    // a target's own option on another target's run
    const stray = faildrill(['run', 'scenarios/dns-failover.yaml', '--aws', 'moto', '--no-history']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--aws is an option of the aws target');
    const host = faildrill(['run', 'scenarios/dns-failover.yaml', '--target', 'host', '--no-history']);
    expect(host.code).toBe(2);
    // the host target's capabilities mark DNS as planned: the message names the file, line, field and target
    expect(host.stderr).toMatch(/^scenarios\/dns-failover\.yaml:\d+:\d+: setup\.dns: .* not available on the host target yet/m);
    expect(host.stderr).not.toMatch(/\n\s+at /);
  });

  it('lists the shipped scenarios with their descriptions', () => {
    const r = faildrill(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scenarios\/dns-failover\.yaml +Route 53 failover record/);
    expect(r.stdout).toMatch(/scenarios\/planned-maintenance\.yaml +Planned failover/);
  });

  it('prints live progress: phases, virtual time, success rate and events as they happen', () => {
    const r = faildrill(['run', 'scenarios/dns-failover.yaml', '--reporter', 'console', '--out', tempDir()]);
    const lines = r.stdout.split('\n');
    const fault = lines.findIndex((l) => l.includes('fault primary-down: service-stop on web-primary'));
    const route = lines.findIndex((l) => l.includes('route: dns app.example.com web-primary → web-secondary'));
    expect(fault).toBeGreaterThan(0);
    expect(route).toBeGreaterThan(fault);
    expect(lines.some((l) => /\/ 12m 00s +baseline +success 100\.0%/.test(l))).toBe(true);
    expect(lines.some((l) => /\/ 12m 00s +fault primary-down +success +\d+\.\d%/.test(l))).toBe(true);
  });
});

describe('faildrill faults', () => {
  it('lists every fault of the catalogue with the targets that can apply it today', () => {
    const r = faildrill(['faults']);
    expect(r.code).toBe(0);
    // columns: sim, host, aws
    expect(r.stdout).toMatch(/^network-drop +yes +yes +- /m);
    expect(r.stdout).toMatch(/^aws:ec2:stop-instances +yes +- +yes /m);
    const json = JSON.parse(faildrill(['faults', '--json']).stdout) as Array<{ action: string; targets: Record<string, { support: string; how: string }> }>;
    expect(json.map((k) => k.action)).toEqual(faultCatalogue.map((k) => k.action));
    // the simulator applies every fault of the catalogue; the host none of the FIS actions
    expect(json.every((k) => k.targets.sim!.support === 'yes' && k.targets.sim!.how.length > 0)).toBe(true);
    expect(json.filter((k) => k.action.startsWith('aws:')).map((k) => k.targets.host!.support)).toEqual(['no', 'no', 'no', 'no', 'no']);
  });
});
