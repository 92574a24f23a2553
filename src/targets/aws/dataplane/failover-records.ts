import type { ResourceRecordSet } from '@aws-sdk/client-route-53';

/** One member of a Route 53 failover pair, as faildrill's DNS server answers it. */
export interface FailoverRecordSet {
  /** Lower case, without the trailing dot. */
  name: string;
  setIdentifier: string;
  failover: 'PRIMARY' | 'SECONDARY';
  ttlSec: number;
  /** IPv4 addresses an A record answers with (none for a CNAME). */
  addresses: string[];
  /** The name a CNAME record answers with (normalized), when the member is a CNAME (a load balancer's or an instance's DNS name). */
  cname?: string;
  /** The Route 53 health check the member is judged by; absent: always healthy. */
  healthCheckId?: string;
}

/** Health of a Route 53 health check: true or false once evaluated, undefined before. */
export type HealthOf = (healthCheckId: string) => boolean | undefined;

/** A DNS name as faildrill compares names: lower case, no trailing dot (RFC 4343: names compare case-insensitively). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The failover member of a Route 53 record set, or undefined when it is not a failover A or CNAME
 * record. Throws for a failover alias record (an alias answers with another resource's addresses,
 * which this DNS server does not resolve) and for a CNAME without exactly one value (RFC 1034 §3.6.2:
 * a CNAME is the only record of its name): the caller must say so rather than serve a partial record.
 */
export function fromRoute53RecordSet(set: ResourceRecordSet): FailoverRecordSet | undefined {
  if ((set.Type !== 'A' && set.Type !== 'CNAME') || (set.Failover !== 'PRIMARY' && set.Failover !== 'SECONDARY') || !set.Name) return undefined;
  if (set.AliasTarget) throw new Error(`record ${set.Name} (${set.Failover}) is an alias to ${set.AliasTarget.DNSName ?? '?'}: faildrill's DNS server answers only failover records with values`);
  const values = (set.ResourceRecords ?? []).flatMap((r) => (r.Value ? [r.Value] : []));
  const base = {
    name: normalizeName(set.Name),
    setIdentifier: set.SetIdentifier ?? set.Failover,
    failover: set.Failover,
    ttlSec: set.TTL ?? 0,
    ...(set.HealthCheckId ? { healthCheckId: set.HealthCheckId } : {}),
  };
  if (set.Type === 'A') return { ...base, addresses: values };
  if (values.length !== 1) throw new Error(`CNAME record ${set.Name} (${set.Failover}) has ${values.length} values: a CNAME names exactly one canonical name`);
  return { ...base, addresses: [], cname: normalizeName(values[0]!) };
}

function isHealthy(set: FailoverRecordSet, health: HealthOf): boolean {
  return set.healthCheckId === undefined || health(set.healthCheckId) !== false;
}

/**
 * The member Route 53 answers with, by the rules of the Route 53 API Reference
 * (`ResourceRecordSet.Failover`): the primary while it is healthy, whatever the secondary's health;
 * the secondary while the primary is unhealthy and the secondary healthy; the primary again when the
 * secondary is unhealthy too. A member without a health check counts as healthy, and so does one
 * whose check has not been evaluated yet (Route 53 Developer Guide, "How Amazon Route 53 determines
 * whether a health check is healthy": a new check is healthy "until there's enough data").
 * Undefined when `sets` holds neither member.
 */
export function chooseFailoverMember(sets: readonly FailoverRecordSet[], health: HealthOf): FailoverRecordSet | undefined {
  const primary = sets.find((s) => s.failover === 'PRIMARY');
  const secondary = sets.find((s) => s.failover === 'SECONDARY');
  if (primary && isHealthy(primary, health)) return primary;
  if (secondary && isHealthy(secondary, health)) return secondary;
  return primary ?? secondary;
}
