import type { AwsClients } from '../clients.js';
import { deleteResources, type DeleteOptions, type DeleteReport } from './delete.js';
import type { TaggedResource } from './resources.js';

/**
 * Deletes everything a run provisioned, in dependency order: pass the complete result's resources or
 * an incomplete result (both carry the inventory of what was created).
 */
export function teardown(clients: AwsClients, created: { inventory: readonly TaggedResource[] }, options: DeleteOptions = {}): Promise<DeleteReport> {
  return deleteResources(clients, created.inventory, options);
}
