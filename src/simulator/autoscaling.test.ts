import { describe, expect, it } from 'vitest';
import { PortError } from '../controller/port-error.js';
import { EventLog } from '../measure/events.js';
import { SeededRng } from '../random/seeded-rng.js';
import type { AutoscalingSpec } from '../scenario/schema.js';
import { SimAutoscalingGroup } from './autoscaling.js';
import { VirtualClock } from './clock.js';
import { Engine } from './engine.js';
import { SimServer } from './server.js';

const COOLDOWN_MS = 300_000;
const spec: AutoscalingSpec = {
  id: 'asg',
  instances: ['i-1'],
  healthCheckType: 'EC2',
  healthCheckGracePeriodMs: 300_000,
  launchTimeMs: 90_000,
  cooldownMs: COOLDOWN_MS,
  instanceLatencyMs: 20,
  scaleOnFailover: 0,
};

function group(options?: { honorCooldown?: boolean }) {
  const engine = new Engine();
  const events = new EventLog(new VirtualClock(engine));
  const servers = new Map([['i-1', new SimServer('i-1', 20)]]);
  const ctx = { engine, events, rng: new SeededRng(1), beforeRoutingChange: () => undefined };
  return { engine, events, asg: new SimAutoscalingGroup(spec, ctx, servers, undefined, options) };
}

/**
 * SetDesiredCapacity ignores the group's cooldown unless HonorCooldown is set (Auto Scaling API
 * reference, SetDesiredCapacity; design.md §5). The port sets it by default, as the aws target's
 * AsgScalingGroupPort does, and a refusal is ScalingActivityInProgress there: a retryable CONFLICT.
 */
describe('SimAutoscalingGroup.setDesiredCapacity', () => {
  it('with HonorCooldown (the default, as the aws port calls it) refuses a change inside the cooldown with a retryable CONFLICT', async () => {
    const { engine, events, asg } = group();
    await asg.port.setDesiredCapacity('asg', 2);
    await engine.runUntil(COOLDOWN_MS - 1);
    const refused = await asg.port.setDesiredCapacity('asg', 3).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PortError);
    expect((refused as PortError).code).toBe('CONFLICT');
    expect((refused as PortError).retryable).toBe(true);
    expect(asg.desired).toBe(2);
    expect(events.events.filter((e) => e.type === 'scaling.rejected')).toHaveLength(1);
    await engine.runUntil(COOLDOWN_MS);
    await asg.port.setDesiredCapacity('asg', 3);
    expect(asg.desired).toBe(3);
  });

  it('without HonorCooldown ignores the cooldown', async () => {
    const { asg } = group({ honorCooldown: false });
    await asg.port.setDesiredCapacity('asg', 2);
    await asg.port.setDesiredCapacity('asg', 3);
    expect(asg.desired).toBe(3);
  });
});
