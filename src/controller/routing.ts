import { PortError } from './port-error.js';
import type { DatabasePort, DnsPort, FailoverMember, LoadBalancerPort, VirtualIpPort } from './ports.js';
import type { FailoverGroupSpec } from './types.js';

/** The ports that route traffic, one per layer. */
export interface RoutingPorts {
  dns?: DnsPort;
  loadBalancer?: LoadBalancerPort;
  virtualIp?: VirtualIpPort;
  database?: DatabasePort;
}

const portOf = { dns: 'dns', loadBalancer: 'loadBalancer', vip: 'virtualIp', database: 'database' } as const;

/** The group's member that `holders` (a VIP's holders) stands for: undefined unless exactly one node holds it. */
export function memberOfHolders(spec: FailoverGroupSpec, holders: readonly string[]): FailoverMember | undefined {
  if (holders.length !== 1) return undefined;
  return holders[0] === spec.members.secondary.id ? 'secondary' : 'primary';
}

/**
 * Moves and reads routing of a failover group on its layer: the DNS record, the load balancer's
 * listener, the VIP's holder, the database's writer. Every method rejects with a PortError; a
 * missing port is `INVALID` (not retryable).
 */
export class Routing {
  constructor(private readonly ports: RoutingPorts) {}

  /** The port that routes `spec`'s layer, or an INVALID PortError when there is none. */
  #port<K extends keyof RoutingPorts>(key: K, operation: string): NonNullable<RoutingPorts[K]> {
    const port = this.ports[key];
    if (!port) throw new PortError('INVALID', key, operation, `no ${key} port`);
    return port;
  }

  /** True when the port that routes `spec`'s layer is there. */
  has(spec: FailoverGroupSpec): boolean {
    return this.ports[portOf[spec.layer]] !== undefined;
  }

  /** Sends new traffic of `spec` to `to`; resolves when it goes there. */
  async route(spec: FailoverGroupSpec, to: FailoverMember): Promise<void> {
    const target = spec.members[to].id;
    switch (spec.layer) {
      case 'database': {
        const database = this.#port('database', 'promote');
        if ((await database.getWriter(spec.target)) !== target) await database.promote(spec.target);
        return;
      }
      case 'vip':
        return this.#port('virtualIp', 'moveTo').moveTo(spec.target, target);
      case 'dns':
        return this.#port('dns', 'setActive').setActive(spec.target, to);
      case 'loadBalancer':
        return this.#port('loadBalancer', 'forwardTo').forwardTo(spec.target, target);
    }
  }

  /** The member that gets `spec`'s traffic now. A VIP held by none or by two is a `CONFLICT` (retryable). */
  async readActive(spec: FailoverGroupSpec): Promise<FailoverMember> {
    switch (spec.layer) {
      case 'database': {
        const writer = await this.#port('database', 'getWriter').getWriter(spec.target);
        return writer === spec.members.secondary.id ? 'secondary' : 'primary';
      }
      case 'vip': {
        const holders = await this.#port('virtualIp', 'getHolders').getHolders(spec.target);
        const member = memberOfHolders(spec, holders);
        if (!member) throw new PortError('CONFLICT', 'virtualIp', 'getHolders', `${holders.length} holders of ${spec.target}`);
        return member;
      }
      case 'dns':
        return this.#port('dns', 'getActive').getActive(spec.target);
      case 'loadBalancer': {
        const group = await this.#port('loadBalancer', 'getForwardTarget').getForwardTarget(spec.target);
        return group === spec.members.secondary.id ? 'secondary' : 'primary';
      }
    }
  }

  /** How long traffic already sent to `member` may go on: the record's TTL or the group's deregistration delay; 0 for a VIP or database. */
  async drainMs(spec: FailoverGroupSpec, member: FailoverMember): Promise<number> {
    switch (spec.layer) {
      case 'vip':
      case 'database':
        return 0;
      case 'dns':
        return this.#port('dns', 'drainMs').drainMs(spec.target);
      case 'loadBalancer':
        return this.#port('loadBalancer', 'drainMs').drainMs(spec.members[member].id);
    }
  }
}
