import { StartInstancesCommand } from '@aws-sdk/client-ec2';
import { GetExperimentCommand, StopExperimentCommand } from '@aws-sdk/client-fis';
import type { AwsClients } from '../clients.js';
import type { AwsFaultJournalEntry, AwsUndoStep } from './context.js';
import { restoreSubnet } from './network-acl.js';

/** Faults journaled as applied and never marked undone, with their steps, in journal order. */
export function pendingFaults(entries: readonly AwsFaultJournalEntry[]): Array<Extract<AwsFaultJournalEntry, { op: 'fault' }>> {
  const open = new Map<string, Extract<AwsFaultJournalEntry, { op: 'fault' }>>();
  for (const entry of entries) {
    if (entry.op === 'fault') open.set(entry.id, entry);
    else open.delete(entry.id);
  }
  return [...open.values()];
}

const ENDED = new Set(['completed', 'stopped', 'failed', 'cancelled']);

/**
 * Takes back one journaled step of a run that did not undo its faults (a killed run, for
 * `faildrill cleanup`): starts the stopped instances, puts the subnet's original NACL back and
 * deletes the fault's, stops an experiment that has not ended. Safe to repeat.
 */
export async function undoStep(clients: Pick<AwsClients, 'ec2' | 'fis'>, step: AwsUndoStep): Promise<void> {
  switch (step.kind) {
    case 'start-instances':
      await clients.ec2.send(new StartInstancesCommand({ InstanceIds: step.instanceIds }));
      return;
    case 'restore-network-acl':
      await restoreSubnet(clients.ec2, { subnetId: step.subnetId, originalAclId: step.networkAclId, faultAclId: step.faultNetworkAclId }).catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'InvalidNetworkAclID.NotFound') throw err;
      });
      return;
    case 'stop-experiment': {
      const state = (await clients.fis.send(new GetExperimentCommand({ id: step.experimentId }))).experiment?.state?.status;
      if (state === undefined || !ENDED.has(state)) await clients.fis.send(new StopExperimentCommand({ id: step.experimentId }));
      return;
    }
  }
}

/** Undoes every fault the journal left applied, latest first; returns the ids undone. */
export async function undoPendingFaults(clients: Pick<AwsClients, 'ec2' | 'fis'>, entries: readonly AwsFaultJournalEntry[]): Promise<string[]> {
  const undone: string[] = [];
  for (const fault of pendingFaults(entries).reverse()) {
    for (const step of fault.steps) await undoStep(clients, step);
    undone.push(fault.id);
  }
  return undone;
}
