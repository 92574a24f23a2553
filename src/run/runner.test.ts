import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../measure/events.js';
import { parseScenario } from '../scenario/load.js';
import { simTarget } from '../targets/sim/target.js';
import { runDrill } from './runner.js';

const scenario = (faults: string, operations = '') =>
  parseScenario(
    `
name: runner
duration: 2m
setup:
  servers: [{ id: a, latency: 10ms }, { id: b, latency: 10ms }, { id: c, latency: 10ms }]
  loadBalancer:
    targetGroups:
      - { id: blue, priority: 1, targets: [a], deregistrationDelay: 10s, healthCheck: { interval: 5s, timeout: 4s, unhealthyThreshold: 2, healthyThreshold: 2 } }
      - { id: green, priority: 2, targets: [b, c], healthCheck: { interval: 5s, timeout: 4s, unhealthyThreshold: 2, healthyThreshold: 2 } }
load: { rate: 50, clients: 10, timeout: 1s }
faults:
${faults}
${operations}
`,
    'runner.yaml',
  ).scenario;

const faultEvents = (events: RunEvent[], type: 'injected' | 'removed') => events.filter((e) => e.component === 'fault' && e.type === type);

describe('runDrill on the simulator', () => {
  it('injects each fault at its time and removes it after its duration, or at the end when it has none', async () => {
    const s = scenario(`  - { id: stop-a, at: 20s, action: service-stop, target: a, duration: 30s }
  - { id: slow-b, at: 40s, action: latency, target: b, latency: 200ms }`);
    const record = await runDrill(simTarget, s, { seed: 1 });
    const injected = faultEvents(record.events, 'injected');
    const removed = faultEvents(record.events, 'removed');
    expect(injected.map((e) => [e.detail.faultId, e.atMs])).toEqual([
      ['stop-a', 20_000],
      ['slow-b', 40_000],
    ]);
    // stop-a by its schedule (20 s + 30 s); slow-b, without a duration, when the run ends
    expect(removed.map((e) => [e.detail.faultId, e.atMs, e.detail.atEnd ?? false])).toEqual([
      ['stop-a', 50_000, false],
      ['slow-b', s.durationMs, true],
    ]);
    expect(record.events[0]).toMatchObject({ atMs: 0, component: 'run', type: 'start', detail: { target: 'sim', seed: 1, durationMs: s.durationMs } });
    expect(record.events.at(-1)).toMatchObject({ atMs: s.durationMs, component: 'run', type: 'end' });
    expect(record.aborted).toBeUndefined();
  });

  it('ends at once when its signal aborts: every active fault is undone and the end event says why', async () => {
    const s = scenario(`  - { id: stop-a, at: 20s, action: service-stop, target: a, duration: 60s }`);
    const abort = new AbortController();
    const record = await runDrill(simTarget, s, {
      seed: 1,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.component === 'fault' && e.type === 'injected') abort.abort('SIGINT');
      },
    });
    expect(record.aborted).toBe('SIGINT');
    const removed = faultEvents(record.events, 'removed');
    expect(removed).toHaveLength(1);
    // removed at the moment of the abort, long before its scheduled 80 s
    expect(removed[0]!.atMs).toBe(20_000);
    expect(removed[0]!.detail.atEnd).toBe(true);
    expect(record.events.at(-1)).toMatchObject({ component: 'run', type: 'end', detail: { aborted: 'SIGINT' } });
  });

  it('runs planned maintenance: failover, drain, the primary stopped for the window, then started again', async () => {
    const s = scenario('  []', `operations:\n  - { at: 30s, action: planned-failover, layer: loadBalancer, maintenance: 20s }`);
    const record = await runDrill(simTarget, s, { seed: 3 });
    const injected = faultEvents(record.events, 'injected');
    const removed = faultEvents(record.events, 'removed');
    expect(injected.map((e) => [e.detail.target, e.detail.planned])).toEqual([['a', true]]);
    // the maintenance window is the scenario's 20 s, from the stop to the start
    expect(removed[0]!.atMs - injected[0]!.atMs).toBe(20_000);
    // the stop waits for the drain: the blue group's 10 s deregistration delay after the switch at or after 30 s
    expect(injected[0]!.atMs).toBeGreaterThanOrEqual(30_000 + 10_000);
  });

  it('gives the same events for the same scenario and seed', async () => {
    const s = scenario(`  - { id: stop-a, at: 20s, action: service-stop, target: a, duration: 30s }`);
    const [one, two] = [await runDrill(simTarget, s, { seed: 9 }), await runDrill(simTarget, s, { seed: 9 })];
    expect(JSON.stringify(two.events)).toBe(JSON.stringify(one.events));
  });
});
