import type { LoadSpec } from '../scenario/schema.js';
import type { Effect } from './effect.js';
import { dbVipReleased } from './layers/db-vip.js';
import { failingThroughNginx, viaNginx } from './layers/nginx-upstream.js';
import { databaseClients, entryOf, periodMsOf, sharesBehind, streamsOf } from './topology.js';
import type { FaultContext } from './types.js';

/** What clients see of a fault before anything moves. */
export interface Exposure {
  /** Share of all requests (every load stream) that fail while the fault's server is on their path. */
  failingShare: number;
  /** Longest client period (clients / rate) among the streams that reach the fault: a client notices a change at its next request. */
  periodMs: number;
}

/** Share of requests to a server that fail under `effect` for a stream with this timeout. */
function failing(effect: Effect, baseLatencyMs: number, stream: LoadSpec): number {
  if (effect.app !== 'ok' || effect.hostDown) return 1;
  if (baseLatencyMs + effect.extraLatencyMs > stream.timeoutMs) return 1;
  return effect.loss;
}

/**
 * How much of the load a fault breaks: the requests its server answers on each stream's path at the
 * start (a DNS record's primary, the forwarded target group's targets in equal shares, the VIP's master,
 * a server), and for a lost database writer every request to an app server that writes through it
 * (so too when keepalived stops on the member holding the database VIP: the standby cannot take it).
 */
export function exposureOf(ctx: FaultContext): Exposure {
  const { scenario, effect } = ctx;
  const streams = streamsOf(scenario);
  const totalRate = streams.reduce((sum, s) => sum + s.ratePerSec, 0);
  const db = scenario.setup.database;
  const dbDown = db !== undefined && (effect.database !== undefined || (effect.server === db.primary && (effect.app !== 'ok' || effect.hostDown)) || dbVipReleased(ctx));
  const writers = new Set(dbDown ? databaseClients(scenario) : []);
  let failingRate = 0;
  let periodMs = 0;
  for (const stream of streams) {
    const shares = sharesBehind(scenario, entryOf(scenario, stream));
    let share = 0;
    // nginx passes a failed try to the next peer within the request: what the client sees is the upstream's
    const failingHere = viaNginx(scenario, stream) ? () => failingThroughNginx(ctx, stream) : (latency: number) => failing(effect, latency, stream);
    for (const [server, part] of shares) {
      const latency = scenario.setup.servers.find((s) => s.id === server)?.latencyMs ?? 0;
      if (writers.has(server)) share += part;
      else if (server === effect.server) share += part * failingHere(latency);
    }
    const reaches = [...shares.keys()].some((s) => s === effect.server || writers.has(s)) || reachesVip(ctx, stream);
    if (reaches) periodMs = Math.max(periodMs, periodMsOf(stream));
    failingRate += stream.ratePerSec * share;
  }
  return { failingShare: totalRate > 0 ? failingRate / totalRate : 0, periodMs };
}

/** A stream to the VIP reaches every keepalived node (the address can move to any of them). */
function reachesVip(ctx: FaultContext, stream: LoadSpec): boolean {
  const vip = ctx.scenario.setup.vip;
  return vip !== undefined && entryOf(ctx.scenario, stream) === vip.id && vip.nodes.some((n) => n.server === ctx.effect.server || ctx.effect.deafTo === 'all' || ctx.effect.mutedTo.includes(n.server));
}
