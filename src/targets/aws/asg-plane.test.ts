import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoHandle } from '../../../test/helpers/moto.js';
import type { EventDetail } from '../../measure/events.js';
import { parseScenario } from '../../scenario/load.js';
import { WallClock } from '../shared/wall-clock.js';
import { AsgPlane } from './asg-plane.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from './clients.js';
import { autoScalingGroupSource } from './dataplane/asg-group-source.js';
import { asgStandIn } from './dataplane/asg-stand-in.js';
import type { TargetHealthState } from './dataplane/target-group-checker.js';
import { AsgScalingGroupPort } from './ports/scaling-group.js';
import { serverOfInstance } from './ports/resources.js';
import { provision } from './provision/provision.js';
import type { AwsResources } from './provision/resources.js';
import { teardown } from './provision/teardown.js';

const POLL_MS = 50;
/** The scenario's launchTime below: how long faildrill's server stands in for the boot. */
const LAUNCH_MS = 400;

const SCENARIO = `
name: asg-plane
duration: 1m
setup:
  servers:
    - { id: web-1, zone: us-east-1a }
    - { id: web-2, zone: us-east-1b }
    - { id: web-3, zone: us-east-1c }
  loadBalancer:
    id: alb
    targetGroups:
      - { id: tg, priority: 1, targets: [web-1, web-2, web-3], healthCheck: { interval: 5s, timeout: 2s } }
  autoscaling:
    id: asg
    instances: [web-1, web-2, web-3]
    targetGroup: tg
    min: 1
    max: 6
    desired: 3
    healthCheckType: ELB
    healthCheckGracePeriod: GRACE
    launchTime: ${LAUNCH_MS}ms
    cooldown: 0s
faults: []
`;

