import type { AwsClients } from './clients.js';
import { deleteResources, type DeleteOptions, type DeleteReport } from './provision/delete.js';
import { findTagged, type FindFailure } from './provision/find.js';

/** What `faildrill cleanup --target aws` did: what it found and removed, what is left, what it could not search. */
export interface AwsCleanupReport extends DeleteReport {
  /** Services whose resources could not be listed (an emulator without the API): their resources may remain. */
  unsearched: FindFailure[];
}

/**
 * Removes what killed runs left in AWS: everything tagged `faildrill:run-id` (= `runId`, or of any run
 * when it is undefined), found per service and deleted in dependency order.
 */
export async function cleanupAws(clients: AwsClients, options: DeleteOptions & { runId?: string } = {}): Promise<AwsCleanupReport> {
  const found = await findTagged(clients, options.runId);
  const report = await deleteResources(clients, found.resources, options);
  return { ...report, unsearched: found.failures };
}
