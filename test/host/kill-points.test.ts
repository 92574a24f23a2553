import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { stateRoot } from '../../src/targets/host/journal.js';
import { missingForHost } from '../../src/targets/host/preflight.js';
import { repoRoot, tempDir } from '../helpers/cli.js';

/**
 * Issue 12, "Kill points, always clean": a host drill is killed (SIGKILL) at eleven moments spread over
 * setup, the load lead, the baseline, active faults and teardown; after each, `faildrill cleanup --run
 * <tag>` (this run only: other people's drills run on this machine at the same time) must leave no
 * namespace, iptables rule, process, run folder or journal of it. SIGINT and SIGTERM at the same
 * moments must end the run by itself within 2 s with the same result, without cleanup. The three
 * signals of a moment go to three drills that run side by side; moments are read from the run's
 * journal, which records every step before it is taken.
 *
 * The drill is scenarios/host-keepalived.yaml shortened to 8 s: the primary's app port dropped from
 * 2 s to 4 s, and the backup's app frozen (SIGSTOP) from 5 s to the end of the run, so the end of the
 * run undoes a fault and a kill while it is active leaves a stopped process for cleanup to resume.
 */
const EXIT_WITHIN_MS = 2_000;
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();
/** The same without blocking: three drills are watched at once, and a blocked event loop would delay every exit it measures. */
const shAsync = (cmd: string) => new Promise<string>((resolve) => execFile('sh', ['-c', cmd], (_err, stdout) => resolve(String(stdout).trim())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const scenarioText = readFileSync(join(repoRoot, 'scenarios/host-keepalived.yaml'), 'utf8')
  .replace(/^duration: 50s$/m, 'duration: 8s')
  .replace(/^ {4}at: 10s$/m, '    at: 2s')
  .replace(/^ {4}duration: 20s$/m, '    duration: 2s\n  - { id: backup-frozen, at: 5s, action: process-pause, target: node-b }');

/** What a moment looks at: the run's journal so far, and whether its namespaces are there. */
interface Seen {
  journal: string;
  tag: string;
  namespaces: number;
}

interface Moment {
  name: string;
  /** True once the moment has come. */
  reached(seen: Seen, peak: number): boolean;
  /** Wait this much longer once it has come. */
  afterMs?: number;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const MOMENTS: Moment[] = [
  { name: 'setup: the first namespace journaled', reached: (s) => s.journal.includes('"op":"netns"') },
  { name: 'setup: the app servers starting', reached: (s) => s.journal.includes('"role":"app:') },
  { name: 'setup: the prober starting', reached: (s) => s.journal.includes('"role":"prober"') },
  { name: 'setup: keepalived starting', reached: (s) => s.journal.includes('"role":"keepalived:') },
  { name: 'load lead: the load driver started', reached: (s) => s.journal.includes('"role":"load"') },
  // the run's t0 is 1.5 s after the load starts (LOAD_LEAD_MS); the first fault comes at 2 s
  { name: 'baseline: 1 s into the run', reached: (s) => s.journal.includes('"role":"load"'), afterMs: 2_500 },
  { name: 'fault: the primary port dropped', reached: (s) => count(s.journal, '"op":"fault"') >= 1, afterMs: 300 },
  { name: 'recovery: the drop undone', reached: (s) => count(s.journal, '"op":"fault.undone"') >= 1, afterMs: 300 },
  { name: 'fault: the backup app frozen', reached: (s) => count(s.journal, '"op":"fault"') >= 2, afterMs: 300 },
  { name: 'teardown: the end of the run undid the freeze', reached: (s) => count(s.journal, '"op":"fault.undone"') >= 2 },
  { name: 'teardown: namespaces being deleted', reached: (s, peak) => peak > 0 && s.namespaces < peak },
];
const LAST_MOMENT = MOMENTS.at(-1)!;

/** The journal of the run whose process is `pid`, once it exists. */
function journalOf(pid: number): { dir: string; text: string } | undefined {
  if (!existsSync(stateRoot())) return undefined;
  for (const d of readdirSync(stateRoot())) {
    const file = join(stateRoot(), d, 'journal.jsonl');
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (text.includes(`"pid":${pid},`)) return { dir: join(stateRoot(), d), text };
  }
  return undefined;
}

const namespacesOf = async (tag: string) => (await shAsync('ip netns list')).split('\n').filter((l) => l.startsWith(`fd-${tag}-`)).length;

/**
 * The start time of a live process (field 22 of /proc/<pid>/stat), telling it apart from a later one
 * with the same pid; undefined once it has exited, also while it is a zombie waiting for pid 1 to reap it.
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** Every process of the run now: those in its namespaces, and those its journal names. */
async function processesOf(tag: string, journal: string): Promise<Array<{ pid: number; start: string }>> {
  const pids = new Set<number>();
  const namespaces = (await shAsync('ip netns list')).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`fd-${tag}-`));
  for (const ns of namespaces) for (const pid of (await shAsync(`ip netns pids ${ns} 2>/dev/null`)).split('\n').filter(Boolean)) pids.add(Number(pid));
  for (const m of journal.matchAll(/"op":"process","pid":(\d+)/g)) pids.add(Number(m[1]));
  return [...pids].flatMap((pid) => {
    const start = startTime(pid);
    return start === undefined ? [] : [{ pid, start }];
  });
}

interface Outcome {
  moment: string;
  /** The run's processes when it was signalled. */
  processes: Array<{ pid: number; start: string }>;
  sig: NodeJS.Signals;
  code: number | string | null;
  tookMs: number;
  tag: string;
  dir: string;
  output: string;
  /** The run's --out: its result.json once it finished by itself. */
  outDir: string;
  cleanup?: { code: number | null; output: string };
}

/** Starts a drill, waits for `moment`, sends `sig`; for SIGKILL runs `faildrill cleanup --run <tag>` after it exited. */
async function drillUntil(moment: Moment, sig: NodeJS.Signals): Promise<Outcome> {
  const file = join(tempDir(), 'kill-points.yaml');
  writeFileSync(file, scenarioText);
  const outDir = tempDir();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'run', file, '--target', 'host', '--no-history', '--out', outDir, '--reporter', 'json'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FAILDRILL_HALT: '', FAILDRILL_HALT_FILE: join(tempDir(), 'halt') },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exitedAt = 0;
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => {
      exitedAt = Date.now();
      resolve(code ?? signal);
    }),
  );
  let tag = '';
  let dir = '';
  let peak = 0;
  let reachedAt: number | undefined;
  let journalText = '';
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const journal = journalOf(child.pid!);
    if (journal) {
      dir = journal.dir;
      journalText = journal.text;
      tag = /"tag":"([0-9a-f]+)"/.exec(journal.text)?.[1] ?? tag;
    }
    const namespaces = tag ? await namespacesOf(tag) : 0;
    peak = Math.max(peak, namespaces);
    if (reachedAt === undefined && tag && moment.reached({ journal: journal?.text ?? '', tag, namespaces }, peak)) reachedAt = Date.now();
    if (reachedAt !== undefined && Date.now() - reachedAt >= (moment.afterMs ?? 0)) break;
    await sleep(10);
  }
  if (child.exitCode !== null || child.signalCode !== null || reachedAt === undefined) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${moment.name}: the drill ended or the moment never came (tag ${tag || '?'}):\n${output}`);
  }
  const processes = await processesOf(tag, journalOf(child.pid!)?.text ?? journalText);
  const signalledAt = Date.now();
  child.kill(sig);
  const code = await Promise.race([exited, sleep(30_000).then(() => 'late')]);
  const tookMs = (code === 'late' ? Date.now() : exitedAt) - signalledAt;
  if (code === 'late') child.kill('SIGKILL');
  const outcome: Outcome = { moment: moment.name, processes, sig, code, tookMs, tag, dir, output, outDir };
  if (sig === 'SIGKILL') {
    outcome.cleanup = await new Promise((resolve) =>
      execFile(process.execPath, [join(repoRoot, 'bin/faildrill.js'), 'cleanup', '--target', 'host', '--run', tag], { env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
      ),
    );
  }
  return outcome;
}

/**
 * What is left of a run: its namespaces (their iptables rules live and die with them), any rule of it
 * in this namespace, the processes it had when it was signalled that still run, processes naming its
 * folder, and the folder with its journal.
 */
function leftOf(o: Outcome): Record<string, unknown> {
  return {
    namespaces: sh('ip netns list').split('\n').filter((l) => l.startsWith(`fd-${o.tag}-`)),
    rules: sh(`iptables-save 2>/dev/null | grep -c 'faildrill:${o.tag}' || true`),
    survivors: o.processes.filter((p) => startTime(p.pid) === p.start).map((p) => `${p.pid} ${sh(`tr '\\0' ' ' < /proc/${p.pid}/cmdline`)}`),
    processes: sh(`pgrep -af '${o.dir}|fd-${o.tag}-' | grep -v pgrep || true`),
    folder: existsSync(o.dir),
  };
}

const NOTHING = { namespaces: [], rules: '0', survivors: [], processes: '', folder: false };

beforeAll(() => {
  const missing = missingForHost(parseScenario(scenarioText, 'kill-points.yaml').scenario).map((m) => `${m.name} (${m.install})`);
  if (missing.length > 0) throw new Error(`host tests need: ${missing.join(', ')} — run npm test as root, which installs them`);
});

describe('kill points: a host drill killed or interrupted at any moment leaves nothing', () => {
  it.each(MOMENTS.map((m) => [m.name, m] as const))(
    '%s',
    async (_name, moment) => {
      const outcomes = await Promise.all((['SIGKILL', 'SIGINT', 'SIGTERM'] as const).map((sig) => drillUntil(moment, sig)));
      for (const o of outcomes) {
        const why = `${o.moment}, ${o.sig}, tag ${o.tag}:\n${o.output}${o.cleanup ? `\ncleanup:\n${o.cleanup.output}` : ''}`;
        if (o.sig === 'SIGKILL') {
          expect(o.code, why).toBe('SIGKILL');
          expect(o.cleanup?.code, why).toBe(0);
        } else if (o.code === o.sig || moment !== LAST_MOMENT) {
          // the CLI ends itself by the signal it got, as a shell expects (exit status 128 + signal number)
          expect(o.code, why).toBe(o.sig);
          expect(o.tookMs, why).toBeLessThan(EXIT_WITHIN_MS);
        } else {
          // the last namespaces go a few milliseconds before the run ends: a signal sent as the test sees
          // them go may arrive once the run has finished by itself, with its verdict and its reports
          expect([0, 1], why).toContain(o.code);
          expect(existsSync(join(o.outDir, 'result.json')), why).toBe(true);
          expect(o.output, why).not.toMatch(/interrupted|undoing faults/);
          expect(o.tookMs, why).toBeLessThan(EXIT_WITHIN_MS);
        }
        expect(JSON.stringify(leftOf(o)), why).toBe(JSON.stringify(NOTHING));
      }
      console.log(`${moment.name}: ${outcomes.map((o) => `${o.sig} ${o.sig === 'SIGKILL' ? 'then cleanup' : `exited in ${o.tookMs} ms`}`).join(', ')}`);
    },
    180_000,
  );
});
