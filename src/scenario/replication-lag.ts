import { defaults } from './defaults.js';
import type { DatabaseSpec } from './schema.js';

/**
 * A database's replication lag at run time `atMs`: the spike's while one lasts, else the scenario's
 * `replicationLag`, else the engine's default (design.md §5). One rule for the simulator and the aws
 * target's replication.
 */
export function replicationLagMs(spec: Pick<DatabaseSpec, 'engine' | 'lagSpikes' | 'replicationLagMs'>, atMs: number): number {
  const spike = spec.lagSpikes.find((s) => atMs >= s.atMs && atMs < s.atMs + s.durationMs);
  return spike ? spike.lagMs : (spec.replicationLagMs ?? defaults.database[spec.engine].replicationLagMs);
}
