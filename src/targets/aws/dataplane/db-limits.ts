import type { CapabilityProblem } from '../../../run/capabilities.js';
import type { Scenario } from '../../../scenario/schema.js';

/** Scenario limits of the aws target's database layer: RDS engines only; `service-stop` stops a database member's store, nothing else. */
export function databaseLimits(scenario: Scenario): CapabilityProblem[] {
  const db = scenario.setup.database;
  const engine: CapabilityProblem[] =
    db?.engine === 'postgres-streaming'
      ? [
          {
            path: ['setup', 'database', db.endpoint.mode === 'vip' ? 'endpoint' : 'engine'],
            message: `postgres-streaming is PostgreSQL on hosts faildrill runs, not an RDS engine${db.endpoint.mode === 'vip' ? ' (and a keepalived address needs those hosts)' : ''}: run it with --target host or sim, or pick an RDS engine (rds-multi-az-instance, rds-multi-az-cluster, aurora, rds-read-replica)`,
          },
        ]
      : [];
  return engine.concat(scenario.faults.flatMap((f, i) =>
    f.action === 'service-stop' && f.target !== db?.primary && f.target !== db?.standby
      ? [{ path: ['faults', i, 'target'], message: `service-stop on the aws target stops a database member's store (faildrill's, on an emulator) only; '${f.target}' is no database member` }]
      : [],
  ));
}

/**
 * Why the aws target cannot drill `scenario`'s database on this endpoint, or undefined: on an emulator,
 * RebootDBInstance ignores ForceFailover (moto, design.md §8), so a Multi-AZ instance's writer cannot
 * move; on a real account, service-stop has no process of faildrill's to stop.
 */
export function databaseRefusal(scenario: Scenario, emulated: boolean): string | undefined {
  if (!scenario.setup.database) return undefined;
  if (!emulated) {
    const stop = scenario.faults.find((f) => f.action === 'service-stop');
    return stop ? `faults.${stop.id}: service-stop of a database member stops faildrill's store, which stands in for an emulator's database only; a real account's database process is not faildrill's to stop` : undefined;
  }
  const forced = scenario.faults.find((f) => f.action === 'aws:rds:reboot-db-instances' && f.forceFailover);
  if (forced)
    return `faults.${forced.id}: aws:rds:reboot-db-instances with forceFailover cannot move the writer on an emulator: moto ignores ForceFailover (design.md §8); use engine rds-multi-az-cluster with aws:rds:failover-db-cluster, or a real account`;
  return undefined;
}
