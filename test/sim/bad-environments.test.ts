import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_NAME_LENGTH } from '../../src/scenario/schema.js';
import { faildrill, repoRoot, tempDir, tempFile } from '../helpers/cli.js';

// each case starts the binary (~0.5 s) and some run a 12-minute drill on the simulator
vi.setConfig({ testTimeout: 60_000 });

const bin = join(repoRoot, 'bin/faildrill.js');
const dnsFailover = join(repoRoot, 'scenarios/dns-failover.yaml');
/** dns-failover with an RTO limit its run misses (seed 7: RTO over a minute): exit 1. */
const strict = () => tempFile('strict.yaml', readFileSync(dnsFailover, 'utf8').replace('rto: "< 120s"', 'rto: "< 10s"'));
const STACK = /\n\s+at .*:\d+:\d+/;
const isRoot = process.getuid?.() === 0;

/** Runs the binary with its own stdio (a file descriptor such as /dev/full's, or a pipe). */
function withStdio(args: string[], stdout: 'pipe' | number, stderr: 'pipe' | number) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', stdout, stderr], env: { ...process.env, NO_COLOR: '1' } });
}

/**
 * Runs the binary in a private mount namespace with `dir` a fresh tmpfs (`ro` or `size=…`), so a
 * read-only or full disk exists only for this process and vanishes with it.
 */
