import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { HOST_DRIVERS, type DriverSettings, type LoadDriverName } from '../../src/load/driver-registry.js';
import { parseLoadLine, type LoadRow, type LoadSummary } from '../../src/load/load-row.js';
import { programFile } from '../../src/targets/host/programs/locate.js';

/**
 * The host load drivers, run as the programs the host target starts (dist/, `npm run build` first),
 * against the app server frozen for 5 s (SIGSTOP, then SIGCONT) — without namespaces: everything on
 * 127.0.0.1, so it collides with no drill. Issue 12 ("Load as users see it"): the open-loop driver
 * keeps sending at the rate through the freeze; the closed-loop one (autocannon) sends fewer.
 *
 * The app server is `startAppServer` of dist/targets/host/programs/app-server.js in a process of its
 * own, bound to 127.0.0.1 (the program's main binds every address, which tests here must not).
 */
const settings: Omit<DriverSettings, 't0Ns'> = {
  url: '',
  ratePerSec: 50,
  clients: 10,
  // autocannon's timeout is whole seconds, at least 1: both drivers get the same
  timeoutMs: 1_000,
  // a probe every 100 ms: with the load, fewer new connections during the freeze than the server's accept backlog (511)
  probeIntervalMs: 100,
  durationMs: 9_000,
  seed: 12,
};
const FREEZE_AT_MS = 2_000;
const FREEZE_MS = 5_000;
/** The driver starts this long before t0, so that its start-up is done when the schedule begins. */
const LEAD_MS = 1_000;
/** The tolerance. */
const TOLERANCE = 0.02;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function spawnTracked(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** The app server in its own process on 127.0.0.1; resolves with its port and process. */
async function startFreezableServer(): Promise<{ port: number; child: ChildProcess }> {
  const appServer = programFile('targets/host/programs/app-server');
  const guard = programFile('targets/host/programs/guard');
  const script = [
    `import { startAppServer } from ${JSON.stringify(appServer)};`,
    `import { boundLifetime, exitWithParent } from ${JSON.stringify(guard)};`,
    'exitWithParent(); boundLifetime(60_000);',
    "const app = await startAppServer({ id: 'web-1', port: 0, host: '127.0.0.1' });",
    'console.log(app.port);',
  ].join('\n');
  const child = spawnTracked(['--input-type=module', '-e', script]);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`app server exited ${code}`)));
  });
  return { port: Number(line), child };
}

interface DriverRun {
  load: LoadRow[];
  probes: LoadRow[];
  summary?: LoadSummary;
  freezeStartMs: number;
  freezeEndMs: number;
}

/** Runs `driver` against a fresh server that freezes from FREEZE_AT_MS for FREEZE_MS of run time. */
async function runAgainstFreeze(driver: LoadDriverName): Promise<DriverRun> {
  const { program, config } = HOST_DRIVERS[driver];
  const file = programFile(program);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  const server = await startFreezableServer();
  const t0Ns = process.hrtime.bigint() + BigInt(LEAD_MS) * 1_000_000n;
  const runMs = () => Number(process.hrtime.bigint() - t0Ns) / 1e6;
  const child = spawnTracked([file, JSON.stringify(config({ ...settings, url: `http://127.0.0.1:${server.port}/`, t0Ns }, 0))]);
  const rows: LoadRow[] = [];
  let summary: LoadSummary | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = parseLoadLine(line);
    if (parsed && 'row' in parsed) rows.push(parsed.row);
    else if (parsed) summary = parsed.summary;
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const at = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms - runMs())));
  await at(FREEZE_AT_MS);
  server.child.kill('SIGSTOP');
  const freezeStartMs = runMs();
  await at(FREEZE_AT_MS + FREEZE_MS);
  server.child.kill('SIGCONT');
  const freezeEndMs = runMs();
  const code = await exited;
  server.child.kill('SIGKILL');
  expect(code, stderr).toBe(0);
  return { load: rows.filter((r) => r[0] !== 'p'), probes: rows.filter((r) => r[0] === 'p'), summary, freezeStartMs, freezeEndMs };
}

const within = (run: DriverRun) => (row: LoadRow) => row[1] >= run.freezeStartMs && row[1] < run.freezeEndMs;

describe('host load drivers against a server frozen for 5 s', () => {
  it(
    'open loop: rate × 5 s requests fall in the freeze (±2 %), each failed or answered only after it, those held past their timeout failed as timeouts, nothing else failed; autocannon sends fewer',
    async () => {
      const open = await runAgainstFreeze('open-loop');
      const closed = await runAgainstFreeze('autocannon');

      // Open loop: the schedule does not wait for answers, so the freeze holds rate × its length of requests.
      const expectedInFreeze = (settings.ratePerSec * FREEZE_MS) / 1000;
      const openInFreeze = open.load.filter(within(open));
      expect(Math.abs(openInFreeze.length - expectedInFreeze)).toBeLessThanOrEqual(expectedInFreeze * TOLERANCE);
      // Each one failed, or was answered only once the server ran again (latency from its scheduled time) …
      for (const [, startMs, latencyMs, ok] of openInFreeze) if (ok === 1) expect(startMs + latencyMs).toBeGreaterThanOrEqual(open.freezeEndMs - 1);
      // … and all those whose timeout ran out while the server was stopped failed, as timeouts.
      const heldPastTimeout = openInFreeze.filter((r) => r[1] < open.freezeEndMs - settings.timeoutMs);
      expect(heldPastTimeout.length).toBeGreaterThan(0);
      expect(heldPastTimeout.every((r) => r[3] === 0 && r[5] === 'timeout')).toBe(true);
      // Nothing outside the freeze failed (a request already in flight when it began may).
      const openFailed = open.load.filter((r) => r[3] === 0);
      expect(openFailed.filter((r) => r[1] < open.freezeStartMs - settings.timeoutMs || r[1] >= open.freezeEndMs)).toEqual([]);
      // The whole run: rate × duration, within one request per client (arrival-schedule.ts).
      expect(Math.abs(open.load.length - (settings.ratePerSec * settings.durationMs) / 1000)).toBeLessThanOrEqual(settings.clients);
      expect(open.summary?.recorded).toBe(open.load.length + open.probes.length);

      // Closed loop: each connection waits for its answer (or autocannon's timeout) before the next request.
      const closedInFreeze = closed.load.filter(within(closed));
      const closedFailed = closed.load.filter((r) => r[3] === 0);
      expect(closedInFreeze.length).toBeLessThan(expectedInFreeze * (1 - TOLERANCE));
      expect(closedInFreeze.length).toBeLessThan(openInFreeze.length);
      console.info(
        `freeze ${FREEZE_MS} ms at ${settings.ratePerSec}/s (${expectedInFreeze} due), timeout ${settings.timeoutMs} ms: ` +
          `open-loop sent ${openInFreeze.length} in the freeze, ${openFailed.length} failed in the run; ` +
          `autocannon sent ${closedInFreeze.length} in the freeze, ${closedFailed.length} failed in the run (shortfall ${expectedInFreeze - closedInFreeze.length})`,
      );
    },
    60_000,
  );
});
