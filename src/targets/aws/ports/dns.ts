import {
  ChangeResourceRecordSetsCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  waitUntilResourceRecordSetsChanged,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { PortError } from '../../../controller/port-error.js';
import type { DnsPort, FailoverMember } from '../../../controller/ports.js';
import { chooseFailoverMember, normalizeName, type FailoverRecordSet, type HealthOf } from '../dataplane/failover-records.js';
import { portCall } from '../errors.js';
import { lookup, type PortResources } from './resources.js';

/** Route 53 changes reach all its servers "generally within 60 seconds" (Route 53 developer guide, design.md §5): wait twice that. */
export const DEFAULT_SYNC_TIMEOUT_MS = 120_000;
/** GetChange polling: the SDK waiter's backoff between these bounds (its own default starts at 30 s, too coarse for a switch time). */
const DEFAULT_POLL_MIN_MS = 1_000;
const DEFAULT_POLL_MAX_MS = 10_000;
/** Route 53 considers an endpoint healthy when more than 18 % of its checkers report it healthy (Route 53 developer guide). */
const HEALTHY_CHECKER_SHARE = 0.18;

export interface Route53DnsPortOptions {
  /**
   * Health of a Route 53 health check when the emulator does not evaluate them (moto, LocalStack):
   * faildrill's own checker. Absent: Route 53's `GetHealthCheckStatus` (real AWS).
   */
  health?: HealthOf;
  /** Longest wait for a change to be INSYNC; default {@link DEFAULT_SYNC_TIMEOUT_MS}. */
  syncTimeoutMs?: number;
  /** Bounds of the delay between GetChange polls (default 1 s to 10 s). */
  pollMinMs?: number;
  pollMaxMs?: number;
}

const PORT = 'dns';

/**
 * The controller's DNS port over a Route 53 failover pair. Which member answers is decided as Route
 * 53 decides it: the set marked `PRIMARY` while its health check passes, else the `SECONDARY`.
 * `setActive` therefore UPSERTs both sets in one change batch with the roles swapped (the member
 * asked for becomes `PRIMARY`; values, TTL and health checks stay) and waits for `GetChange` INSYNC,
 * bounded by `syncTimeoutMs` (a `TIMEOUT` PortError past it). `drainMs` is the record's TTL.
 */
export class Route53DnsPort implements DnsPort {
  readonly #syncTimeoutMs: number;
  readonly #pollMinMs: number;
  readonly #pollMaxMs: number;

  constructor(
    private readonly route53: Route53Client,
    private readonly resources: PortResources,
    private readonly options: Route53DnsPortOptions = {},
  ) {
    this.#syncTimeoutMs = options.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
    this.#pollMinMs = options.pollMinMs ?? DEFAULT_POLL_MIN_MS;
    this.#pollMaxMs = Math.max(this.#pollMinMs, options.pollMaxMs ?? DEFAULT_POLL_MAX_MS);
  }

  async setActive(recordName: string, member: FailoverMember): Promise<void> {
    const operation = 'setActive';
    const { dns, sets } = await this.#pair(recordName, operation);
    const roleOf = (m: FailoverMember) => (m === member ? 'PRIMARY' : 'SECONDARY');
    if (sets.primary.Failover === roleOf('primary') && sets.secondary.Failover === roleOf('secondary')) return;
    const changeId = await portCall(PORT, operation, async () => {
      const answer = await this.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: dns.hostedZoneId,
          ChangeBatch: {
            Comment: `faildrill: ${member} answers ${recordName}`,
            Changes: (['primary', 'secondary'] as const).map((m) => ({
              Action: 'UPSERT' as const,
              ResourceRecordSet: { ...sets[m], Failover: roleOf(m) },
            })),
          },
        }),
      );
      return answer.ChangeInfo?.Id;
    });
    if (changeId === undefined) throw new PortError('INTERNAL', PORT, operation, 'ChangeResourceRecordSets answered without a change id');
    await this.#inSync(changeId, operation);
  }

  async getActive(recordName: string): Promise<FailoverMember> {
    const operation = 'getActive';
    const { dns, sets } = await this.#pair(recordName, operation);
    const members = (['primary', 'secondary'] as const).map((m) => toFailoverSet(sets[m], dns[m].setIdentifier));
    const health = await this.#healthOf(members, operation);
    const chosen = chooseFailoverMember(members, health);
    return chosen?.setIdentifier === dns.secondary.setIdentifier ? 'secondary' : 'primary';
  }

  async drainMs(recordName: string): Promise<number> {
    const { sets } = await this.#pair(recordName, 'drainMs');
    return Math.max(sets.primary.TTL ?? 0, sets.secondary.TTL ?? 0) * 1000;
  }

  /** The pair's two record sets as Route 53 holds them now. */
  async #pair(recordName: string, operation: string) {
    const dns = this.resources.dns;
    const wanted = normalizeName(recordName);
    const found = lookup(dns && normalizeName(dns.recordName) === wanted ? dns : undefined, PORT, operation, `DNS record '${recordName}'`);
    const listed = await portCall(PORT, operation, () =>
      this.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: found.hostedZoneId, StartRecordName: found.recordName, StartRecordType: found.recordType as ResourceRecordSet['Type'] })),
    );
    const named = (listed.ResourceRecordSets ?? []).filter((s) => s.Name !== undefined && normalizeName(s.Name) === wanted && s.Type === found.recordType);
    const setOf = (m: FailoverMember): ResourceRecordSet => {
      const set = named.find((s) => s.SetIdentifier === found[m].setIdentifier);
      if (!set) throw new PortError('INVALID', PORT, operation, `Route 53 zone ${found.hostedZoneId} has no ${found.recordType} record ${recordName} with SetIdentifier '${found[m].setIdentifier}' (the ${m})`);
      return set;
    };
    return { dns: found, sets: { primary: setOf('primary'), secondary: setOf('secondary') } };
  }

  async #healthOf(sets: FailoverRecordSet[], operation: string): Promise<HealthOf> {
    if (this.options.health) return this.options.health;
    const verdicts = new Map<string, boolean>();
    for (const { healthCheckId } of sets) {
      if (healthCheckId === undefined || verdicts.has(healthCheckId)) continue;
      const status = await portCall(PORT, operation, () => this.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })));
      const observations = status.HealthCheckObservations ?? [];
      const healthy = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
      if (observations.length > 0) verdicts.set(healthCheckId, healthy / observations.length > HEALTHY_CHECKER_SHARE);
    }
    return (id) => verdicts.get(id);
  }

  async #inSync(changeId: string, operation: string): Promise<void> {
    try {
      await waitUntilResourceRecordSetsChanged(
        { client: this.route53, maxWaitTime: this.#syncTimeoutMs / 1000, minDelay: this.#pollMinMs / 1000, maxDelay: this.#pollMaxMs / 1000 },
        { Id: changeId },
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError')
        throw new PortError('TIMEOUT', PORT, operation, `Route 53 change ${changeId} was not INSYNC within ${this.#syncTimeoutMs} ms (GetChange)`, { cause: err });
      throw new PortError('UNAVAILABLE', PORT, operation, `waiting for Route 53 change ${changeId}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    }
  }
}

/** A record set as the failover choice reads it (its values do not matter for the choice). */
function toFailoverSet(set: ResourceRecordSet, setIdentifier: string): FailoverRecordSet {
  return {
    name: normalizeName(set.Name ?? ''),
    setIdentifier,
    failover: set.Failover === 'SECONDARY' ? 'SECONDARY' : 'PRIMARY',
    ttlSec: set.TTL ?? 0,
    addresses: [],
    ...(set.HealthCheckId ? { healthCheckId: set.HealthCheckId } : {}),
  };
}
