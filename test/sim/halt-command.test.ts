import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StopExitCode } from '../../src/commands/exit-codes.js';
import { repoRoot, tempDir } from '../helpers/cli.js';

/**
 * `faildrill halt` (issue 12, kill switch): sets and lifts the machine-wide halt file, and `run` on a
 * target that changes the world refuses to start while it is on. Every call here points
 * FAILDRILL_HALT_FILE at a temporary file: the machine's own switch would halt other people's drills.
 */
function withHaltFile() {
  const file = join(tempDir(), 'halt');
  const cli = (args: string[], extra: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/faildrill.js'), ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', FAILDRILL_HALT: '', FAILDRILL_HALT_FILE: file, ...extra },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { file, cli };
}

describe('faildrill halt', () => {
  it('writes the halt file with the reason, says so in --status, and --release removes it', () => {
    const { file, cli } = withHaltFile();
    expect(cli(['halt', '--status']).stdout).toMatch(/^not halted/);
    const set = cli(['halt', '--reason', 'incident 4711: payments degraded']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ reason: 'incident 4711: payments degraded' });
    expect(set.stdout).toContain(`halted: ${file} (reason: incident 4711: payments degraded`);
    expect(cli(['halt', '--status']).stdout).toContain('reason: incident 4711: payments degraded');
    const released = cli(['halt', '--release']);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain(`released: ${file} removed`);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to start a host run while halted (exit 6), before setting anything up, naming the reason', () => {
    const { cli } = withHaltFile();
    cli(['halt', '--reason', 'change freeze']);
    const out = join(tempDir(), 'out');
    const r = cli(['run', join(repoRoot, 'scenarios/host-keepalived.yaml'), '--target', 'host', '--no-history', '--out', out]);
    expect(r.code, r.stdout + r.stderr).toBe(StopExitCode.refusedWhileHalted);
    expect(r.stderr).toContain('the kill switch is on');
    expect(r.stderr).toContain('reason: change freeze');
    expect(r.stdout).not.toContain('seed=');
    expect(existsSync(out)).toBe(false);
  });

  it('honours FAILDRILL_HALT=1 from the environment, and --release says it cannot lift that', () => {
    const { cli } = withHaltFile();
    const r = cli(['run', join(repoRoot, 'scenarios/host-keepalived.yaml'), '--target', 'host', '--no-history'], { FAILDRILL_HALT: '1' });
    expect(r.code).toBe(StopExitCode.refusedWhileHalted);
    expect(r.stderr).toContain('FAILDRILL_HALT=1 in the environment');
    expect(cli(['halt', '--release'], { FAILDRILL_HALT: '1' }).stdout).toContain('unset FAILDRILL_HALT');
  });

  it('leaves the simulator alone: it changes nothing outside memory, so a halt does not stop it', () => {
    const { cli } = withHaltFile();
    cli(['halt']);
    const r = cli(['run', join(repoRoot, 'scenarios/keepalived-vip.yaml'), '--no-history', '--reporter', 'json', '--out', tempDir()]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('exits 3 naming the file when the halt file cannot be written, with no stack trace', () => {
    const { cli } = withHaltFile();
    const r = cli(['halt'], { FAILDRILL_HALT_FILE: '/proc/faildrill-halt/halt' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('/proc/faildrill-halt');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