function onTmpfs(dir: string, options: string, prepare: string, args: string[]) {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const script = `mount --make-rprivate / && mount -t tmpfs -o ${options} tmpfs '${dir}' && ${prepare} exec '${process.execPath}' '${bin}' ${quoted}`;
  return spawnSync('unshare', ['-m', 'sh', '-c', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
}

describe('--reporter takes registered names only', () => {
  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', ','])('refuses %j with exit 2 and the list of reporters', (name) => {
    const r = faildrill(['run', dnsFailover, '--reporter', name, '--no-history', '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected one of console, json, html, junit/);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('output paths are checked before the drill starts', () => {
  const refused = (args: string[], code: number, says: RegExp) => {
    const started = performance.now();
    const r = faildrill(['run', dnsFailover, '--reporter', 'json', ...args]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout).toBe('');
    // at once: a run of dns-failover takes about as long as the binary's start; a spin never returns
    expect(performance.now() - started).toBeLessThan(10_000);
  };

  it('--out naming a file, empty, under /proc or /sys, or with a name too long: exit 2', () => {
    const file = tempFile('a-file', 'x');
    refused(['--out', file, '--no-history'], 2, /--out .*a-file: is a file; expected a folder/);
    refused(['--out', join(file, 'below'), '--no-history'], 2, /a part of the path is a file, not a folder/);
    refused(['--out', '', '--no-history'], 2, /--out : an empty path/);
    refused(['--out', '/proc/x', '--no-history'], 2, /--out \/proc\/x: under \/proc, a kernel file system/);
    refused(['--out', '/sys/kernel/x', '--no-history'], 2, /under \/sys/);
    // Linux NAME_MAX: 255 bytes
    refused(['--out', join(tempDir(), 'n'.repeat(256)), '--no-history'], 2, /is 256 bytes; a file system allows 255/);
  });

  it('--history naming a folder, a device or a path through a file: exit 2', () => {
    refused(['--out', tempDir(), '--history', tempDir()], 2, /--history .*: is a folder; expected a history file/);
    refused(['--out', tempDir(), '--history', '/dev/full'], 2, /--history \/dev\/full: is not a regular file/);
    refused(['--out', tempDir(), '--history', join(tempFile('f', ''), 'h.jsonl')], 2, /--history .*: a part of the path is a file/);
  });

  it(`a name longer than ${MAX_NAME_LENGTH} characters (the default output folder) is refused at validation`, () => {
    const long = 'x'.repeat(MAX_NAME_LENGTH + 1);
    const file = tempFile('long.yaml', readFileSync(dnsFailover, 'utf8').replace('name: dns-failover', `name: ${long}`));
    const r = faildrill(['run', file, '--no-history']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${file}:\\d+:7: name: expected at most ${MAX_NAME_LENGTH} characters`, 'm'));
  });

  it.runIf(isRoot)('a read-only file system for --out or --history: exit 3 at once, nothing left behind', () => {
    const dir = tempDir();
    const out = onTmpfs(dir, 'ro,size=64k', '', ['run', dnsFailover, '--out', join(dir, 'x', 'y'), '--no-history']);
    expect(out.status, out.stderr).toBe(3);
    expect(out.stderr).toMatch(/--out .*\/x\/y: read-only file system \(EROFS\)/);
    const history = onTmpfs(dir, 'ro,size=64k', '', ['run', dnsFailover, '--out', tempDir(), '--history', join(dir, 'h.jsonl')]);
    expect(history.status, history.stderr).toBe(3);
    expect(history.stderr).toMatch(/--history .*h\.jsonl: read-only file system/);
  });

  it.runIf(isRoot)('a disk too full for the reports: exit 3 naming the folder and what the drill found, no stack trace', () => {
    // 64 KiB holds the write check, not result.json and report.html (each over 64 KiB for dns-failover)
    const dir = tempDir();
    const r = onTmpfs(dir, 'size=64k', '', ['run', strict(), '--out', join(dir, 'out'), '--no-history', '--reporter', 'json,html']);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/the reports in .*\/out: no space left on device \(ENOSPC\): cannot write there; the drill itself missed an expectation/);
    expect(r.stderr).not.toMatch(STACK);
    const full = onTmpfs(dir, 'size=16k', `head -c 16384 /dev/zero > '${dir}/fill' 2>/dev/null;`, ['run', dnsFailover, '--out', join(dir, 'out')]);
    expect(full.status, full.stderr).toBe(3);
    expect(full.stderr).toMatch(/--out .*: no space left on device \(ENOSPC\)/);
  });
});

describe('stdout and stderr that fail never change the exit code', () => {
  it('a failing drill piped into `head -1` finishes, writes its results and exits 1', async () => {
    const out = tempDir();
    const child = spawn(process.execPath, [bin, 'run', strict(), '--no-history', '--out', out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // the reader takes one chunk and goes away, as head does
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).verdict).toBe('fail');
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('stdout or stderr on a full disk (/dev/full): no stack trace, the verdict or usage code stays', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const out = tempDir();
      const stdoutFull = withStdio(['run', strict(), '--no-history', '--out', out], full, 'pipe');
      expect(stdoutFull.status).toBe(1);
      expect(stdoutFull.stderr).toBe('');
      expect(existsSync(join(out, 'result.json'))).toBe(true);
      const stderrFull = withStdio(['run', strict(), '--no-history', '--out', tempDir()], 'pipe', full);
      expect(stderrFull.status).toBe(1);
      expect(stderrFull.stdout).toMatch(/FAIL +dns-failover seed=7/);
      expect(withStdio(['validate', '/nonexistent.yaml'], 'pipe', full).status).toBe(2);
      expect(withStdio(['run', dnsFailover, '--reporter', 'toString'], full, full).status).toBe(2);
      expect(withStdio(['run', dnsFailover, '--no-history', '--out', tempDir()], full, full).status).toBe(0);
    } finally {
      closeSync(full);
    }
  });
});

describe('history and report on bad files', () => {
  it('skips a history line with "metrics": null with a warning naming file and line; run and history still exit 0', () => {
    const dir = tempDir();
    const history = join(dir, 'history.jsonl');
    const first = faildrill(['run', dnsFailover, '--reporter', 'json', '--out', join(dir, 'r1'), '--history', history]);
    expect(first.code).toBe(0);
    const good = readFileSync(history, 'utf8').trim();
    writeFileSync(history, `${good}\n${JSON.stringify({ ...JSON.parse(good), metrics: null })}\n{"torn":\n`);
    const run = faildrill(['run', dnsFailover, '--out', join(dir, 'r2'), '--history', history]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`faildrill: warning: ${history}:2: skipped: metrics is null, expected an object`);
    expect(run.stderr).toContain(`faildrill: warning: ${history}:3: skipped: not JSON`);
    expect(existsSync(join(dir, 'r2', 'report.html'))).toBe(true);
    expect(readFileSync(history, 'utf8').trim().split('\n')).toHaveLength(4);
    const trend = faildrill(['history', 'dns-failover', '--history', history]);
    expect(trend.code, trend.stderr).toBe(0);
    expect(trend.stdout).toMatch(/last 2 of 2 runs/);
    expect(trend.stderr).toContain(`${history}:2: skipped: metrics is null`);
  });

  it('refuses a thin or foreign result.json with exit 2 naming the missing fields', () => {
    const full = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/result-full-stack.json'), 'utf8'));
    const cases: Array<[unknown, RegExp]> = [
      [{}, /schemaVersion: missing\n {2}faildrill: missing/],
      [JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')), /schemaVersion: missing/],
      [{ ...full, metrics: { ...full.metrics, perFault: undefined } }, /^ {2}metrics\.perFault: missing$/m],
      [{ ...full, invariants: null }, /^ {2}invariants: expected array, got null$/m],
      [{ ...full, events: [null] }, /^ {2}events\[0\]: expected object, got null$/m],
      [{ ...full, timeline: { ...full.timeline, p99Ms: [] } }, /timeline: ok, err, p50Ms and p99Ms have different lengths/],
      [[1, 2], /expected object, got a list/],
    ];
    for (const [content, says] of cases) {
      const file = tempFile('result.json', JSON.stringify(content));
      const r = faildrill(['report', file, '--no-history']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${file} is not a faildrill result.json`);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(STACK);
    }
  });
});

describe('validate reports every file', () => {
  it('a bomb, a valid file and an unresolved alias: each reported, exit 2', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const bomb = tempFile('bomb.yaml', `name: bomb\nduration: 1m\n${levels.join('\n')}\nsetup: { servers: [{ id: a }] }\n`);
    const unresolved = tempFile('unresolved.yaml', 'name: u\nduration: 1m\nsetup:\n  servers: [*nope]\n');
    const dir = tempDir();
    mkdirSync(join(dir, 'folder.yaml'));
    const r = faildrill(['validate', bomb, dnsFailover, unresolved, join(dir, 'folder.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${bomb}:\\d+:\\d+: YAML alias: alias \\*a\\d takes the document's aliases past 10000`, 'm'));
    expect(r.stderr).toContain(`${unresolved}:4:13: YAML alias: alias *nope has no anchor &nope before it`);
    expect(r.stderr).toContain(`${join(dir, 'folder.yaml')}:0:0: cannot read scenario: it is a folder`);
    expect(r.stdout).toContain(`${dnsFailover}: ok (dns-failover, 1 faults)`);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
