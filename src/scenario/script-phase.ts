import { SeededRng } from '../random/seeded-rng.js';

/**
 * When a VIP's track script first runs after the run's time 0, drawn from the run's seed: uniform
 * over one script interval. The simulator runs keepalived's scripts from this phase; the host target
 * starts its run so that real keepalived's schedule has the same phase, so the same seed puts a fault
 * at the same point of the script's cycle on both targets.
 */
export function trackScriptPhaseMs(seed: number, vipId: string, intervalMs: number): number {
  return new SeededRng(seed).fork(`vrrp.${vipId}`).int(0, intervalMs - 1);
}

/**
 * When the database VIP's writer check (endpoint mode `vip`) first runs after time 0 on every member,
 * drawn from the run's seed: uniform over one check interval. The host starts keepalived on both
 * members at once and, without an app VIP track script to align to, aligns its time 0 to the primary's
 * logged check runs with this phase.
 */
export function writerCheckPhaseMs(seed: number, databaseId: string, intervalMs: number): number {
  return new SeededRng(seed).fork(`db-vip.${databaseId}`).int(0, intervalMs - 1);
}
