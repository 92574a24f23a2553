import { RCODE, startDnsServer as startSharedDnsServer, type DnsQuery, type DnsServer, type DnsServerOptions as SharedDnsServerOptions, type Rcode } from '../../shared/dns-server.js';
import { chooseFailoverMember, type FailoverRecordSet, type HealthOf } from './failover-records.js';

export { RCODE, type DnsServer, type Rcode };

/**
 * What the DNS server answers from: the hosted zones, their failover record sets (Route 53's,
 * polled by the session) and the health of the checks they name (faildrill's Route 53 checker on
 * emulators). Methods may answer synchronously from a snapshot or return a promise.
 */
export interface RecordSource {
  /** Apex names of the hosted zones served: a name under one of them with no record is NXDOMAIN, any other name REFUSED. */
  zones(): readonly string[] | Promise<readonly string[]>;
  /** The failover A or CNAME record sets named `name` (normalized: lower case, no trailing dot). */
  recordSets(name: string): readonly FailoverRecordSet[] | Promise<readonly FailoverRecordSet[]>;
  health: HealthOf;
}

/** One query the server answered, for the session's event log and for tests: the shared server's, naming the failover member. */
export type DnsQueryLog = Omit<DnsQuery, 'client' | 'label'> & {
  /** The failover member answered with (`PRIMARY`/`SECONDARY`). */
  member?: FailoverRecordSet['failover'];
};

/** The shared server's options, answering from Route 53's failover records. */
export type DnsServerOptions = Omit<SharedDnsServerOptions, 'source' | 'onQuery'> & {
  source: RecordSource;
  onQuery?: (query: DnsQueryLog) => void;
};

/**
 * An authoritative DNS server on loopback (UDP and TCP on one port) for the Route 53 failover
 * records: a query for a record name gets the member Route 53 would answer with
 * ({@link chooseFailoverMember}) and the record's TTL — its A records, or its CNAME (a load balancer's
 * DNS name), which this server does not chase: the name lies outside the zone it serves. The shared
 * server (targets/shared/dns-server.ts) speaks DNS; this file chooses the member.
 */
export function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { source, onQuery, ...rest } = options;
  return startSharedDnsServer({
    ...rest,
    source: {
      zones: () => source.zones(),
      record: async (name) => {
        const sets = await source.recordSets(name);
        if (sets.length === 0) return undefined;
        const member = chooseFailoverMember(sets, source.health);
        return member ? { addresses: member.addresses, ...(member.cname !== undefined ? { cname: member.cname } : {}), ttlSec: member.ttlSec, label: member.failover } : null;
      },
    },
    ...(onQuery
      ? {
          onQuery: ({ client: _client, label, ...query }) => onQuery({ ...query, ...(label !== undefined ? { member: label as FailoverRecordSet['failover'] } : {}) }),
        }
      : {}),
  });
}
