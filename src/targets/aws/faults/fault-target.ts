import type { AwsFault, FaultResources } from './context.js';

/** A fault whose target the run's resources do not have (a validated scenario never gets here). */
export class FaultTargetError extends Error {
  readonly code = 'FAULT_TARGET';
  constructor(fault: Pick<AwsFault, 'action' | 'target'>, why: string) {
    super(`${fault.action} on '${fault.target}': ${why}`);
    this.name = 'FaultTargetError';
  }
}

/** The EC2 instance of a server fault. */
export function instanceOf(fault: Pick<AwsFault, 'action' | 'target'>, resources: FaultResources): FaultResources['instances'][string] {
  const instance = resources.instances[fault.target];
  if (!instance) throw new FaultTargetError(fault, `the run has no EC2 instance for server '${fault.target}'`);
  return instance;
}

/** The database of a database fault. */
export function databaseOf(fault: Pick<AwsFault, 'action' | 'target'>, resources: FaultResources): NonNullable<FaultResources['database']> {
  const db = resources.database;
  if (!db || db.id !== fault.target) throw new FaultTargetError(fault, `the run has no database '${fault.target}'`);
  return db;
}
