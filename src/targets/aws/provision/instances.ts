import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { ServerSpec } from '../../../scenario/schema.js';
import { required, type ProvisionContext } from './context.js';
import type { Network } from './network.js';
import type { InstanceResource } from './resources.js';
import { runTags } from './tags.js';

/** The instance type of every server: the smallest general-purpose type (the drill's data plane runs locally on emulators). */
export const INSTANCE_TYPE = 't3.micro';

/** Runs one EC2 instance per server, tagged `Name` = the server id, in the subnet of the server's zone. */
export async function createInstances(
  ctx: ProvisionContext,
  network: Network,
  servers: readonly ServerSpec[],
): Promise<Record<string, InstanceResource>> {
  const instances: Record<string, InstanceResource> = {};
  for (const server of servers) {
    const subject = `setup.servers.${server.id}`;
    const zone = network.zoneFor(server.zone);
    const subnetId = await network.subnetIn(zone);
    const run = await ctx.call('ec2', 'RunInstances', subject, () =>
      ctx.clients.ec2.send(
        new RunInstancesCommand({
          ImageId: network.resources.imageId,
          InstanceType: INSTANCE_TYPE,
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnetId,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: runTags(ctx.label, server.id) },
            { ResourceType: 'volume', Tags: runTags(ctx.label, server.id) },
          ],
        }),
      ),
    );
    const instance = required(run.Instances?.[0], 'instance');
    const instanceId = required(instance.InstanceId, 'instance id');
    ctx.created('ec2:instance', instanceId);
    instances[server.id] = {
      instanceId,
      arn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${instanceId}`,
      privateIp: required(instance.PrivateIpAddress, 'private IP'),
      privateDnsName: required(instance.PrivateDnsName, 'private DNS name'),
      zone,
      subnetId,
    };
  }
  return instances;
}
