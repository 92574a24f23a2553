/** The aws target's faults: FIS experiments whose effects faildrill applies through EC2 and RDS. */
export type { AwsFault, AwsFaultContext, AwsFaultJournalEntry, AwsUndoStep, FaultResources } from './context.js';
export { AWS_FAULT_ACTIONS, isAwsFaultAction } from './context.js';
export { EFFECT_BY_FAILDRILL } from './effects.js';
export { prepareTemplate, type PreparedTemplate } from './experiment.js';
export { injectAwsFault } from './inject.js';
export { disruptedInstances, subnetDisrupted } from './network-acl.js';
export { pendingFaults, undoPendingFaults } from './replay.js';
