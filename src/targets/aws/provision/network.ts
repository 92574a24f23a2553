import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
} from '@aws-sdk/client-ec2';
import type { Scenario } from '../../../scenario/schema.js';
import { required, type ProvisionContext } from './context.js';
import type { NetworkResources } from './resources.js';
import { runTags } from './tags.js';

const SUBJECT = 'setup.servers (VPC and subnets)';
/** The run's VPC; one /24 per availability zone. */
const VPC_CIDR = '10.0.0.0/16';
const subnetCidr = (index: number) => `10.0.${index}.0/24`;
/**
 * Amazon Linux 2023 (x86_64), owned by Amazon: present in every region and in moto's image list.
 * The image does not matter to a drill (no instance boots on an emulator); any the region lists will do.
 */
const IMAGE_FILTERS = [
  { Name: 'name', Values: ['al2023-ami-2023*-x86_64'] },
  { Name: 'architecture', Values: ['x86_64'] },
  { Name: 'state', Values: ['available'] },
];

/** The run's VPC and subnets, created on first use per availability zone. */
export interface Network {
  resources: NetworkResources;
  /** The AWS zone a scenario zone maps to (a server without a zone gets the region's first). */
  zoneFor(scenarioZone: string | undefined): string;
  /** The subnet of an AWS zone, created when first asked for. */
  subnetIn(zone: string): Promise<string>;
  /** Subnets in `zones` (deduplicated), topped up with other zones of the region to at least `min` (an ALB and a DB subnet group need two). */
  subnetsAcross(zones: string[], min: number): Promise<string[]>;
}

/**
 * Creates the VPC, maps the scenario's zones onto the region's availability zones and picks the AMI.
 * Zones the scenario names that the region has are kept; the others take the region's unused zones in order.
 */
export async function createNetwork(ctx: ProvisionContext, scenario: Scenario): Promise<Network> {
  const { ec2 } = ctx.clients;
  const azs = await ctx.call('ec2', 'DescribeAvailabilityZones', SUBJECT, () =>
    ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] })),
  );
  const regionZones = (azs.AvailabilityZones ?? []).map((z) => required(z.ZoneName, 'zone name')).sort();
  if (regionZones.length === 0) throw new Error(`region ${ctx.region} lists no availability zone`);
  const zones = mapZones(scenario.setup.servers.flatMap((s) => (s.zone ? [s.zone] : [])), regionZones);
  for (const [from, to] of Object.entries(zones)) {
    if (from !== to) ctx.note(`zone ${from} is not in region ${ctx.region}: its servers run in ${to}`);
  }

  const images = await ctx.call('ec2', 'DescribeImages', SUBJECT, () =>
    ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: IMAGE_FILTERS })),
  );
  const newest = (images.Images ?? [])
    .filter((i) => i.ImageId)
    .sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') || (b.Name ?? '').localeCompare(a.Name ?? ''))[0];
  if (!newest) throw new Error(`region ${ctx.region} lists no Amazon Linux 2023 image (DescribeImages owner amazon, name al2023-ami-2023*-x86_64)`);

  const vpc = await ctx.call('ec2', 'CreateVpc', SUBJECT, () =>
    ec2.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: [{ ResourceType: 'vpc', Tags: runTags(ctx.label, `${ctx.label.scenario} VPC`) }] })),
  );
  const vpcId = required(vpc.Vpc?.VpcId, 'VPC id');
  ctx.created('ec2:vpc', vpcId);

  const resources: NetworkResources = { vpcId, subnets: {}, zones, imageId: required(newest.ImageId, 'image id') };
  const subnetIn = async (zone: string): Promise<string> => {
    const known = resources.subnets[zone];
    if (known) return known;
    const index = Object.keys(resources.subnets).length;
    const subnet = await ctx.call('ec2', 'CreateSubnet', `${SUBJECT}: ${zone}`, () =>
      ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: subnetCidr(index),
          AvailabilityZone: zone,
          TagSpecifications: [{ ResourceType: 'subnet', Tags: runTags(ctx.label, `${ctx.label.scenario} ${zone}`) }],
        }),
      ),
    );
    const subnetId = required(subnet.Subnet?.SubnetId, 'subnet id');
    ctx.created('ec2:subnet', subnetId);
    resources.subnets[zone] = subnetId;
    return subnetId;
  };
  const zoneFor = (scenarioZone: string | undefined) => (scenarioZone ? zones[scenarioZone]! : regionZones[0]!);
  return {
    resources,
    zoneFor,
    subnetIn,
    subnetsAcross: async (wanted, min) => {
      const chosen = [...new Set(wanted)];
      for (const zone of regionZones) {
        if (chosen.length >= min) break;
        if (!chosen.includes(zone)) chosen.push(zone);
      }
      const ids: string[] = [];
      for (const zone of chosen) ids.push(await subnetIn(zone));
      return ids;
    },
  };
}

/** Maps scenario zones (in order of first use) to region zones: kept when the region has them, else the next unused one. */
export function mapZones(scenarioZones: string[], regionZones: string[]): Record<string, string> {
  const distinct = [...new Set(scenarioZones)];
  const result: Record<string, string> = {};
  const used = new Set(distinct.filter((z) => regionZones.includes(z)));
  let next = 0;
  for (const zone of distinct) {
    if (regionZones.includes(zone)) {
      result[zone] = zone;
      continue;
    }
    const free = regionZones.find((z) => !used.has(z));
    const target = free ?? regionZones[next++ % regionZones.length]!;
    used.add(target);
    result[zone] = target;
  }
  return result;
}
