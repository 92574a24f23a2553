import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { describeSimFault } from '../../src/simulator/faults.js';
import { parseScenario } from '../../src/scenario/load.js';
import { StopExitCode } from '../../src/commands/exit-codes.js';
import { STOP_CHECK_MS } from '../../src/run/abort/stop-watch.js';
import { faildrill, tempDir, tempFile } from '../helpers/cli.js';

/**
 * Stop conditions on the simulator (issue 12, "Safety levers"): a fault makes every request fail, and
 * `abort: { errorRate: "> 50%", window: 5s }` stops the run at a time that follows from the scenario.
 * One client population of 100 requests/s, 5 clients (each every 50 ms, so every window of whole
 * checks holds a whole number of requests per client); the app server is stopped at 10 s for good.
 */
const FAULT_AT_MS = 10_000;
const WINDOW_MS = 5_000;
const LIMIT = 0.5;
const scenarioText = (abort: string) => `name: abort-error-rate
description: the only app server stops for good; a stop condition ends the run
seed: 3
duration: 60s
setup:
  servers:
    - { id: web, latency: 20ms }
load: { rate: 100, clients: 5 }
faults:
  - { id: web-down, at: ${FAULT_AT_MS / 1000}s, action: service-stop, target: web }
abort: ${abort}
`;
const ERROR_RATE = `{ errorRate: "> ${LIMIT * 100}%", window: ${WINDOW_MS / 1000}s }`;

/**
 * From 10 s every request fails: over the last 5 s the failed share is (t − 10 s) / 5 s, above 50 %
 * once t > 10 s + 0.5 × 5 s; the runner judges at every STOP_CHECK_MS, so it trips at the first check after.
 */
const TRIP_MS = (Math.floor((FAULT_AT_MS + LIMIT * WINDOW_MS) / STOP_CHECK_MS) + 1) * STOP_CHECK_MS;

interface Result {
  verdict: string;
  durationMs: number;
  stop: { verdict: string; condition: string; limit: string; atMs: number; endedAtMs: number; message: string };
  events: Array<{ atMs: number; component: string; type: string; detail: Record<string, unknown> }>;
}

describe('stop conditions on the simulator', () => {
  it('trips errorRate at the time the scenario implies, undoes the fault there, writes every report with the verdict aborted and exits 4', () => {
    const file = tempFile('abort.yaml', scenarioText(ERROR_RATE));
    const out = tempDir();
    const r = faildrill(['run', file, '--no-history', '--out', out, '--reporter', 'console,json,junit,html']);
    expect(r.code, r.stdout + r.stderr).toBe(StopExitCode.aborted);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;
    expect(result.verdict).toBe('aborted');
    expect(result.stop).toMatchObject({ verdict: 'aborted', condition: 'errorRate', limit: `> 50% over 5s`, atMs: TRIP_MS, endedAtMs: TRIP_MS });
    // the run is measured up to where it ended
    expect(result.durationMs).toBe(TRIP_MS);
    const at = (component: string, type: string) => result.events.filter((e) => e.component === component && e.type === type).map((e) => e.atMs);
    expect(at('run', 'aborted')).toEqual([TRIP_MS]);
    expect(at('fault', 'removed')).toEqual([TRIP_MS]);
    expect(r.stdout).toMatch(/ABORTED: errorRate \d+\.\d+% \(\d+ of \d+ requests\) over the last 5s, limit > 50%/);
    expect(r.stdout).toMatch(/ ABORTED {2}abort-error-rate/);

    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(out, 'junit.xml'), 'utf8'));
    const cases = [junit.testsuites.testsuite.testcase].flat() as Array<Record<string, unknown>>;
    const stopCase = cases.find((c) => c['@_name'] === 'stop condition: errorRate > 50% over 5s') as { failure: Record<string, string> } | undefined;
    expect(stopCase?.failure['@_type']).toBe('Aborted');
    expect(stopCase?.failure['#text']).toContain(result.stop.message);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<header class="banner aborted"');
    expect(html).toContain('>ABORTED<');
    // the message up to its limit, which the report escapes (`&gt;`)
    expect(html).toContain(result.stop.message.split(', limit')[0]);
    expect(html).toContain('limit &gt; 50%');
  });

  it('trips at the same virtual instant on every run with the same seed', () => {
    const file = tempFile('abort.yaml', scenarioText(ERROR_RATE));
    const [a, b] = [tempDir(), tempDir()];
    for (const out of [a, b]) faildrill(['run', file, '--no-history', '--out', out, '--reporter', 'json']);
    expect(readFileSync(join(a, 'result.json'), 'utf8')).toBe(readFileSync(join(b, 'result.json'), 'utf8'));
  });

  it('refuses a CloudWatch alarm stop condition on the simulator: exit 2 naming file:line:col, the field and the target', () => {
    const file = tempFile('alarm.yaml', scenarioText('{ alarms: [checkout-5xx] }'));
    const r = faildrill(['run', file, '--no-history', '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: abort\\.alarms: stop condition abort\\.alarms is not available on the sim target`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('run --dry-run on the simulator', () => {
  it("prints each fault with what the model does to apply and undo it (the simulator's own fault table) and writes nothing", () => {
    const text = scenarioText(ERROR_RATE).replace('service-stop, target: web }', 'service-stop, target: web, duration: 20s }');
    const file = tempFile('plan.yaml', text);
    const out = join(tempDir(), 'never-written');
    const r = faildrill(['run', file, '--dry-run', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const fault = parseScenario(text, 'plan.yaml').scenario.faults[0]!;
    const described = describeSimFault(fault);
    expect(r.stdout).toContain(`10.0s  inject web-down: service-stop on web`);
    expect(r.stdout).toContain(`apply: ${described.apply}`);
    expect(r.stdout).toContain(`30.0s  remove web-down`);
    expect(r.stdout).toContain(`undo:  ${described.undo}`);
    expect(r.stdout).toContain('errorRate > 50% over 5s');
    expect(r.stdout).toContain('kill switch: not watched');
    expect(existsSync(out)).toBe(false);
  });
});
