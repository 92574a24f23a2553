import type { FaultPlan } from '../../../run/plan.js';
import type { AwsFault, FaultResources } from './context.js';
import { effectInputs } from './effects.js';
import { experimentTemplateInput } from './fis-template.js';
import { startExperimentInput } from './experiment.js';
import { denyAllAclInput, denyAllEntryInputs } from './network-acl.js';
import { resourceName } from '../provision/tags.js';

/** `service Operation {input}`: one SDK call as the dry run prints it. */
const call = (service: string, operation: string, input: object) => `${service} ${operation} ${JSON.stringify(input)}`;

/** What stands for an id the run only learns from the API (an instance id, the run id). */
const known = (what: string) => `<${what}>`;

/**
 * The resources a fault refers to, with placeholders where the run learns ids from the API: the
 * same shape {@link injectAwsFault} gets from provisioning.
 */
export function placeholderResources(scenarioName: string, servers: readonly string[], database: { id: string; standby: string } | undefined, region: string): FaultResources {
  const accountId = known('account');
  return {
    runId: known('run id'),
    scenario: scenarioName,
    region,
    accountId,
    network: { vpcId: known('VPC id') },
    instances: Object.fromEntries(
      servers.map((id) => {
        const instanceId = known(`instance id of ${id}`);
        return [id, { instanceId, arn: `arn:aws:ec2:${region}:${accountId}:instance/${instanceId}`, subnetId: known(`subnet id of ${id}`) }];
      }),
    ),
    ...(database
      ? {
          database: {
            id: database.id,
            clusterId: known(`DB cluster id of ${database.id}`),
            clusterArn: `arn:aws:rds:${region}:${accountId}:cluster:${known(`DB cluster id of ${database.id}`)}`,
            writer: known(`writer instance of ${database.id}`),
            writerArn: `arn:aws:rds:${region}:${accountId}:db:${known(`writer instance of ${database.id}`)}`,
            standby: known(`standby instance of ${database.id}`),
            standbyArn: `arn:aws:rds:${region}:${accountId}:db:${known(`standby instance of ${database.id}`)}`,
          },
        }
      : {}),
  };
}

/** The effecting calls of a fault (those made before the experiment starts, then the effect) and of its undo, with the inputs {@link planEffect} sends. */
function effectCalls(fault: AwsFault, resources: FaultResources): FaultPlan & { prepare: string[] } {
  const instance = resources.instances[fault.target];
  const db = resources.database;
  switch (fault.action) {
    case 'aws:ec2:stop-instances':
      return {
        prepare: [],
        apply: [call('ec2', 'StopInstances', effectInputs.stopInstances(instance!.instanceId))],
        undo: [call('ec2', 'StartInstances', effectInputs.startInstances(instance!.instanceId))],
      };
    case 'aws:ec2:terminate-instances':
      return { prepare: [], apply: [call('ec2', 'TerminateInstances', effectInputs.terminateInstances(instance!.instanceId))], undo: [] };
    case 'aws:network:disrupt-connectivity': {
      const faultAcl = known(`the fault's network ACL`);
      const association = known(`network ACL association of ${instance!.subnetId}`);
      return {
        prepare: [
          call('ec2', 'CreateNetworkAcl', denyAllAclInput(resources.network.vpcId, resources, resourceName(resources.runId, `${fault.id}-deny-all`, 64))),
          ...denyAllEntryInputs(faultAcl).map((entry) => call('ec2', 'CreateNetworkAclEntry', entry)),
        ],
        apply: [call('ec2', 'ReplaceNetworkAclAssociation', { AssociationId: association, NetworkAclId: faultAcl })],
        undo: [
          call('ec2', 'ReplaceNetworkAclAssociation', { AssociationId: known('the new association'), NetworkAclId: known(`the subnet's own network ACL`) }),
          call('ec2', 'DeleteNetworkAcl', { NetworkAclId: faultAcl }),
        ],
      };
    }
    case 'aws:rds:failover-db-cluster':
      return { prepare: [], apply: [call('rds', 'FailoverDBCluster', effectInputs.failoverDbCluster(db!.clusterId!, db!.standby))], undo: [] };
    case 'aws:rds:reboot-db-instances':
      return { prepare: [], apply: [call('rds', 'RebootDBInstance', effectInputs.rebootDbInstance(db!.writer, fault.forceFailover ?? false))], undo: [] };
    default:
      return { prepare: [], apply: [], undo: [] };
  }
}

/**
 * What the aws target would call for `fault` (`run --dry-run`): the FIS experiment template,
 * StartExperiment, and — on an emulator, whose FIS runs no action — the effecting calls faildrill
 * makes itself; the undo reverses the effect and stops the experiment. On a real account FIS runs
 * the action, so only the experiment's calls are listed.
 */
export function describeAwsFault(fault: AwsFault, resources: FaultResources, emulated: boolean): FaultPlan {
  const createTemplate = call('fis', 'CreateExperimentTemplate', experimentTemplateInput(fault, resources));
  const startExperiment = call('fis', 'StartExperiment', startExperimentInput(known(`experiment template id of ${fault.id}`), fault, resources));
  const stopExperiment = call('fis', 'StopExperiment', { id: known(`experiment id of ${fault.id}`) });
  if (!emulated) return { apply: [createTemplate, startExperiment], undo: [stopExperiment] };
  const effect = effectCalls(fault, resources);
  return { apply: [createTemplate, ...effect.prepare, startExperiment, ...effect.apply], undo: [...effect.undo, stopExperiment] };
}
