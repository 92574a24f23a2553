import type { Scenario } from '../scenario/schema.js';
import type { AutocannonDriverConfig } from './autocannon-driver.js';
import type { DriverBaseConfig } from './driver-program.js';
import type { OpenLoopDriverConfig } from './open-loop-driver.js';

/** A load driver's name, as `load.driver` spells it. */
export type LoadDriverName = Scenario['load']['driver'];

/** What the host target knows of the load when it starts a driver. */
export interface DriverSettings {
  /** Entry point: `http://<vip or load balancer>:<port>/`. */
  url: string;
  ratePerSec: number;
  clients: number;
  timeoutMs: number;
  probeIntervalMs: number;
  /** Run start (CLOCK_MONOTONIC ns) and length. */
  t0Ns: bigint;
  durationMs: number;
  /** Seeds what the driver draws (the open-loop clients' phases). */
  seed: number;
}

/** A driver program: its compiled file (relative to the source root, no extension) and its config for a run. */
export interface HostDriver {
  program: string;
  config(settings: DriverSettings, startAtMs: number): DriverBaseConfig;
}

/** Most connections autocannon opens: each carries at least one request per second of the rate. */
const MAX_CONNECTIONS = 32;
/** How far past the run the driver's bounds reach (s): requests in flight at the end, slack for the rate. */
const BOUND_SLACK_SEC = 5;

/** The config every driver shares: the run's times and the bounds on what it records (rate rounded, as autocannon takes it). */
export function baseConfig(s: DriverSettings, startAtMs: number): DriverBaseConfig {
  const rate = Math.max(1, Math.round(s.ratePerSec));
  const seconds = s.durationMs / 1000;
  return {
    url: s.url,
    t0Ns: String(s.t0Ns),
    startAtMs,
    endAtMs: s.durationMs,
    ratePerSec: rate,
    timeoutMs: s.timeoutMs,
    probeIntervalMs: s.probeIntervalMs,
    maxRequests: Math.ceil((rate + 1000 / s.probeIntervalMs) * (seconds + BOUND_SLACK_SEC) * 1.5),
    maxProbes: Math.ceil((1000 / s.probeIntervalMs) * (seconds + 1)),
  };
}

/** The open-loop driver keeps the scenario's rate as it is (a fraction too) and one client per scenario client. */
export function openLoopConfig(s: DriverSettings, startAtMs: number): OpenLoopDriverConfig {
  return { ...baseConfig(s, startAtMs), ratePerSec: s.ratePerSec, clients: s.clients, seed: s.seed };
}

/** autocannon takes a whole rate and at most one connection per request per second of it. */
export function autocannonConfig(s: DriverSettings, startAtMs: number): AutocannonDriverConfig {
  const base = baseConfig(s, startAtMs);
  return { ...base, connections: Math.max(1, Math.min(s.clients, MAX_CONNECTIONS, base.ratePerSec)) };
}

/** Every load driver the host target can start, by `load.driver`. */
export const HOST_DRIVERS: Record<LoadDriverName, HostDriver> = {
  'open-loop': { program: 'load/open-loop-driver', config: openLoopConfig },
  autocannon: { program: 'load/autocannon-driver', config: autocannonConfig },
};