const until = async (what: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

// moto 5.2.5 (design.md §8, checked again here): an EC2 terminate of a group's instance gets a
// replacement at once that is NOT registered with the group's target group; SetInstanceHealth
// Unhealthy replaces nothing; an instance terminated through the group stays registered.
describe('AsgPlane on moto', () => {
  let moto: MotoHandle;
  let clients: AwsClients;
  let resources: AwsResources;
  let plane: AsgPlane | undefined;
  let runs = 0;
  const clock = new WallClock();

  beforeAll(async () => {
    moto = await startMoto();
    clients = awsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
  }, 30_000);

  afterEach(async () => {
    plane?.close();
    plane = undefined;
    if (resources) expect((await teardown(clients, resources)).failed).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    clients?.destroy();
    await moto?.stop();
  });

  const setUp = async (options: { emulator?: string; unhealthy?: Set<string> | ((serverId: string) => boolean); graceMs?: number } = {}) => {
    const { scenario } = parseScenario(SCENARIO.replace('GRACE', `${options.graceMs ?? 0}ms`), 'asg-plane.yaml');
    const unhealthy = options.unhealthy;
    const judged = typeof unhealthy === 'function' ? unhealthy : (serverId: string) => unhealthy?.has(serverId) ?? false;
    const result = await provision(clients, scenario, { runId: `asg-plane-${process.pid}-${++runs}` });
    if (!result.complete) throw new Error(JSON.stringify(result.problems));
    resources = result.resources;
    const events: Array<{ atMs: number; type: string; detail: EventDetail }> = [];
    const added: Array<{ instanceId: string; readyAtMs?: number }> = [];
    const tracked: string[] = [];
    const tgArn = resources.loadBalancer!.targetGroups.tg!.arn;
    plane = await AsgPlane.start({
      spec: scenario.setup.autoscaling!,
      source: autoScalingGroupSource(clients.autoscaling, resources.autoscaling!.name),
      serverOf: (id) => serverOfInstance(resources, id),
      clock,
      servers: { add: async (spec) => void added.push(spec) },
      ...(options.emulator ? { emulator: options.emulator } : {}),
      standIn: asgStandIn({ autoscaling: clients.autoscaling, elbv2: clients.elbv2, targetGroupArn: tgArn }),
      targetHealth: (id): TargetHealthState | undefined => (judged(serverOfInstance(resources, id)) ? 'unhealthy' : 'healthy'),
      track: (id) => tracked.push(id),
      emit: (component, type, detail) => {
        expect(component).toBe('asg');
        events.push({ atMs: clock.nowMs(), type, detail });
      },
      pollIntervalMs: POLL_MS,
      lifetimeMs: 60_000,
    });
    const registered = async () =>
      ((await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? []).map((d) => d.Target!.Id!);
    const states = (type = 'instance') => events.filter((e) => e.type === type).map((e) => `${String(e.detail.instance)}:${String(e.detail.state)}`);
    return { events, added, tracked, registered, states, plane };
  };

  it('an EC2 terminate: the group verdict and the replacement as events; faildrill boots the new instance for launchTime, then registers it', async () => {
    const h = await setUp({ emulator: 'moto' });
    const web1 = resources.instances['web-1']!.instanceId;
    await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [web1] }));
    h.plane.run();
    await until(() => h.states().some((s) => s.endsWith(':in-service')) && h.events.some((e) => e.type === 'registration'), 10_000);
    const fresh = h.tracked[0]!;
    expect(h.tracked).toEqual([fresh]);
    expect(h.states()).toEqual(['web-1:unhealthy', 'web-1:terminating', 'web-1:terminated', `${fresh}:pending`, `${fresh}:in-service`]);
    const unhealthy = h.events[0]!.detail;
    expect(unhealthy).toMatchObject({ group: 'asg', target: 'web-1', health: 'unhealthy', check: 'EC2', observed: 'left the group', instanceId: web1 });
    // the boot: in service launchTime after it was first seen (a timer: never early, late by a poll at most)
    const pendingAt = h.events.find((e) => e.detail.state === 'pending')!.atMs;
    const inServiceAt = h.events.find((e) => e.detail.state === 'in-service')!.atMs;
    expect(inServiceAt - pendingAt).toBeGreaterThanOrEqual(LAUNCH_MS - 1);
    expect(inServiceAt - pendingAt).toBeLessThan(LAUNCH_MS + 4 * POLL_MS);
    expect(h.added).toHaveLength(1);
    expect(h.added[0]!.instanceId).toBe(fresh);
    expect(h.added[0]!.readyAtMs! - pendingAt).toBeCloseTo(LAUNCH_MS, -1);
    // moto left it out of the target group: faildrill registered it, and says so
    expect(h.events.find((e) => e.type === 'registration')!.detail).toMatchObject({ instanceId: fresh, targetGroup: 'tg', appliedBy: expect.stringMatching(/^faildrill: moto/) });
    expect(await h.registered()).toContain(fresh);
    expect(await h.registered()).not.toContain(web1);
  }, 60_000);

  it('SetDesiredCapacity through the controller port: a capacity event and a new instance, no verdict', async () => {
    const h = await setUp({ emulator: 'moto' });
    h.plane.run();
    await new AsgScalingGroupPort(clients.autoscaling, resources).setDesiredCapacity('asg', 4);
    await until(() => h.states().some((s) => s.endsWith(':pending')), 5_000);
    expect(h.events.filter((e) => e.type === 'capacity').map((e) => e.detail)).toEqual([{ group: 'asg', desired: 4, previous: 3 }]);
    expect(h.states()).toEqual([`${h.tracked[0]}:pending`]);
  }, 60_000);

  it('ELB health on an emulator: faildrill replaces the instance its target group judges unhealthy, and deregisters what moto left registered', async () => {
    const h = await setUp({ emulator: 'moto', unhealthy: new Set(['web-2']) });
    const web2 = resources.instances['web-2']!.instanceId;
    h.plane.run();
    await until(() => h.events.some((e) => e.type === 'replacement') && h.states().includes('web-2:terminated') && h.tracked.length > 0, 10_000);
    expect(h.states().slice(0, 3)).toEqual(['web-2:unhealthy', 'web-2:terminating', 'web-2:terminated']);
    expect(h.events[0]!.detail).toMatchObject({ check: 'ELB', targetGroup: 'tg', appliedBy: 'faildrill: moto evaluates no ASG health' });
    expect(h.events.find((e) => e.type === 'replacement')!.detail.calls).toBe('SetInstanceHealth,TerminateInstanceInAutoScalingGroup,DeregisterTargets');
    expect(h.states()).toContain(`${h.tracked[0]}:pending`);
    // one replacement only: the verdict is not repeated while the group acts
    expect(h.events.filter((e) => e.type === 'replacement')).toHaveLength(1);
    expect(await h.registered()).not.toContain(web2);
  }, 60_000);

  it('real AWS (no emulator): only observes — the new instance is in service when the group says so, nothing registered or replaced', async () => {
    const h = await setUp({ unhealthy: new Set(['web-3']) });
    await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [resources.instances['web-1']!.instanceId] }));
    h.plane.run();
    await until(() => h.states().some((s) => s.endsWith(':in-service')), 5_000);
    await new Promise((r) => setTimeout(r, 4 * POLL_MS));
    const fresh = h.tracked[0]!;
    expect(h.states()).toEqual(['web-1:unhealthy', 'web-1:terminating', 'web-1:terminated', `${fresh}:pending`, `${fresh}:in-service`]);
    expect(h.added).toEqual([{ instanceId: fresh, serverId: fresh }]);
    expect(h.events.some((e) => e.type === 'registration' || e.type === 'replacement')).toBe(false);
    expect(await h.registered()).not.toContain(fresh);
  }, 60_000);

  it('ELB health on an emulator waits out the grace period from the moment a new instance is in service', async () => {
    const graceMs = 1_500;
    // every instance the group launches is judged unhealthy by its target group from the start
    const h = await setUp({ emulator: 'moto', graceMs, unhealthy: (serverId) => serverId.startsWith('i-') });
    h.plane.run();
    await new AsgScalingGroupPort(clients.autoscaling, resources).setDesiredCapacity('asg', 4);
    await until(() => h.events.some((e) => e.type === 'replacement'), 10_000);
    const fresh = h.tracked[0]!;
    const inServiceAt = h.events.find((e) => e.detail.instance === fresh && e.detail.state === 'in-service')!.atMs;
    const verdictAt = h.events.find((e) => e.detail.instance === fresh && e.detail.state === 'unhealthy')!.atMs;
    expect(verdictAt - inServiceAt).toBeGreaterThanOrEqual(graceMs);
    // at the first read of the group after the grace period (and the read that an earlier one queued)
    expect(verdictAt - inServiceAt).toBeLessThan(graceMs + 4 * POLL_MS);
  }, 60_000);
});
