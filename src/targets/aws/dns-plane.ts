import type { Clock, Rng } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import { defaults } from '../../scenario/defaults.js';
import type { DnsSpec } from '../../scenario/schema.js';
import type { AwsClients } from './clients.js';
import { startDnsServer, type DnsServer } from './dataplane/dns-server.js';
import { httpCheckTransport } from './dataplane/http-check.js';
import { Route53Checker } from './dataplane/route53-checker.js';
import { Route53RecordSource } from './dataplane/route53-records.js';
import type { DnsResources } from './provision/resources.js';
import type { EndpointUrl } from '../../load/http-probe.js';

export interface DnsPlaneOptions {
  clients: AwsClients;
  spec: DnsSpec;
  resources: DnsResources;
  clock: Clock;
  rng: Rng;
  urlOf: EndpointUrl;
  emit: (component: string, type: string, detail: EventDetail) => void;
  /** How often the record sets are read back from Route 53 (what our DNS server answers from). */
  refreshMs: number;
  /** Run time at which the checkers stop by themselves (bounded loops). */
  stopAtMs: number;
  /** The servers behind an endpoint, for `route.changed`: a load balancer's targets; a server is itself (the default). */
  serversOf?: (endpoint: string) => readonly string[];
}

/**
 * The DNS layer's data plane on an emulator: Route 53 health checks evaluated by faildrill (the
 * emulators never evaluate them; design.md §8), a DNS server on loopback that answers the failover
 * record from the record sets and those verdicts, and the events the measurement reads:
 * `route53`/`health` for each verdict and `dns`/`route.changed` when the answer changes.
 */
export class DnsPlane {
  readonly #checkers = new Map<string, Route53Checker>();
  readonly #source: Route53RecordSource;
  #server?: DnsServer;
  #answer?: { endpoint: string; value: string };
  #timer?: NodeJS.Timeout;
  #closed = false;

  private constructor(private readonly options: DnsPlaneOptions) {
    this.#source = new Route53RecordSource({
      route53: options.clients.route53,
      hostedZoneId: options.resources.hostedZoneId,
      health: (id) => this.health(id),
    });
  }

  static async start(options: DnsPlaneOptions): Promise<DnsPlane> {
    const plane = new DnsPlane(options);
    await plane.#start();
    return plane;
  }

  /** `host:port` of the DNS server, for the clients' resolvers. */
  get address(): string {
    return this.#server!.address;
  }

  /** Health of a Route 53 health check as faildrill's checkers judge it; undefined for one it does not know. */
  health(healthCheckId: string): boolean | undefined {
    return this.#checkers.get(healthCheckId)?.healthy;
  }

  async #start(): Promise<void> {
    const { spec, resources, clock, rng, urlOf, emit } = this.options;
    const hc = spec.healthCheck;
    for (const [endpoint, healthCheckId] of Object.entries(resources.healthChecks)) {
      const url = urlOf(endpoint);
      if (!url) throw new Error(`no server answers for ${endpoint}, the endpoint of health check ${healthCheckId}`);
      const checker = new Route53Checker({
        spec: {
          healthCheckId,
          intervalMs: hc.intervalMs,
          failureThreshold: hc.failureThreshold,
          regions: hc.regions,
          checkersPerRegion: hc.checkersPerRegion,
          healthyCheckerShare: defaults.route53.healthyCheckerShare,
          connectTimeoutMs: defaults.route53.connectTimeoutMs,
          responseTimeoutMs: defaults.route53.responseTimeoutMs,
        },
        transport: httpCheckTransport(`${url}${hc.path}`),
        clock,
        rng: rng.fork(`route53:${endpoint}`),
        stopAtMs: this.options.stopAtMs,
        onVerdict: (v) =>
          emit('route53', 'health', {
            healthCheck: healthCheckId,
            target: endpoint,
            health: v.healthy ? 'healthy' : 'unhealthy',
            healthyCheckers: v.healthyCheckers,
            checkers: v.checkers,
            evaluatedBy: 'faildrill (the emulator does not evaluate health checks)',
          }),
      });
      this.#checkers.set(healthCheckId, checker);
    }
    await this.#source.refresh();
    this.#server = await startDnsServer({ source: this.#source, onError: (err) => emit('dns', 'error', { message: err.message }) });
    this.#observe();
  }

  /** Starts the checkers (at the run's time 0) and the refresh loop. */
  run(): void {
    for (const checker of this.#checkers.values()) checker.start();
    const tick = () => {
      if (this.#closed) return;
      this.#source
        .refresh()
        .then(() => this.#observe())
        .catch((err: unknown) => this.options.emit('dns', 'error', { message: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(tick, this.options.refreshMs);
        });
    };
    this.#timer = setTimeout(tick, this.options.refreshMs);
  }

  /** Emits `dns`/`route.changed` when the member the record answers with changed since the last look. */
  #observe(): void {
    const { resources } = this.options;
    const chosen = this.#source.answer(resources.recordName);
    if (!chosen) return;
    // the controller swaps the failover roles between the two record sets: the set, not its role, names the endpoint
    const endpoint = chosen.setIdentifier === resources.primary.setIdentifier ? resources.primary.endpoint : resources.secondary.endpoint;
    const value = chosen.cname ?? chosen.addresses.join(',');
    const previous = this.#answer;
    this.#answer = { endpoint, value };
    if (!previous || previous.endpoint === endpoint) return;
    const serversOf = (id: string) => (this.options.serversOf?.(id) ?? [id]).join(',');
    this.options.emit('dns', 'route.changed', {
      layer: 'dns',
      resource: resources.recordName,
      from: previous.endpoint,
      to: endpoint,
      fromServers: serversOf(previous.endpoint),
      toServers: serversOf(endpoint),
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const checker of this.#checkers.values()) checker.stop();
    await this.#server?.close();
  }
}
