import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { stateRoot } from '../../src/targets/host/journal.js';
import { missingForHost } from '../../src/targets/host/preflight.js';
import { LOAD_LEAD_MS } from '../../src/targets/host/session.js';
import { repoRoot, tempDir } from '../helpers/cli.js';

/**
 * Issue 8 §4: SIGINT or SIGTERM at any moment of a host run ends it within 2 s, every fault undone
 * and nothing left: no namespace of the run, no faildrill iptables rule, no helper process. The run is
 * signalled at moments read from its journal, which records each step before it is taken.
 */

/** The bound of issue 8 §4. */
const EXIT_WITHIN_MS = 2_000;
const TEST_TIMEOUT_MS = 90_000;
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();

const scenarioText = (subnet: string) =>
  `${readFileSync(join(repoRoot, 'scenarios/host-keepalived.yaml'), 'utf8')}\nhost: { subnet: ${subnet} }\n`;

interface Journal {
  dir: string;
  text: string;
}

/** The journal of the run whose scenario uses `subnet`, once it exists. */
function journalOf(subnet: string): Journal | undefined {
  if (!existsSync(stateRoot())) return undefined;
  for (const d of readdirSync(stateRoot())) {
    const file = join(stateRoot(), d, 'journal.jsonl');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (text.includes(`"subnet":"${subnet}"`)) return { dir: join(stateRoot(), d), text };
  }
  return undefined;
}

/**
 * Starts a host drill of host-keepalived.yaml on `subnet`, waits until `moment` holds of its journal,
 * sends `sig`, and measures how long the process takes to exit after it.
 */
async function interruptAt(subnet: string, moment: (journal: string) => boolean, sig: NodeJS.Signals, afterMs = 0) {
  const file = join(tempDir(), `interrupt-${subnet.split('.')[2]}.yaml`);
  writeFileSync(file, scenarioText(subnet));
  const out = tempDir();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'run', file, '--target', 'host', '--no-history', '--out', out], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // the CLI ends itself by the signal it got, as a shell expects: report that as the shell's 128 + signal number
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : null))),
  );
  let journal: Journal | undefined;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    journal = journalOf(subnet);
    if (journal && moment(journal.text)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(child.exitCode, `the drill ended before the moment came:\n${output}`).toBeNull();
  expect(journal, 'the run journal').toBeDefined();
  if (afterMs > 0) await new Promise((r) => setTimeout(r, afterMs));
  const tag = /"tag":"([0-9a-f]+)"/.exec(journal!.text)![1]!;
  const signalledAt = Date.now();
  child.kill(sig);
  const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 30_000))]);
  const tookMs = Date.now() - signalledAt;
  if (code === 'late') child.kill('SIGKILL');
  return { code, tookMs, output, tag, dir: journal!.dir };
}

/** Nothing of run `tag` is left: namespaces, iptables rules, helper processes, its folder. */
function assertNothingLeft(tag: string, dir: string): void {
  expect(sh('ip netns list').split('\n').filter((l) => l.startsWith(`fd-${tag}-`)), 'namespaces of the run').toEqual([]);
  expect(sh(`iptables-save 2>/dev/null | grep -c 'faildrill:${tag}' || true`), 'iptables rules of the run').toBe('0');
  expect(sh(`pgrep -af '${dir}' | grep -v pgrep || true`), 'helper processes of the run').toBe('');
  expect(sh(`pgrep -af 'fd-${tag}-' | grep -v pgrep || true`), 'processes in the run namespaces').toBe('');
  expect(existsSync(dir), `run folder ${dir}`).toBe(false);
}

beforeAll(() => {
  const loaded = parseScenario(scenarioText('198.19.201.0/24'), 'host-keepalived.yaml');
  const missing = missingForHost(loaded.scenario).map((m) => `${m.name} (${m.install})`);
  if (missing.length > 0) throw new Error(`host tests need: ${missing.join(', ')} — run npm test as root, which installs them`);
});

describe('interrupting a host run', () => {
  it(
    'SIGINT during setup (the apps are starting) ends it within 2 s and removes what setup made',
    async () => {
      const r = await interruptAt('198.19.201.0/24', (j) => j.includes('"role":"app:'), 'SIGINT');
      expect(r.tookMs, r.output).toBeLessThan(EXIT_WITHIN_MS);
      expect(r.code, r.output).toBe(130);
      assertNothingLeft(r.tag, r.dir);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `SIGTERM during the ${LOAD_LEAD_MS} ms load lead ends it within 2 s, not at the scenario's end`,
    async () => {
      // The load driver is journaled when it starts, LOAD_LEAD_MS before the run's t0.
      const r = await interruptAt('198.19.202.0/24', (j) => j.includes('"role":"load"'), 'SIGTERM');
      expect(r.tookMs, r.output).toBeLessThan(EXIT_WITHIN_MS);
      expect(r.code, r.output).toBe(143);
      assertNothingLeft(r.tag, r.dir);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGINT in the middle of a fault undoes it and ends the run within 2 s',
    async () => {
      // The fault is journaled before its rule goes in; half a second later the port is dropped.
      const r = await interruptAt('198.19.203.0/24', (j) => j.includes('"op":"fault"'), 'SIGINT', 500);
      expect(r.tookMs, r.output).toBeLessThan(EXIT_WITHIN_MS);
      expect(r.code, r.output).toBe(130);
      expect(r.output).toMatch(/fault \S+: network-drop on /);
      expect(r.output).toMatch(/fault \S+ removed from .* \(end of run\)/);
      expect(r.output).toMatch(/every-fault-removed pass/);
      expect(r.output).toMatch(/nothing-left-behind pass/);
      assertNothingLeft(r.tag, r.dir);
    },
    TEST_TIMEOUT_MS,
  );
});
