import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultRules, iptablesArgs } from '../../src/faults/host/inject.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { commandLine } from '../../src/targets/host/commands.js';
import { stateRoot } from '../../src/targets/host/journal.js';
import { repoRoot, tempDir } from '../helpers/cli.js';

/**
 * Issue 12, `--dry-run` on the host target: the plan names the exact iptables command lines the host
 * fault code would run to apply and undo each fault (built here from the same `faultRules` and
 * `iptablesArgs`), and the run changes nothing: no namespace, run folder, process, output or history.
 */
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();

describe('run --dry-run on the host target', () => {
  it('prints the iptables lines that apply and undo the fault, and creates nothing', async () => {
    const file = join(repoRoot, 'scenarios/host-keepalived.yaml');
    const out = join(tempDir(), 'out');
    const history = join(tempDir(), 'history.jsonl');
    // no system command on the PATH: a dry run that needed one (ip, iptables, keepalived) would fail
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'run', file, '--target', 'host', '--dry-run', '--out', out, '--history', history], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PATH: '/nonexistent' },
    });
    expect(r.status, r.stderr).toBe(0);
    const tag = /fd-([0-9a-f]{6})-br/.exec(r.stdout)?.[1];
    expect(tag, r.stdout).toBeDefined();

    const { scenario } = await loadScenarioFile(file);
    const fault = scenario.faults[0]!;
    const index = scenario.setup.servers.findIndex((s) => s.id === fault.target);
    const ipOf = (id: string) => new RegExp(`fd-${tag}-s\\d+ +(198\\.\\d+\\.\\d+\\.\\d+) +${id}\\b`).exec(r.stdout)![1]!;
    const [rule] = faultRules(fault, { tag: tag!, nsOf: () => `fd-${tag}-s${index}`, ipOf });
    expect(r.stdout).toContain(`apply: ${commandLine('ip', iptablesArgs(rule!, '-I'))}`);
    expect(r.stdout).toContain(`undo:  ${commandLine('ip', iptablesArgs(rule!, '-D'))}`);
    // the seed's rule, as seed 001 writes it, inside the primary's namespace
    expect(r.stdout).toContain(`ip netns exec fd-${tag}-s${index} iptables -w 5 -I INPUT 1 -p tcp --dport 80 -m comment --comment faildrill:${tag}:${fault.id} -j DROP`);

    expect(sh('ip netns list').split('\n').filter((l) => l.startsWith(`fd-${tag}-`)), 'namespaces').toEqual([]);
    expect(existsSync(stateRoot()) ? readdirSync(stateRoot()).filter((d) => d.endsWith(`-${tag}`)) : [], 'run folders').toEqual([]);
    expect(sh(`pgrep -af 'fd-${tag}-' | grep -v pgrep || true`), 'processes').toBe('');
    expect(existsSync(out), '--out').toBe(false);
    expect(existsSync(history), '--history').toBe(false);
  });
});
