import type { DatabaseSpec } from '../../../scenario/schema.js';
import type { EndpointContext, WriterEndpoint } from './endpoint.js';
import { DnsEndpoint } from './dns.js';
import { PointerEndpoint } from './pointer.js';
import { VipEndpoint } from './vip.js';

type EndpointMode = DatabaseSpec['endpoint']['mode'];

/** The endpoint of each mode the host target runs (capabilities.ts refuses the others with exit 2). */
const ENDPOINTS: Partial<Record<EndpointMode, (ctx: EndpointContext) => WriterEndpoint>> = {
  controller: (ctx) => new PointerEndpoint(ctx),
  dns: (ctx) => new DnsEndpoint(ctx),
  vip: (ctx) => new VipEndpoint(ctx),
};

/** Modes the host target can run. */
export const HOST_ENDPOINT_MODES = Object.keys(ENDPOINTS) as EndpointMode[];

/** The writer endpoint of the scenario's mode. */
export function writerEndpoint(ctx: EndpointContext): WriterEndpoint {
  const make = ENDPOINTS[ctx.spec.endpoint.mode];
  if (!make) throw new Error(`endpoint mode ${ctx.spec.endpoint.mode} is not available on the host target`);
  return make(ctx);
}
