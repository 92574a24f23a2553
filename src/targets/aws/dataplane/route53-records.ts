import { GetHostedZoneCommand, ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import type { RecordSource } from './dns-server.js';
import { chooseFailoverMember, fromRoute53RecordSet, normalizeName, type FailoverRecordSet, type HealthOf } from './failover-records.js';

export interface Route53RecordSourceOptions {
  /** From `awsClients(connection).route53`. */
  route53: Route53Client;
  hostedZoneId: string;
  /** Health of each health check: faildrill's `Route53Checker` on emulators. */
  health: HealthOf;
}

/**
 * The DNS server's {@link RecordSource} over a Route 53 hosted zone: a snapshot of its failover A
 * record sets, taken by {@link refresh} (ListResourceRecordSets, every page). Queries are answered
 * from the snapshot, so a record change reaches the DNS server at the next refresh, as Route 53's
 * own servers pick a change up some time after ChangeResourceRecordSets.
 */
export class Route53RecordSource implements RecordSource {
  #zone?: string;
  #sets = new Map<string, FailoverRecordSet[]>();

  constructor(private readonly options: Route53RecordSourceOptions) {}

  readonly health: HealthOf = (healthCheckId) => this.options.health(healthCheckId);

  zones(): readonly string[] {
    return this.#zone === undefined ? [] : [this.#zone];
  }

  recordSets(name: string): readonly FailoverRecordSet[] {
    return this.#sets.get(normalizeName(name)) ?? [];
  }

  /** The member the DNS server answers `name` with now, by the snapshot and the health checks. */
  answer(name: string): FailoverRecordSet | undefined {
    return chooseFailoverMember(this.recordSets(name), this.health);
  }

  /** Reads the zone's record sets again. Rejects with the SDK's error (the snapshot stays as it was); throws for a failover alias record. */
  async refresh(): Promise<void> {
    const { route53, hostedZoneId } = this.options;
    if (this.#zone === undefined) {
      const zone = await route53.send(new GetHostedZoneCommand({ Id: hostedZoneId }));
      if (!zone.HostedZone?.Name) throw new Error(`GetHostedZone ${hostedZoneId} answered without a zone name`);
      this.#zone = normalizeName(zone.HostedZone.Name);
    }
    const sets = new Map<string, FailoverRecordSet[]>();
    let start: { StartRecordName?: string; StartRecordType?: ListResourceRecordSetsCommand['input']['StartRecordType']; StartRecordIdentifier?: string } = {};
    for (;;) {
      const page = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ...start }));
      for (const raw of page.ResourceRecordSets ?? []) {
        const set = fromRoute53RecordSet(raw);
        if (set) sets.set(set.name, [...(sets.get(set.name) ?? []), set]);
      }
      if (!page.IsTruncated) break;
      start = {
        ...(page.NextRecordName ? { StartRecordName: page.NextRecordName } : {}),
        ...(page.NextRecordType ? { StartRecordType: page.NextRecordType } : {}),
        ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
      };
    }
    this.#sets = sets;
  }
}
