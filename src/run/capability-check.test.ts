import { describe, expect, it } from 'vitest';
import { ExitCode, ScenarioError } from '../errors.js';
import { parseScenario } from '../scenario/load.js';
import { simCapabilities } from '../targets/sim/capabilities.js';
import { assertRunnable, capabilityProblems } from './capability-check.js';
import type { TargetCapabilities } from './capabilities.js';

const text = `name: caps
duration: 5m
setup:
  servers: [{ id: a }, { id: b }, { id: db-1 }, { id: db-2 }]
  loadBalancer:
    targetGroups:
      - { id: blue, priority: 1, targets: [a] }
      - { id: green, priority: 2, targets: [b] }
  database:
    engine: postgres-streaming
    primary: db-1
    standby: db-2
faults:
  - { id: stop-a, at: 1m, action: service-stop, target: a }
  - { id: slow-b, at: 2m, action: latency, target: b, latency: 100ms }
`;

/** The simulator's capabilities with the database planned and latency missing: a target that lacks two things. */
const lacking: TargetCapabilities = {
  ...simCapabilities,
  layers: { ...simCapabilities.layers, database: { support: 'planned', how: 'real PostgreSQL' } },
  faults: Object.fromEntries(Object.entries(simCapabilities.faults).filter(([action]) => action !== 'latency')),
};

describe('capability check', () => {
  it('finds nothing for a target that has every layer and fault the scenario uses', () => {
    expect(capabilityProblems(simCapabilities, 'sim', parseScenario(text, 'caps.yaml').scenario)).toEqual([]);
  });

  it('names each missing layer and fault with its file:line:col, field and the target, and exits 2', () => {
    const loaded = parseScenario(text, 'caps.yaml');
    let error: unknown;
    try {
      assertRunnable(lacking, 'host', loaded);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const issues = (error as ScenarioError).issues;
    expect((error as ScenarioError).exitCode).toBe(ExitCode.invalidInput);
    // setup.database is written on line 9, the second fault's action on line 15
    expect(issues.map((i) => `${i.file}:${i.line}:${i.path}`)).toEqual(['caps.yaml:9:setup.database', 'caps.yaml:15:faults[1].action']);
    expect(issues[0]!.message).toContain('the host target');
    expect(issues[0]!.message).toContain('planned: real PostgreSQL');
    expect(issues[1]!.message).toContain("fault 'latency' is not available on the host target");
  });

  it('adds the limits a target states beyond single layers and faults', () => {
    const limited: TargetCapabilities = { ...simCapabilities, limits: (s) => (s.setup.loadBalancer ? [{ path: ['setup', 'loadBalancer'], message: 'one entry layer' }] : []) };
    expect(capabilityProblems(limited, 'x', parseScenario(text, 'caps.yaml').scenario)).toEqual([{ path: ['setup', 'loadBalancer'], message: 'one entry layer' }]);
  });
});
