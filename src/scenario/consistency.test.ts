import { describe, expect, it } from 'vitest';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { parseScenario } from './load.js';
import { bytesPerBucket, maxBuckets, SAMPLE_MEMORY } from './memory-budget.js';

/** A valid scenario with a load balancer, a VIP, a database and an autoscaling group; each test breaks one thing. */
const BASE = {
  name: 'consistency',
  duration: '10m',
  setup: {
    servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'n1' }, { id: 'n2' }, { id: 'db1' }, { id: 'db2' }],
    loadBalancer: {
      id: 'lb',
      targetGroups: [
        { id: 'main', priority: 1, targets: ['a', 'b'], healthCheck: { interval: '10s', timeout: '5s' } },
        { id: 'spare', priority: 2, targets: ['c'] },
      ],
    },
    vip: { nodes: [{ server: 'n1', priority: 100, state: 'MASTER' }, { server: 'n2', priority: 90 }], trackScript: { interval: '2s' } },
    database: { engine: 'postgres-streaming', primary: 'db1', standby: 'db2', lagSpikes: [{ at: '5m', duration: '30s', lag: '10s' }] },
    autoscaling: { instances: ['a', 'b'], targetGroup: 'main', max: 4 },
  },
  loads: [{ name: 'internal', entry: 'vip' }],
  faults: [{ id: 'f1', at: '1m', action: 'service-stop', target: 'a', duration: '1m' }],
  operations: [{ id: 'op1', at: '8m', action: 'manual-failover', layer: 'loadBalancer' }],
};

type Json = Record<string, unknown>;

