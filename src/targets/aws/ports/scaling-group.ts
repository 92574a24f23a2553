import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { PortError } from '../../../controller/port-error.js';
import type { ScalingGroupPort } from '../../../controller/ports.js';
import { portCall } from '../errors.js';
import { lookup, type PortResources } from './resources.js';

const PORT = 'scalingGroup';

export interface AsgScalingGroupPortOptions {
  /**
   * SetDesiredCapacity's `HonorCooldown` (default true): a change inside the group's cooldown is refused
   * with ScalingActivityInProgress, a `CONFLICT` PortError the controller retries. Without it the
   * cooldown is ignored (Auto Scaling API Reference; design.md §5). moto 5.2.5 ignores it either way.
   */
  honorCooldown?: boolean;
}

/**
 * The controller's scaling group port over Auto Scaling: `setDesiredCapacity` reads the group first
 * and calls SetDesiredCapacity only when the value differs (the same value twice is one change);
 * `getDesiredCapacity` is DescribeAutoScalingGroups' `DesiredCapacity`.
 */
export class AsgScalingGroupPort implements ScalingGroupPort {
  readonly #honorCooldown: boolean;

  constructor(
    private readonly autoscaling: AutoScalingClient,
    private readonly resources: PortResources,
    options: AsgScalingGroupPortOptions = {},
  ) {
    this.#honorCooldown = options.honorCooldown ?? true;
  }

  async setDesiredCapacity(groupId: string, desired: number): Promise<void> {
    const operation = 'setDesiredCapacity';
    if (!Number.isInteger(desired) || desired < 0) throw new PortError('INVALID', PORT, operation, `desired capacity must be a whole number ≥ 0, got ${desired}`);
    const name = this.#name(groupId, operation);
    if ((await this.#desired(name, operation)) === desired) return;
    await portCall(PORT, operation, () =>
      this.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: desired, HonorCooldown: this.#honorCooldown })),
    );
  }

  getDesiredCapacity(groupId: string): Promise<number> {
    const operation = 'getDesiredCapacity';
    return this.#desired(this.#name(groupId, operation), operation);
  }

  async #desired(name: string, operation: string): Promise<number> {
    const answer = await portCall(PORT, operation, () => this.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })));
    const desired = answer.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name)?.DesiredCapacity;
    if (desired === undefined) throw new PortError('INVALID', PORT, operation, `Auto Scaling has no group named ${name}`);
    return desired;
  }

  #name(groupId: string, operation: string): string {
    const group = this.resources.autoscaling;
    return lookup(group?.id === groupId ? group : undefined, PORT, operation, `autoscaling group '${groupId}'`).name;
  }
}
