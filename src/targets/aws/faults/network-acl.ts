import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclCommand,
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclAssociationCommand,
  type CreateNetworkAclCommandInput,
  type CreateNetworkAclEntryCommandInput,
  type EC2Client,
  type NetworkAclEntry,
} from '@aws-sdk/client-ec2';
import { runTags, type RunLabel } from '../provision/tags.js';

/** The rule number of the deny-all entries, in front of anything but a lower-numbered rule (NACL rules run lowest number first). */
export const DENY_ALL_RULE_NUMBER = 100;

/**
 * Whether a network ACL's entries let no traffic through in one direction. Rules are evaluated
 * lowest number first and the first match decides; traffic no rule matches is denied (the `*`
 * rule; a NACL with no entries denies everything). So the direction is closed when a deny of all
 * protocols from 0.0.0.0/0 comes before any allow, or when there is no allow at all
 * (VPC user guide, "Network ACL rules").
 */
export function deniesAllTraffic(entries: readonly NetworkAclEntry[], egress: boolean): boolean {
  const rules = entries.filter((e) => (e.Egress ?? false) === egress).sort((a, b) => (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0));
  for (const rule of rules) {
    if (rule.RuleAction === 'allow') return false;
    if (rule.RuleAction === 'deny' && rule.Protocol === '-1' && rule.CidrBlock === '0.0.0.0/0') return true;
  }
  return true;
}

/** True when a NACL closes its subnet in either direction (a TCP exchange needs both). */
export function aclDisrupts(entries: readonly NetworkAclEntry[]): boolean {
  return deniesAllTraffic(entries, false) || deniesAllTraffic(entries, true);
}

/** A subnet's current NACL association, read back from EC2. */
export interface SubnetAssociation {
  subnetId: string;
  associationId: string;
  networkAclId: string;
  entries: NetworkAclEntry[];
}

/** The NACL associations of `subnetIds`, by subnet id (every subnet has exactly one). */
export async function subnetAssociations(ec2: EC2Client, subnetIds: readonly string[]): Promise<Map<string, SubnetAssociation>> {
  const found = new Map<string, SubnetAssociation>();
  if (subnetIds.length === 0) return found;
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [...subnetIds] }], NextToken }));
    for (const acl of page.NetworkAcls ?? []) {
      for (const a of acl.Associations ?? []) {
        if (a.SubnetId && a.NetworkAclAssociationId && subnetIds.includes(a.SubnetId))
          found.set(a.SubnetId, { subnetId: a.SubnetId, associationId: a.NetworkAclAssociationId, networkAclId: acl.NetworkAclId!, entries: acl.Entries ?? [] });
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * The instances among `instanceIds` whose subnet's network ACL lets no traffic through, read back
 * from EC2 (DescribeInstances for the subnets, DescribeNetworkAcls for their associations): what the
 * data plane consults to refuse traffic to an instance cut off by aws:network:disrupt-connectivity.
 */
export async function disruptedInstances(ec2: EC2Client, instanceIds: readonly string[]): Promise<Set<string>> {
  const subnetOf = new Map<string, string>();
  let NextToken: string | undefined;
  if (instanceIds.length === 0) return new Set();
  do {
    const page = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...instanceIds], NextToken }));
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId && i.SubnetId) subnetOf.set(i.InstanceId, i.SubnetId);
    NextToken = page.NextToken;
  } while (NextToken);
  const associations = await subnetAssociations(ec2, [...new Set(subnetOf.values())]);
  const disrupted = new Set<string>();
  for (const [instanceId, subnetId] of subnetOf) {
    const association = associations.get(subnetId);
    if (association && aclDisrupts(association.entries)) disrupted.add(instanceId);
  }
  return disrupted;
}

/** Whether the instance's subnet is cut off by its network ACL now (see {@link disruptedInstances}). */
export async function subnetDisrupted(ec2: EC2Client, instanceId: string): Promise<boolean> {
  return (await disruptedInstances(ec2, [instanceId])).has(instanceId);
}

/** A deny-all NACL in place of a subnet's own, and how to put the original back. */
export interface NetworkDisruption {
  subnetId: string;
  /** The NACL the subnet had before (restored by {@link restoreSubnet}). */
  originalAclId: string;
  faultAclId: string;
  /** The association id now pointing at the fault's NACL. */
  associationId: string;
}

/** CreateNetworkAcl's input for the fault's NACL: in the run's VPC, tagged with the run. */
export function denyAllAclInput(vpcId: string, label: RunLabel, name: string): CreateNetworkAclCommandInput {
  return { VpcId: vpcId, TagSpecifications: [{ ResourceType: 'network-acl', Tags: runTags(label, name) }] };
}

/** CreateNetworkAclEntry's inputs: deny every protocol from and to 0.0.0.0/0, inbound then outbound. */
export function denyAllEntryInputs(aclId: string): CreateNetworkAclEntryCommandInput[] {
  return [false, true].map((Egress) => ({ NetworkAclId: aclId, RuleNumber: DENY_ALL_RULE_NUMBER, Protocol: '-1', RuleAction: 'deny', Egress, CidrBlock: '0.0.0.0/0' }));
}

/** Creates the fault's NACL in `vpcId` (tagged with the run), denying all traffic both ways, without associating it. */
export async function createDenyAllAcl(ec2: EC2Client, vpcId: string, label: RunLabel, name: string): Promise<string> {
  const acl = await ec2.send(new CreateNetworkAclCommand(denyAllAclInput(vpcId, label, name)));
  const aclId = acl.NetworkAcl!.NetworkAclId!;
  try {
    for (const entry of denyAllEntryInputs(aclId)) await ec2.send(new CreateNetworkAclEntryCommand(entry));
  } catch (err) {
    await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: aclId })).catch(() => undefined);
    throw err;
  }
  return aclId;
}

/** Points the subnet's association at `faultAclId` (the moment the subnet is cut off). */
export async function disruptSubnet(ec2: EC2Client, subnetId: string, faultAclId: string): Promise<NetworkDisruption> {
  const current = (await subnetAssociations(ec2, [subnetId])).get(subnetId);
  if (!current) throw new Error(`subnet ${subnetId} has no network ACL association`);
  const replaced = await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: current.associationId, NetworkAclId: faultAclId }));
  return { subnetId, originalAclId: current.networkAclId, faultAclId, associationId: replaced.NewAssociationId! };
}

/** Puts the subnet's original NACL back if the fault's is still associated (read back from EC2), then deletes the fault's NACL. */
export async function restoreSubnet(ec2: EC2Client, disruption: Pick<NetworkDisruption, 'subnetId' | 'originalAclId' | 'faultAclId'>): Promise<void> {
  const current = (await subnetAssociations(ec2, [disruption.subnetId])).get(disruption.subnetId);
  if (current?.networkAclId === disruption.faultAclId)
    await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: current.associationId, NetworkAclId: disruption.originalAclId }));
  await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: disruption.faultAclId }));
}
