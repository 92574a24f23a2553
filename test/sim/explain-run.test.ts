import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { explainScenario } from '../../src/explain/explain.js';
import { buildResult } from '../../src/run/result.js';
import { runDrill } from '../../src/run/runner.js';
import { ConsoleReporter } from '../../src/reporters/console.js';
import { renderHtmlReport } from '../../src/reporters/html/render.js';
import { renderJunit } from '../../src/reporters/junit.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { simTarget } from '../../src/targets/sim/target.js';
import { repoRoot } from '../helpers/cli.js';

const file = `${repoRoot}/scenarios/host-keepalived.yaml`;

/**
 * host-keepalived.yaml run on the simulator; `late` moves the track_script verdict 20 s after the fault,
 * past the switch: the run then reads its detection from the master-down timer, past fall × interval +
 * timeout = 11 s, and the switch as 0, short of the backup's master-down interval.
 */
async function run(options: { withinBounds?: boolean; late?: boolean } = {}) {
  const loaded = await loadScenarioFile(file);
  const source = loaded.normalizedYaml.replace('expect:\n', `expect:\n  withinBounds: ${options.withinBounds === true}\n`);
  const scenario = options.withinBounds === undefined ? loaded : { ...parseScenario(source, file), file };
  const record = await runDrill(simTarget, scenario.scenario, { seed: 51 });
  if (options.late) {
    const fault = record.events.find((e) => e.component === 'fault' && e.type === 'injected')!;
    const verdict = record.events.find((e) => e.component === 'vip' && e.type === 'track.health' && e.atMs > fault.atMs)!;
    verdict.atMs = fault.atMs + 20_000;
    record.events.sort((a, b) => a.atMs - b.atMs);
  }
  return buildResult(scenario, record);
}

describe('bounds in every run', () => {
  it("result.json carries each fault's bounds beside its figures, all inside on the simulator", async () => {
    const result = await run();
    const f = result.metrics.perFault[0]!;
    const explained = explainScenario((await loadScenarioFile(file)).scenario)[0]!;
    expect(f.bounds!.decidedBy).toBe('keepalived track_script check_app');
    const detection = f.bounds!.figures.find((x) => x.figure === 'detection')!;
    // fall 2 × interval 5 s + timeout 1 s, less one interval at the earliest
    expect([detection.minMs, detection.maxMs]).toEqual([6_000, 11_000]);
    expect(detection.measured).toBe(f.detectionMs);
    expect(f.bounds!.figures.map((x) => x.figure)).toEqual(explained.bounds.map((b) => b.figure));
    expect(f.bounds!.outside).toEqual([]);
    expect(result.verdict).toBe('pass');
  });

  it('a figure outside its bound is flagged; with expect.withinBounds: true the run fails on it', async () => {
    const flagged = await run({ late: true });
    expect(flagged.metrics.perFault[0]!.bounds!.outside).toContain('detection');
    expect(flagged.expectations.some((e) => e.name === 'withinBounds')).toBe(false);
    const enforced = await run({ late: true, withinBounds: true });
    const within = enforced.expectations.find((e) => e.name === 'withinBounds')!;
    expect(within.pass).toBe(false);
    expect(within.message).toMatch(/app-port-dropped detection \S+ outside 6\.0s–11\.0s; app-port-dropped switch 0ms outside 2\.6s–3\.6s/);
    expect(enforced.verdict).toBe('fail');
    const ok = await run({ withinBounds: true });
    expect(ok.expectations.find((e) => e.name === 'withinBounds')).toMatchObject({ pass: true, actual: 0 });
  });

  it('the console, the HTML report and JUnit show measured against bound and flag what lies outside', async () => {
    const result = await run({ late: true, withinBounds: true });
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    new ConsoleReporter(out).onRunEnd(result, 'out');
    expect(text).toContain('Against the bounds of the configuration');
    expect(text).toMatch(/\S+ \[6\.0s–11\.0s\] OUTSIDE/);
    expect(text).toMatch(/⚠ app-port-dropped detection \S+ outside 6\.0s–11\.0s/);

    const html = renderHtmlReport(result);
    expect(html).toContain('<span class="bound outside"');
    expect(html).toMatch(/<li>outside the configuration's bound: app-port-dropped: detection \S+ outside 6\.0s–11\.0s<\/li>/);
    // detection, switch, time to switch, RTO and failback each on their bound's bar; detection and switch outside
    expect(html.match(/<span class="bound[^"]*" title=/g)).toHaveLength(5);
    expect(html.match(/<span class="bound outside" title=/g)).toHaveLength(2);
    expect(html).toContain('bound 6.0s–11.0s');

    const junit = renderJunit(result);
    expect(junit).toContain('name="bounds app-port-dropped"');
    expect(junit).toContain('type="OutsideBounds"');
    const passing = renderJunit(await run());
    expect(passing).toContain('<system-out>detection');
    expect(passing).not.toContain('OutsideBounds');
  });
});