/** BASE with `edit` applied to a deep copy, as YAML-compatible JSON (JSON is YAML). */
function issuesOf(edit: (s: Json & typeof BASE) => void): ScenarioIssue[] {
  const copy = structuredClone(BASE) as Json & typeof BASE;
  edit(copy);
  try {
    parseScenario(JSON.stringify(copy, null, 1), 'c.yaml');
    return [];
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
}

const pathsOf = (issues: ScenarioIssue[]) => issues.map((i) => [i.path, i.message]);

describe('semantic checks', () => {
  it('accept the base scenario', () => {
    expect(issuesOf(() => {})).toEqual([]);
  });

  it.each<[string, (s: Json & typeof BASE) => void, string, RegExp]>([
    ['a secondary group with the primary\'s targets', (s) => (s.setup.loadBalancer.targetGroups[1]!.targets = ['b', 'a']), 'setup.loadBalancer.targetGroups[1].targets', /the same targets as target group 'main'/],
    ['two groups with one priority', (s) => (s.setup.loadBalancer.targetGroups[1]!.priority = 1), 'setup.loadBalancer.targetGroups[1].priority', /priority 1 is also target group 'main's/],
    ['a target twice in a group', (s) => (s.setup.loadBalancer.targetGroups[0]!.targets = ['a', 'b', 'a']), 'setup.loadBalancer.targetGroups[0].targets[2]', /'a' is already a target/],
    ['an instance twice', (s) => (s.setup.autoscaling.instances = ['a', 'a']), 'setup.autoscaling.instances[1]', /'a' is already an instance/],
    ['more instances than max', (s) => Object.assign(s.setup.autoscaling, { instances: ['a', 'b', 'c'], max: 2 }), 'setup.autoscaling.instances', /3 instances, but the group's max is 2/],
    ['an operation id twice', (s) => s.operations.push({ id: 'op1', at: '9m', action: 'manual-failover', layer: 'vip' }), 'operations[1].id', /duplicate operation id 'op1'/],
    ['a load name twice', (s) => s.loads.push({ name: 'internal', entry: 'lb' }), 'loads[1].name', /duplicate load name 'internal'/],
    // ELBv2: HealthCheckTimeoutSeconds must be smaller than HealthCheckIntervalSeconds
    ['a target group timeout equal to its interval', (s) => (s.setup.loadBalancer.targetGroups[0]!.healthCheck = { interval: '5s', timeout: '5s' }), 'setup.loadBalancer.targetGroups[0].healthCheck.timeout', /timeout 5s is not shorter than the interval 5s/],
    // the default target group timeout (5s) with the shortest interval ELB allows (5s)
    ['a target group interval at the default timeout', (s) => Object.assign(s.setup.loadBalancer.targetGroups[1]!, { healthCheck: { interval: '5s' } }), 'setup.loadBalancer.targetGroups[1].healthCheck.timeout', /timeout 5s is not shorter than the interval 5s/],
    // the controller's default timeout is 2s (defaults.ts)
    ['a controller interval below its default timeout', (s) => Object.assign(s, { controller: { healthCheck: { interval: '1s' } } }), 'controller.healthCheck.timeout', /timeout 2s is not shorter than the interval 1s/],
    ['a track script timeout above its interval', (s) => (s.setup.vip.trackScript = { interval: '2s', timeout: '3s' } as never), 'setup.vip.trackScript.timeout', /timeout 3s is longer than the interval 2s/],
    ['a fencing script timeout above its interval', (s) => Object.assign(s.setup.vip, { fencing: 'arbiter', fencingScript: { interval: '1s', timeout: '1500ms' } }), 'setup.vip.fencingScript.timeout', /timeout 1500ms is longer than the interval 1s/],
    ['a database server that is a load balancer target', (s) => (s.setup.loadBalancer.targetGroups[1]!.targets = ['db2']), 'setup.database.standby', /'db2' is also a target of target group 'spare'/],
    ['a database server that is a VIP node', (s) => (s.setup.database.primary = 'n1'), 'setup.database.primary', /'n1' is also a keepalived node of VIP 'vip'/],
    ['a lag spike after the end of the run', (s) => (s.setup.database.lagSpikes[0]!.at = '10m'), 'setup.database.lagSpikes[0].at', /lag spike at 10m is not before the end of the run \(duration 10m\)/],
    ['stopping keepalived on a server that runs none', (s) => Object.assign(s.faults[0]!, { service: 'keepalived' }), 'faults[0].service', /'a' runs no keepalived: keepalived runs on setup.vip's nodes \(n1, n2\)/],
    ['dropping VRRP on a server that receives none', (s) => (s.faults[0] = { id: 'f1', at: '1m', action: 'network-drop', target: 'c', protocol: 'vrrp' } as never), 'faults[0].protocol', /'c' receives no VRRP/],
  ])('refuse %s, naming the field', (_name, edit, path, says) => {
    const issues = issuesOf(edit);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)!.message).toMatch(says);
    expect(issues.every((i) => i.line > 0 && i.col > 0)).toBe(true);
  });

  it('refuse pausing nginx without a load balancer, and accept it with one', () => {
    const pauseNginx = (s: Json & typeof BASE) => Object.assign(s.faults[0]!, { action: 'process-pause', service: 'nginx' });
    // an ALB (the default kind) is ELBv2: no nginx there
    expect(pathsOf(issuesOf(pauseNginx))).toEqual([['faults[0].service', 'no nginx runs here: nginx is the load balancer, and setup.loadBalancer is an ALB (kind: alb)']]);
    const onNginx = issuesOf((s) => {
      pauseNginx(s);
      const { autoscaling: _asg, ...rest } = s.setup;
      s.setup = { ...rest, loadBalancer: { ...rest.loadBalancer!, kind: 'nginx' } } as unknown as typeof s.setup;
      s.operations = [];
      s.loads = [];
    });
    expect(onNginx).toEqual([]);
    const issues = issuesOf((s) => {
      pauseNginx(s);
      const { loadBalancer: _lb, autoscaling: _asg, ...rest } = s.setup;
      s.setup = rest as typeof s.setup;
      s.operations = [];
      s.loads = [];
    });
    expect(pathsOf(issues)).toEqual([['faults[0].service', 'no nginx runs here: nginx is the load balancer, and there is no setup.loadBalancer']]);
  });

  it('locate a problem on its line', () => {
    const text = JSON.stringify({ ...BASE, operations: [...BASE.operations, { ...BASE.operations[0], at: '9m' }] }, null, 1);
    const lines = text.split('\n');
    const second = lines.findIndex((l, i) => l.includes('"op1"') && lines.slice(0, i).some((m) => m.includes('"op1"')));
    const issues = issuesOf(() => {});
    expect(issues).toEqual([]);
    let thrown: unknown;
    try {
      parseScenario(text, 'c.yaml');
    } catch (err) {
      thrown = err;
    }
    expect((thrown as ScenarioError).issues).toEqual([expect.objectContaining({ file: 'c.yaml', line: second + 1, path: 'operations[1].id' })]);
  });
});

describe('sample memory bound', () => {
  // measure.resolution 10ms over 168h: 60 480 000 buckets; BASE's servers: 7 + the group's max 4 + one replacement per fault (1)
  const servers = 7 + 4 + 1;

  it('refuses a run whose samples would not fit, naming the limit and what would fit', () => {
    const issues = issuesOf((s) => Object.assign(s, { duration: '168h', measure: { resolution: '10ms' } }));
    const limit = maxBuckets(servers);
    expect(limit).toBe(Math.floor((SAMPLE_MEMORY.budgetMiB * 1024 * 1024) / bytesPerBucket(servers)));
    expect(pathsOf(issues)).toEqual([
      ['duration', expect.stringContaining(`a 168h run at 10ms measure.resolution needs 60480000 sample buckets`)],
    ]);
    expect(issues[0]!.message).toContain(`the limit is ${limit} buckets (${SAMPLE_MEMORY.budgetMiB} MiB at ${bytesPerBucket(servers)} bytes per bucket with ${servers} servers)`);
    // the resolution it proposes fits: 168h / that resolution ≤ the limit
    const proposed = Number(/set measure\.resolution to (\d+)ms/.exec(issues[0]!.message)![1]);
    expect(Math.ceil((168 * 3_600_000) / proposed)).toBeLessThanOrEqual(limit);
    expect(issuesOf((s) => Object.assign(s, { duration: '168h', measure: { resolution: `${proposed}ms` } }))).toEqual([]);
  });

  it('accepts the run of exactly the limit, and refuses one more bucket', () => {
    const limit = maxBuckets(servers);
    expect(issuesOf((s) => Object.assign(s, { duration: `${limit * 10}ms`, measure: { resolution: '10ms' } }))).toEqual([]);
    expect(issuesOf((s) => Object.assign(s, { duration: `${limit * 10 + 10}ms`, measure: { resolution: '10ms' } }))).toHaveLength(1);
  });
});
