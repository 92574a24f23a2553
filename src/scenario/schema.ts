import { z } from 'zod';
import { defaults } from './defaults.js';
import { DURATION_PATTERN as DURATION_TEXT, durationText, parseDurationMs } from './duration.js';
import { parseLimit, type Limit } from './limit.js';
import { abortSchema } from './abort-schema.js';
import { hostSchema } from './host-schema.js';
import { notifySchema } from './notify-schema.js';
import { swarmSchema } from './swarm-schema.js';
import { checkConsistency } from './consistency.js';
import { FAULT_ACTIONS, faultKind, type FaultParam } from '../faults/catalogue.js';

const PROTOCOLS = ['tcp', 'udp', 'vrrp', 'icmp', 'all'] as const;
const SERVICES = ['app', 'keepalived', 'nginx', 'postgres'] as const;
const FAULT_PARAMS: FaultParam[] = ['latency', 'loss', 'peer', 'port', 'protocol', 'service', 'forceFailover'];

/**
 * The one schema of a scenario file. Keys read as people write YAML (`interval: 10s`); the parsed
 * value carries units in its names (`intervalMs`). `schema/scenario.schema.json` is generated from it.
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const id = (what: string) =>
  z.string().regex(ID, `expected ${what}: letters, digits, '.', '_' or '-', starting with a letter or digit`);

/** A duration such as `500ms`, `30s`, `5m`, within [minMs, maxMs]. */
function duration(description: string, minMs = 0, maxMs = Number.MAX_SAFE_INTEGER) {
  return z
    .string({ error: 'expected a duration such as 500ms, 30s, 5m or 1m30s' })
    .regex(DURATION_TEXT, 'expected a duration such as 500ms, 30s, 5m or 1m30s')
    .transform((text) => parseDurationMs(text)!)
    .refine((ms) => ms >= minMs && ms <= maxMs, {
      message: `expected a duration between ${show(minMs)} and ${show(maxMs)}`,
    })
    .meta({ description });
}

function show(ms: number): string {
  return ms === Number.MAX_SAFE_INTEGER ? 'any length' : durationText(ms);
}

const int = (min: number, max: number, description: string) =>
  z
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int(`expected an integer from ${min} to ${max}`)
    .min(min, `expected an integer from ${min} to ${max}`)
    .max(max, `expected an integer from ${min} to ${max}`)
    .meta({ description });

const share = (description: string) =>
  z
    .number({ error: 'expected a number from 0 to 1' })
    .min(0, 'expected a number from 0 to 1')
    .max(1, 'expected a number from 0 to 1')
    .meta({ description });

function limit(unit: Limit['unit'], example: string, description: string) {
  return z
    .string({ error: `expected a limit such as "${example}"` })
    .transform((text, ctx) => {
      const parsed = parseLimit(text, unit);
      if (!parsed) {
        ctx.addIssue({ code: 'custom', message: `expected a limit such as "${example}"; got '${text}'` });
        return z.NEVER;
      }
      return parsed;
    })
    .meta({ description });
}

const server = z
  .strictObject({
    id: id('a server id'),
    latency: duration('Service time of a request when the server is healthy', 0, 60_000).prefault(
      durationText(defaults.server.latencyMs),
    ),
    zone: z.string().optional().meta({ description: 'Availability zone or site, for reports' }),
    bootTime: duration('From power-on (StartInstances) to the services answering', 0, 3_600_000).prefault(durationText(defaults.server.bootMs)),
  })
  .transform(({ latency, bootTime, ...rest }) => ({ ...rest, latencyMs: latency, bootMs: bootTime }));

const route53HealthCheck = z
  .strictObject({
    interval: z
      .enum(['10s', '30s'], { error: 'expected 10s or 30s (the request intervals Route 53 offers)' })
      .prefault(durationText(defaults.route53.requestIntervalMs) as '30s')
      .meta({ description: 'Route 53 RequestInterval: 30s standard or 10s fast' }),
    failureThreshold: int(1, 10, 'Consecutive failures before a checker reports unhealthy').prefault(
      defaults.route53.failureThreshold,
    ),
    regions: int(3, 8, 'Number of checker regions').prefault(defaults.route53.regions),
    checkersPerRegion: int(1, 4, 'Health checkers per region').prefault(defaults.route53.checkersPerRegion),
    path: z.string().startsWith('/', 'expected a path starting with /').prefault(defaults.route53.path),
  })
  .transform(({ interval, ...rest }) => ({ ...rest, intervalMs: parseDurationMs(interval)! }));

const dns = z
  .strictObject({
    record: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'expected a DNS name such as app.example.com')
      .meta({ description: 'Name of the failover record' }),
    ttl: duration('TTL of the failover records', 0, 86_400_000).prefault(durationText(defaults.dns.ttlMs)),
    primary: id('an endpoint id').meta({ description: 'Server or load balancer id answered while healthy' }),
    secondary: id('an endpoint id').meta({ description: 'Server or load balancer id answered on failover' }),
    healthCheck: route53HealthCheck.prefault({}).meta({ description: 'Route 53 health check on the primary' }),
  })
  .transform(({ ttl, ...rest }) => ({ ...rest, ttlMs: ttl }));

const targetGroupHealthCheck = z
  .strictObject({
    interval: duration('HealthCheckIntervalSeconds', 5_000, 300_000).prefault(durationText(defaults.targetGroup.intervalMs)),
    timeout: duration('HealthCheckTimeoutSeconds', 2_000, 120_000).prefault(durationText(defaults.targetGroup.timeoutMs)),
    healthyThreshold: int(2, 10, 'HealthyThresholdCount').prefault(defaults.targetGroup.healthyThreshold),
    unhealthyThreshold: int(2, 10, 'UnhealthyThresholdCount').prefault(defaults.targetGroup.unhealthyThreshold),
    path: z.string().startsWith('/', 'expected a path starting with /').prefault(defaults.targetGroup.path),
  })
  .transform(({ interval, timeout, ...rest }) => ({ ...rest, intervalMs: interval, timeoutMs: timeout }));

const targetGroup = z
  .strictObject({
    id: id('a target group id'),
    priority: int(1, 1000, 'Lower is preferred: the listener forwards to the lowest priority group first'),
    targets: z.array(id('a server id')).min(1, 'expected at least one target'),
    healthCheck: targetGroupHealthCheck.prefault({}),
    deregistrationDelay: duration('Connection draining time of a deregistered target', 0, 3_600_000).prefault(
      durationText(defaults.targetGroup.deregistrationDelayMs),
    ),
  })
  .transform(({ deregistrationDelay, ...rest }) => ({ ...rest, deregistrationDelayMs: deregistrationDelay }));

const loadBalancer = z.strictObject({
  id: id('a load balancer id').prefault('lb'),
  kind: z
    .enum(['alb', 'nginx'], { error: 'expected alb or nginx' })
    .prefault('alb')
    .meta({
      description:
        'alb: an ELBv2 load balancer (target groups with active health checks, fail-open; --target sim and aws). nginx: one nginx upstream, the forwarded group\'s targets primary and the others backup, passive checks only (max_fails = unhealthyThreshold, fail_timeout = interval, proxy_connect_timeout = timeout); the next peer is tried within the request (--target sim and host)',
    }),
  targetGroups: z.array(targetGroup).min(1, 'expected at least one target group'),
});

const trackScript = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a script name such as check_app').prefault('check_app'),
    interval: duration('vrrp_script interval: how often the check runs', 100, 3_600_000).prefault('5s'),
    timeout: duration('vrrp_script timeout: a check slower than this fails (default: the interval)', 10, 3_600_000).optional(),
    fall: int(1, 255, 'Consecutive failures before the script is failed').prefault(2),
    rise: int(1, 255, 'Consecutive successes before the script is ok again').prefault(2),
    weight: int(-253, 253, 'Priority change while failed (negative) or while ok (positive); 0 puts the instance in FAULT').prefault(
      -20,
    ),
  })
  .transform(({ interval, timeout, ...rest }) => ({ ...rest, intervalMs: interval, timeoutMs: timeout ?? interval }));

const fencingScript = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a script name such as check_arbiter').prefault('check_arbiter'),
    interval: duration('vrrp_script interval: how often each node asks the arbiter (keepalived.conf(5) default 1s)', 100, 3_600_000).prefault('1s'),
    timeout: duration('vrrp_script timeout: an answer slower than this is a refusal (default: the interval)', 10, 3_600_000).optional(),
    fall: int(1, 255, 'Consecutive refusals before the node goes to FAULT and drops the address').prefault(2),
    rise: int(1, 255, 'Consecutive grants before a FAULT node is a backup again').prefault(2),
  })
  .transform(({ interval, timeout, ...rest }) => ({ ...rest, intervalMs: interval, timeoutMs: timeout ?? interval }));

const vipNode = z.strictObject({
  server: id('a server id').meta({ description: 'The host: keepalived runs here and the VIP reaches its app' }),
  priority: int(1, 254, 'VRRP priority (the seed: 100 on the primary, 90 on the backup)'),
  state: z.enum(['MASTER', 'BACKUP'], { error: 'expected MASTER or BACKUP' }).prefault('BACKUP').meta({
    description: 'Initial state as keepalived.conf writes it',
  }),
});

const vip = z
  .strictObject({
    id: id('a VIP id').prefault('vip'),
    address: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'expected an IPv4 address with prefix, such as 198.18.0.100/24')
      .optional()
      .meta({ description: 'virtual_ipaddress (real targets; the simulator only names it)' }),
    virtualRouterId: int(1, 255, 'virtual_router_id').prefault(51),
    advertInt: duration('advert_int: interval between VRRP advertisements', 10, 255_000).prefault('1s'),
    vrrpVersion: z
      .literal([2, 3], { error: 'expected 2 or 3' })
      .prefault(defaults.vrrp.version)
      .meta({ description: 'VRRP version (keepalived `version`): 2 as keepalived by default (RFC 3768, whole-second adverts), 3 for sub-second adverts (RFC 5798)' }),
    preempt: z.boolean().prefault(true).meta({ description: 'A higher-priority backup takes over from a lower-priority master' }),
    preemptDelay: duration('preempt_delay: wait this long before preempting', 0, 1_000_000).prefault('0s'),
    nodes: z.array(vipNode).min(2, 'expected at least two keepalived nodes'),
    trackScript: trackScript.optional().meta({ description: 'vrrp_script checking the local app, tracked by every node' }),
    fencing: z
      .enum(['none', 'arbiter'], { error: 'expected none or arbiter' })
      .prefault('none')
      .meta({
        description:
          'arbiter: every node runs a weight-0 vrrp_script (fencingScript) asking the controller\'s lease arbiter (etcd/Consul stand-in) whether it may hold the address; refused, it goes to FAULT',
      }),
    fencingScript: fencingScript.prefault({}).meta({ description: 'The fencing vrrp_script (weight 0) with fencing: arbiter: interval, timeout, fall, rise' }),
  })
  .transform(({ advertInt, preemptDelay, ...rest }) => ({ ...rest, advertIntMs: advertInt, preemptDelayMs: preemptDelay }));

export const DB_ENGINES = ['rds-multi-az-instance', 'rds-multi-az-cluster', 'aurora', 'rds-read-replica', 'postgres-streaming'] as const;
export type DbEngine = (typeof DB_ENGINES)[number];
export const DB_REPLICATION = ['asynchronous', 'synchronous'] as const;

const lagSpike = z
  .strictObject({
    at: duration('When replication lag jumps'),
    duration: duration('How long the spike lasts', 1),
    lag: duration('Replication lag during the spike', 0, 86_400_000),
  })
  .transform(({ at, duration: d, lag }) => ({ atMs: at, durationMs: d, lagMs: lag }));

/**
 * Patroni's defaults (dynamic configuration docs: ttl 30 s, loop_wait 10 s, retry_timeout 10 s) and
 * its documented minimums (ttl 20 s, loop_wait 1 s, retry_timeout 3 s); all whole seconds.
 */
export const PATRONI_DEFAULTS = { ttlMs: 30_000, loopWaitMs: 10_000, retryTimeoutMs: 10_000 } as const;

const wholeSeconds = (description: string, minMs: number, fallbackMs: number) =>
  duration(description, minMs, 86_400_000)
    .refine((ms) => ms % 1000 === 0, { message: 'expected whole seconds: Patroni takes its timings in seconds' })
    .prefault(durationText(fallbackMs));

const patroniTimings = z
  .strictObject({
    ttl: wholeSeconds('Patroni ttl: the leader key lapses this long after its last refresh (minimum 20 s)', 20_000, PATRONI_DEFAULTS.ttlMs),
    loopWait: wholeSeconds("Patroni loop_wait: the HA loop's sleep (minimum 1 s)", 1_000, PATRONI_DEFAULTS.loopWaitMs),
    retryTimeout: wholeSeconds('Patroni retry_timeout: DCS and PostgreSQL retries give up after this (minimum 3 s)', 3_000, PATRONI_DEFAULTS.retryTimeoutMs),
  })
  .superRefine((t, ctx) => {
    // Patroni's dynamic configuration docs: "loop_wait + 2 * retry_timeout <= ttl"
    if (t.loopWait + 2 * t.retryTimeout > t.ttl)
      ctx.addIssue({
        code: 'custom',
        path: ['ttl'],
        message: `Patroni requires loopWait + 2 × retryTimeout ≤ ttl: ${durationText(t.loopWait)} + 2 × ${durationText(t.retryTimeout)} > ${durationText(t.ttl)}`,
      });
  })
  .transform(({ ttl, loopWait, retryTimeout }) => ({ ttlMs: ttl, loopWaitMs: loopWait, retryTimeoutMs: retryTimeout }));

export const DB_ENDPOINT_MODES = ['dns', 'controller', 'vip'] as const;

/**
 * The writer check of endpoint mode `vip`: a weight-0 vrrp_script on each member asking its own
 * PostgreSQL `SELECT NOT pg_is_in_recovery()` over the Unix socket; failed (a standby, a stopped or
 * frozen server) it holds the member in FAULT. keepalived.conf(5) defaults: interval 1 s, fall 1, rise 1;
 * timeout defaults to the interval.
 */
const dbVipCheck = z
  .strictObject({
    interval: duration('vrrp_script interval: how often each member checks its PostgreSQL is the writer', 100, 3_600_000).prefault('1s'),
    timeout: duration('vrrp_script timeout: a check slower than this fails (default: the interval)', 10, 3_600_000).optional(),
    fall: int(1, 255, 'Consecutive failed checks before the member goes to FAULT and drops the address').prefault(1),
    rise: int(1, 255, 'Consecutive passed checks before a FAULT member is a backup again').prefault(1),
  })
  .transform(({ interval, timeout, ...rest }) => ({ ...rest, intervalMs: interval, timeoutMs: timeout ?? interval }));

/** `endpoint.vip`: the VRRP instance on the database members (VRRPv2, as keepalived by default: whole-second adverts). */
const dbVip = z
  .strictObject({
    virtualRouterId: int(1, 255, 'virtual_router_id (the app VIP defaults to 51)').prefault(52),
    advertInt: duration('advert_int: interval between VRRP advertisements (VRRPv2: whole seconds)', 1_000, 255_000)
      .refine((ms) => ms % 1000 === 0, { message: 'expected whole seconds: the database VIP speaks VRRPv2 (RFC 3768)' })
      .prefault('1s'),
    check: dbVipCheck.prefault({}),
  })
  .transform(({ advertInt, ...rest }) => ({ ...rest, advertIntMs: advertInt }));

const database = z
  .strictObject({
    id: id('a database id').prefault('db'),
    engine: z.enum(DB_ENGINES, { error: `expected one of ${DB_ENGINES.join(', ')}` }).meta({
      description: 'RDS Multi-AZ instance (60–120 s), Multi-AZ DB cluster (< 35 s), Aurora, read-replica promotion, PostgreSQL streaming replication',
    }),
    primary: id('a server id').meta({ description: 'Server that runs the writer' }),
    standby: id('a server id').meta({ description: 'Server that runs the standby (or replica)' }),
    failover: z
      .strictObject({ min: duration('Fastest platform failover', 0), max: duration('Slowest platform failover', 0) })
      .optional()
      .meta({ description: 'Platform failover time, detection included (default per engine, design.md §5)' }),
    replication: z.enum(DB_REPLICATION, { error: `expected one of ${DB_REPLICATION.join(', ')}` }).optional().meta({
      description:
        'postgres-streaming only (default asynchronous): synchronous makes a commit wait until the standby flushed it (synchronous_commit on, synchronous_standby_names), so a failover loses no acknowledged write',
    }),
    replicationLag: duration('Normal replication lag (default per engine: 0 when synchronous)', 0, 86_400_000).optional(),
    lagSpikes: z.array(lagSpike).prefault([]),
    lagAlert: duration('Alert when replication lag exceeds this (seed 001: 30 s)', 0).prefault('30s'),
    writeRate: z.number().positive().max(100_000).prefault(20).meta({ description: 'Writes per second the app sends' }),
    clients: z
      .array(id('a server id'))
      .optional()
      .meta({ description: 'App servers that answer 503 while they cannot write (default: every other server)' }),
    endpoint: z
      .strictObject({
        mode: z.enum(DB_ENDPOINT_MODES, { error: `expected one of ${DB_ENDPOINT_MODES.join(', ')}` }).prefault('dns').meta({
          description:
            'dns: the app re-resolves the writer endpoint after its TTL; controller: the controller repoints the app; vip: a keepalived address on the database members, held by the member whose PostgreSQL is not in recovery (postgres-streaming)',
        }),
        ttl: duration('TTL of the writer endpoint (RDS: 5 s)', 0, 3_600_000).prefault('5s'),
        vip: dbVip.optional().meta({ description: 'mode vip: the VRRP instance on the database members and its writer check (defaults: keepalived.conf(5))' }),
      })
      .prefault({})
      .superRefine((e, ctx) => {
        if (e.vip !== undefined && e.mode !== 'vip') ctx.addIssue({ code: 'custom', path: ['vip'], message: `only with mode: vip (mode is ${e.mode})` });
      })
      .transform(({ ttl, vip, ...rest }) => ({ ...rest, ttlMs: ttl, ...(rest.mode === 'vip' ? { vip: vip ?? dbVip.parse({}) } : {}) })),
    patroni: patroniTimings.optional().meta({
      description: 'postgres-streaming with layers.database: platform: Patroni timings (defaults ttl 30s, loopWait 10s, retryTimeout 10s)',
    }),
  })
  .transform(({ replicationLag, lagAlert, failover, replication, ...rest }) => ({
    ...rest,
    ...(replication !== undefined || rest.engine === 'postgres-streaming' ? { replication: replication ?? ('asynchronous' as const) } : {}),
    ...(replicationLag !== undefined ? { replicationLagMs: replicationLag } : {}),
    ...(failover ? { failoverMs: { min: failover.min, max: failover.max } } : {}),
    lagAlertMs: lagAlert,
  }));

const autoscaling = z
  .strictObject({
    id: id('an autoscaling group id').prefault('asg'),
    instances: z.array(id('a server id')).min(1, 'expected at least one instance').meta({
      description: 'Servers in service at the start',
    }),
    targetGroup: id('a target group id').optional().meta({ description: 'Target group new instances register with' }),
    min: int(0, 1000, 'MinSize').optional(),
    max: int(1, 1000, 'MaxSize').optional(),
    desired: int(0, 1000, 'DesiredCapacity (default: the number of instances)').optional(),
    healthCheckType: z.enum(['EC2', 'ELB'], { error: 'expected EC2 or ELB' }).prefault('EC2'),
    healthCheckGracePeriod: duration('HealthCheckGracePeriod: no health replacement this soon after launch', 0).prefault('300s'),
    launchTime: duration('From launch to the app answering', 0).prefault('90s'),
    cooldown: duration('DefaultCooldown between scaling activities', 0).prefault('300s'),
    instanceLatency: duration('Service time of a new instance', 0, 60_000).prefault('20ms'),
    scaleOnFailover: int(0, 100, 'The controller adds this many instances when it fails over (seed 000)').prefault(0),
  })
  .transform(({ healthCheckGracePeriod, launchTime, cooldown, instanceLatency, ...rest }) => ({
    ...rest,
    healthCheckGracePeriodMs: healthCheckGracePeriod,
    launchTimeMs: launchTime,
    cooldownMs: cooldown,
    instanceLatencyMs: instanceLatency,
  }));

const setup = z.strictObject({
  servers: z.array(server).min(1, 'expected at least one server'),
  dns: dns.optional(),
  loadBalancer: loadBalancer.optional(),
  vip: vip.optional().meta({ description: 'keepalived / VRRP virtual IP' }),
  database: database.optional().meta({ description: 'Database primary/standby' }),
  autoscaling: autoscaling.optional().meta({ description: 'Autoscaling group that replaces failed instances' }),
});

export const LAYERS = ['dns', 'loadBalancer', 'vip', 'database'] as const;
export type LayerName = (typeof LAYERS)[number];

const layerMode = z
  .enum(['platform', 'controller'], { error: 'expected platform or controller' })
  .meta({ description: 'platform: the platform fails over natively; controller: our controller switches' });

const controllerHealthCheck = z
  .strictObject({
    interval: duration('Interval between two checks of one endpoint', 100, 600_000).prefault(durationText(defaults.controller.intervalMs)),
    timeout: duration('A check slower than this fails', 10, 120_000).prefault(durationText(defaults.controller.timeoutMs)),
    healthyThreshold: int(1, 20, 'Consecutive successes before healthy').prefault(
      defaults.controller.healthyThreshold,
    ),
    unhealthyThreshold: int(1, 20, 'Consecutive failures before unhealthy').prefault(
      defaults.controller.unhealthyThreshold,
    ),
    path: z.string().startsWith('/', 'expected a path starting with /').prefault(defaults.controller.path),
  })
  .transform(({ interval, timeout, ...rest }) => ({ ...rest, intervalMs: interval, timeoutMs: timeout }));

/** Flap damping of automatic failback (after RFC 2439): defaults in src/controller/failback-damping.ts. */
const failbackDamping = z
  .strictObject({
    failbackHold: duration('How long the primary must be healthy before an automatic failback (default: healthyThreshold × interval); doubles on each flap', 0, 86_400_000).optional(),
    flapWindow: duration('A failover this soon after an automatic failback is a flap; a quiet window resets the hold (default 10m)', 0, 86_400_000).optional(),
    maxFailbackHold: duration('The hold never grows beyond this (default 10m, or failbackHold if longer)', 0, 86_400_000).optional(),
  })
  .refine((d) => d.maxFailbackHold === undefined || d.failbackHold === undefined || d.maxFailbackHold >= d.failbackHold, {
    message: 'expected maxFailbackHold ≥ failbackHold',
    path: ['maxFailbackHold'],
  })
  .transform(({ failbackHold, flapWindow, maxFailbackHold }) => ({
    ...(failbackHold !== undefined ? { failbackHoldMs: failbackHold } : {}),
    ...(flapWindow !== undefined ? { flapWindowMs: flapWindow } : {}),
    ...(maxFailbackHold !== undefined ? { maxFailbackHoldMs: maxFailbackHold } : {}),
  }));

const controller = z.strictObject({
  healthCheck: controllerHealthCheck.prefault({}),
  automaticFailover: z.boolean().prefault(true).meta({ description: 'Fail over without a human' }),
  failback: z
    .enum(['automatic', 'manual'], { error: 'expected automatic or manual' })
    .prefault('automatic')
    .meta({ description: 'Return to the primary by itself once healthy, or wait for a manual-failback operation' }),
  failoverOn: z
    .enum(['unhealthy', 'degraded'], { error: 'expected unhealthy or degraded' })
    .prefault('unhealthy')
    .meta({ description: 'Resource health that triggers an automatic failover' }),
  damping: failbackDamping.optional(),
  layers: z
    .strictObject({
      dns: layerMode.prefault('platform'),
      loadBalancer: layerMode.prefault('controller'),
      vip: layerMode.prefault('platform'),
      database: layerMode.prefault('platform'),
    })
    .prefault({}),
});

const loadFields = {
  entry: id('an endpoint id').optional().meta({
    description: 'Where clients send requests: a DNS record name, load balancer, VIP or server id (default: the DNS record, else the load balancer, else the VIP)',
  }),
  rate: z.number().positive('expected a positive rate').max(100_000).prefault(defaults.load.ratePerSec).meta({
    description: 'Requests per second over all clients',
  }),
  clients: int(1, 10_000, 'Number of clients, each with its own DNS cache').prefault(defaults.load.clients),
  honourTtl: share('Share of clients that honour the DNS TTL; the rest keep their first answer').prefault(
    defaults.load.honourTtlShare,
  ),
  timeout: duration('Client request timeout', 1, 600_000).prefault(durationText(defaults.load.timeoutMs)),
};

const toLoadSpec = <T extends { rate: number; honourTtl: number; timeout: number }>({ rate, honourTtl, timeout, ...rest }: T) => ({
  ...rest,
  ratePerSec: rate,
  honourTtlShare: honourTtl,
  timeoutMs: timeout,
});

/** The host target's load generators (design.md §10): open loop by default; autocannon (closed loop) to compare. */
export const LOAD_DRIVERS = ['open-loop', 'autocannon'] as const;

const load = z
  .strictObject({
    ...loadFields,
    probeInterval: duration('Real targets: interval of the probe whose samples give RTO its resolution', 1, 10_000).prefault(
      durationText(defaults.load.probeIntervalMs),
    ),
    driver: z
      .enum(LOAD_DRIVERS, { error: `expected one of ${LOAD_DRIVERS.join(', ')}` })
      .prefault('open-loop')
      .meta({
        description:
          'Host target: open-loop sends on a fixed schedule whether or not earlier requests answered (users); autocannon waits for each answer (closed loop). The aws target always runs open-loop; the simulator models open-loop clients',
      }),
  })
  .transform(({ probeInterval, ...rest }) => ({ ...toLoadSpec(rest), probeIntervalMs: probeInterval }));

/** A further client population, e.g. services calling an internal VIP beside the public traffic. */
const extraLoad = z
  .strictObject({
    name: id('a load name'),
    ...loadFields,
    entry: id('an endpoint id').meta({ description: 'Where these clients send requests' }),
  })
  .transform(toLoadSpec);

const fault = z
  .strictObject({
    id: id('a fault id'),
    at: duration('When the fault is injected, from the start of the run'),
    action: z.enum(FAULT_ACTIONS, { error: `expected one of ${FAULT_ACTIONS.join(', ')}` }),
    target: id('a server or database id'),
    duration: duration('Removed this long after injection; absent: stays until the end', 1).optional(),
    latency: duration('latency: added to every response', 1, 600_000).optional(),
    loss: share('packet-loss: share of packets dropped').optional(),
    peer: id('a server id').optional().meta({ description: 'network-drop/network-partition: the other host' }),
    port: int(1, 65_535, 'network-drop: destination port').optional(),
    protocol: z.enum(PROTOCOLS, { error: `expected one of ${PROTOCOLS.join(', ')}` }).optional(),
    service: z.enum(SERVICES, { error: `expected one of ${SERVICES.join(', ')}` }).optional().meta({
      description: 'service-stop/process-pause: which service on the host (default app; postgres on a setup.database member)',
    }),
    forceFailover: z.boolean().optional().meta({ description: 'aws:rds:reboot-db-instances: fail over to the standby' }),
  })
  .superRefine((f, ctx) => {
    const kind = faultKind(f.action)!;
    for (const param of kind.required) {
      if (f[param] === undefined) ctx.addIssue({ code: 'custom', path: [param], message: `${f.action} needs ${param}` });
    }
    const allowed = new Set<string>([...kind.required, ...kind.optional]);
    for (const param of FAULT_PARAMS) {
      if (f[param] !== undefined && !allowed.has(param))
        ctx.addIssue({
          code: 'custom',
          path: [param],
          message: `${param} does not apply to ${f.action}${allowed.size ? `; it takes ${[...allowed].join(', ')}` : ''}`,
        });
    }
    if (!kind.removable && f.duration !== undefined)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: `${f.action} cannot be undone: remove duration` });
  })
  .transform(({ at, duration: d, latency, ...rest }) => ({
    ...rest,
    atMs: at,
    ...(d !== undefined ? { durationMs: d } : {}),
    ...(latency !== undefined ? { latencyMs: latency } : {}),
  }));

export const OPERATION_ACTIONS = ['planned-failover', 'manual-failover', 'manual-failback'] as const;

const operation = z
  .strictObject({
    id: id('an operation id').optional(),
    at: duration('When the operator asks for it'),
    action: z.enum(OPERATION_ACTIONS, { error: `expected one of ${OPERATION_ACTIONS.join(', ')}` }),
    layer: z.enum(LAYERS, { error: `expected one of ${LAYERS.join(', ')}` }),
    maintenance: duration('planned-failover: how long the drained primary stays down for maintenance', 1).optional(),
  })
  .transform(({ at, maintenance, ...rest }) => ({
    ...rest,
    atMs: at,
    ...(maintenance !== undefined ? { maintenanceMs: maintenance } : {}),
  }));

const expectations = z
  .strictObject({
    detection: limit('ms', '< 30s', 'Fault to first unhealthy verdict (worst fault)').optional(),
    switch: limit('ms', '< 60s', 'Detection to routing change (worst fault)').optional(),
    rto: limit('ms', '< 120s', 'Fault to clients succeeding again (worst fault)').optional(),
    failback: limit('ms', '< 120s', 'Fault removal to traffic back on the primary').optional(),
    downtime: limit('ms', '< 60s', 'Time in which clients saw errors').optional(),
    errorRate: limit('ratio', '< 1%', 'Failed requests / all requests over the run').optional(),
    errors: limit('count', '0', 'Failed requests over the run').optional(),
    replacement: limit('ms', '< 5m', 'Fault to a replacement instance healthy in its target group').optional(),
    rpo: limit('ms', '< 1s', 'Data lost at failover, as time: acknowledged writes the standby never got').optional(),
    lostWrites: limit('count', '0', 'Data lost at failover, as acknowledged writes').optional(),
    splitBrain: limit('ms', '< 5s', 'Total time with two VIP holders; absent: any split brain fails the run').optional(),
    withinBounds: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .meta({ description: 'Fail the run when a figure lies outside the bound the configuration implies (faildrill explain); without it such figures are flagged only' }),
  })
  .meta({ description: 'Limits the run must meet; absent: seed 001 targets (detection < 30s, switch < 60s, RTO < 120s)' });

const measure = z
  .strictObject({
    recovery: z
      .strictObject({
        window: duration('Length of the window that counts as recovered', 100, 600_000).prefault(durationText(defaults.measure.recoveryWindowMs)),
        successRatio: share('Success ratio the window needs').prefault(defaults.measure.recoverySuccessRatio),
      })
      .prefault({})
      .transform(({ window, ...rest }) => ({ ...rest, windowMs: window })),
    resolution: duration('Sample bucket width (simulator)', 10, 10_000).prefault(durationText(defaults.measure.resolutionMs)),
  })
  .transform(({ resolution, ...rest }) => ({ ...rest, resolutionMs: resolution }));

/** Well below the 255 bytes a file name may have: the name is a folder of reports/. */
export const MAX_NAME_LENGTH = 100;

/** The scenario file as written; cross-references are checked by {@link checkReferences}. */
const scenarioObject = z.strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase name such as dns-failover')
      .max(MAX_NAME_LENGTH, `expected at most ${MAX_NAME_LENGTH} characters: the name is a folder name of every report (reports/<name>/…)`)
      .meta({ description: 'Scenario name; names the output folder' }),
    description: z.string().prefault('').meta({ description: 'One line shown by `faildrill list`' }),
    seed: int(0, 2 ** 31 - 1, 'Root seed of the simulator; --seed overrides it').prefault(defaults.seed),
    duration: duration('Length of the run', 1_000, 7 * 86_400_000),
    setup: setup,
    controller: controller.prefault({}),
    load: load.prefault({}),
    loads: z.array(extraLoad).prefault([]).meta({ description: 'More client populations, each with its own entry point' }),
    faults: z.array(fault).prefault([]),
    operations: z.array(operation).prefault([]),
    expect: expectations.optional(),
    abort: abortSchema.optional(),
    measure: measure.prefault({}),
    swarm: swarmSchema.optional(),
    host: hostSchema.optional(),
    notify: notifySchema.prefault([]),
  });

export const scenarioSchema = scenarioObject
  .superRefine(
    (s, ctx) => {
      checkReferences(s, ctx);
      checkConsistency(s, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    },
    // zod 4 runs a refinement after continuable issues (a duration that fails its pattern stays text):
    // the cross-field rules need every field parsed, so they wait until the fields are right
    { when: (payload) => payload.issues.length === 0 },
  )
  .transform(({ duration: d, expect, ...rest }) => ({
    ...rest,
    durationMs: d,
    // seed 001's targets apply when a scenario injects something and states nothing
    expect: expect ?? (rest.faults.length + rest.operations.length > 0 ? defaultExpectations() : {}),
  }));

function defaultExpectations(): z.output<typeof expectations> {
  return {
    detection: parseLimit(defaults.expect.detection, 'ms')!,
    switch: parseLimit(defaults.expect.switch, 'ms')!,
    rto: parseLimit(defaults.expect.rto, 'ms')!,
  };
}

/** The scenario as written, with fields parsed, before the cross-field checks. */
export type ScenarioDraft = z.output<typeof scenarioObject>;
type Parsed = ScenarioDraft;

/** Cross-reference rules that a JSON schema cannot say: ids exist, are unique, faults happen within the run. */
function checkReferences(s: Parsed, ctx: z.RefinementCtx): void {
  const serverIds = new Set<string>();
  s.setup.servers.forEach((srv, i) => {
    if (serverIds.has(srv.id)) ctx.addIssue({ code: 'custom', path: ['setup', 'servers', i, 'id'], message: `duplicate server id '${srv.id}'` });
    serverIds.add(srv.id);
  });
  const known = (ids: Iterable<string>) => [...ids].join(', ');
  const lb = s.setup.loadBalancer;
  const endpoints = new Set(serverIds);
  if (lb) {
    if (serverIds.has(lb.id))
      ctx.addIssue({ code: 'custom', path: ['setup', 'loadBalancer', 'id'], message: `'${lb.id}' is already a server id` });
    endpoints.add(lb.id);
    const tgIds = new Set<string>();
    lb.targetGroups.forEach((tg, i) => {
      if (tgIds.has(tg.id))
        ctx.addIssue({ code: 'custom', path: ['setup', 'loadBalancer', 'targetGroups', i, 'id'], message: `duplicate target group id '${tg.id}'` });
      tgIds.add(tg.id);
      tg.targets.forEach((t, j) => {
        if (!serverIds.has(t))
          ctx.addIssue({
            code: 'custom',
            path: ['setup', 'loadBalancer', 'targetGroups', i, 'targets', j],
            message: `unknown server '${t}'; expected one of ${known(serverIds)}`,
          });
      });
    });
  }
  const vipSetup = s.setup.vip;
  if (vipSetup) {
    if (endpoints.has(vipSetup.id))
      ctx.addIssue({ code: 'custom', path: ['setup', 'vip', 'id'], message: `'${vipSetup.id}' is already a server or load balancer id` });
    endpoints.add(vipSetup.id);
    const nodeServers = new Set<string>();
    vipSetup.nodes.forEach((node, i) => {
      if (!serverIds.has(node.server))
        ctx.addIssue({ code: 'custom', path: ['setup', 'vip', 'nodes', i, 'server'], message: `unknown server '${node.server}'; expected one of ${known(serverIds)}` });
      if (nodeServers.has(node.server))
        ctx.addIssue({ code: 'custom', path: ['setup', 'vip', 'nodes', i, 'server'], message: `'${node.server}' already runs a keepalived node` });
      nodeServers.add(node.server);
    });
    // RFC 3768 §5.3.7: VRRPv2 advertises whole seconds (1–255); RFC 5798 §5.2.7: VRRPv3 centiseconds (≤ 40.95 s)
    if (vipSetup.vrrpVersion === 2 && vipSetup.advertIntMs % 1000 !== 0)
      ctx.addIssue({ code: 'custom', path: ['setup', 'vip', 'advertInt'], message: 'VRRPv2 advertises whole seconds: a sub-second advertInt needs vrrpVersion: 3' });
    if (vipSetup.vrrpVersion === 3 && (vipSetup.advertIntMs % 10 !== 0 || vipSetup.advertIntMs > 40_950))
      ctx.addIssue({ code: 'custom', path: ['setup', 'vip', 'advertInt'], message: 'VRRPv3 advertises in centiseconds: expected a multiple of 10ms up to 40.95s' });
  }
  const asg = s.setup.autoscaling;
  if (asg) {
    asg.instances.forEach((inst, i) => {
      if (!serverIds.has(inst))
        ctx.addIssue({ code: 'custom', path: ['setup', 'autoscaling', 'instances', i], message: `unknown server '${inst}'; expected one of ${known(serverIds)}` });
    });
    if (asg.targetGroup !== undefined && !lb?.targetGroups.some((tg) => tg.id === asg.targetGroup))
      ctx.addIssue({ code: 'custom', path: ['setup', 'autoscaling', 'targetGroup'], message: `unknown target group '${asg.targetGroup}'` });
    if (asg.targetGroup !== undefined && lb?.kind === 'nginx')
      ctx.addIssue({ code: 'custom', path: ['setup', 'autoscaling', 'targetGroup'], message: 'an nginx upstream registers no instances: a targetGroup needs setup.loadBalancer.kind alb' });
    if (asg.healthCheckType === 'ELB' && asg.targetGroup === undefined)
      ctx.addIssue({ code: 'custom', path: ['setup', 'autoscaling', 'healthCheckType'], message: 'ELB health checks need a targetGroup' });
  }
  const db = s.setup.database;
  if (db) {
    for (const key of ['primary', 'standby'] as const) {
      if (!serverIds.has(db[key]))
        ctx.addIssue({ code: 'custom', path: ['setup', 'database', key], message: `unknown server '${db[key]}'; expected one of ${known(serverIds)}` });
    }
    if (db.primary === db.standby)
      ctx.addIssue({ code: 'custom', path: ['setup', 'database', 'standby'], message: 'expected a server other than the primary' });
    (db.clients ?? []).forEach((c, i) => {
      if (!serverIds.has(c)) ctx.addIssue({ code: 'custom', path: ['setup', 'database', 'clients', i], message: `unknown server '${c}'` });
    });
    if (db.replication !== undefined && db.engine !== 'postgres-streaming')
      ctx.addIssue({ code: 'custom', path: ['setup', 'database', 'replication'], message: `replication applies to postgres-streaming; ${db.engine} replicates as the engine does` });
    if (db.failoverMs && db.failoverMs.min > db.failoverMs.max)
      ctx.addIssue({ code: 'custom', path: ['setup', 'database', 'failover', 'max'], message: 'expected max >= min' });
    if (db.patroni && db.engine !== 'postgres-streaming')
      ctx.addIssue({ code: 'custom', path: ['setup', 'database', 'patroni'], message: `Patroni manages postgres-streaming, not ${db.engine}` });
  }
  const dnsSetup = s.setup.dns;
  if (dnsSetup) {
    for (const key of ['primary', 'secondary'] as const) {
      if (!endpoints.has(dnsSetup[key]))
        ctx.addIssue({
          code: 'custom',
          path: ['setup', 'dns', key],
          message: `unknown endpoint '${dnsSetup[key]}'; expected a server or load balancer id: ${known(endpoints)}`,
        });
    }
    if (dnsSetup.primary === dnsSetup.secondary)
      ctx.addIssue({ code: 'custom', path: ['setup', 'dns', 'secondary'], message: 'expected an endpoint other than the primary' });
  }
  const entries = new Set([...endpoints, ...(dnsSetup ? [dnsSetup.record] : [])]);
  const loadEntries: Array<[Array<string | number>, string | undefined]> = [
    [['load', 'entry'], s.load.entry],
    ...s.loads.map((l, i): [Array<string | number>, string | undefined] => [['loads', i, 'entry'], l.entry]),
  ];
  for (const [path, entry] of loadEntries) {
    if (entry !== undefined && !entries.has(entry))
      ctx.addIssue({ code: 'custom', path, message: `unknown entry '${entry}'; expected one of ${known(entries)}` });
  }
  const runMs = s.duration;
  const faultIds = new Set<string>();
  s.faults.forEach((f, i) => {
    if (faultIds.has(f.id)) ctx.addIssue({ code: 'custom', path: ['faults', i, 'id'], message: `duplicate fault id '${f.id}'` });
    faultIds.add(f.id);
    if (f.action === 'aws:rds:failover-db-cluster' && db && !['rds-multi-az-cluster', 'aurora'].includes(db.engine))
      ctx.addIssue({ code: 'custom', path: ['faults', i, 'action'], message: `failover-db-cluster needs a DB cluster engine (rds-multi-az-cluster, aurora), not ${db.engine}` });
    if (f.action === 'aws:rds:reboot-db-instances' && db?.engine === 'postgres-streaming')
      ctx.addIssue({ code: 'custom', path: ['faults', i, 'action'], message: 'reboot-db-instances applies to RDS engines, not postgres-streaming' });
    if (faultKind(f.action)!.subject === 'database' && f.target !== db?.id)
      ctx.addIssue({
        code: 'custom',
        path: ['faults', i, 'target'],
        message: db ? `expected the database id '${db.id}'` : `${f.action} needs setup.database`,
      });
    if (faultKind(f.action)!.subject === 'server' && !serverIds.has(f.target))
      ctx.addIssue({ code: 'custom', path: ['faults', i, 'target'], message: `unknown server '${f.target}'; expected one of ${known(serverIds)}` });
    if (f.service === 'postgres' && db?.primary !== f.target && db?.standby !== f.target)
      ctx.addIssue({ code: 'custom', path: ['faults', i, 'service'], message: `postgres runs on the setup.database members only${db ? ` (${db.primary}, ${db.standby})` : ''}` });
    if (f.peer !== undefined && (!serverIds.has(f.peer) || f.peer === f.target))
      ctx.addIssue({
        code: 'custom',
        path: ['faults', i, 'peer'],
        message: `expected another server than the target; one of ${known([...serverIds].filter((id) => id !== f.target))}`,
      });
    if (f.atMs >= runMs)
      ctx.addIssue({
        code: 'custom',
        path: ['faults', i, 'at'],
        message: `fault at ${durationText(f.atMs)} is not before the end of the run (duration ${durationText(runMs)})`,
      });
  });
  s.operations.forEach((op, i) => {
    if (op.layer === 'dns' && !dnsSetup)
      ctx.addIssue({ code: 'custom', path: ['operations', i, 'layer'], message: 'the scenario has no setup.dns' });
    if (op.layer === 'database' && !db)
      ctx.addIssue({ code: 'custom', path: ['operations', i, 'layer'], message: 'the scenario has no setup.database' });
    if (op.layer === 'vip' && !vipSetup)
      ctx.addIssue({ code: 'custom', path: ['operations', i, 'layer'], message: 'the scenario has no setup.vip' });
    if (op.layer === 'loadBalancer' && (!lb || lb.targetGroups.length < 2))
      ctx.addIssue({ code: 'custom', path: ['operations', i, 'layer'], message: 'expected setup.loadBalancer with at least two target groups' });
    if (op.atMs >= runMs)
      ctx.addIssue({ code: 'custom', path: ['operations', i, 'at'], message: `operation at ${durationText(op.atMs)} is not before the end of the run (duration ${durationText(runMs)})` });
    if (op.action === 'planned-failover' && op.maintenanceMs === undefined)
      ctx.addIssue({ code: 'custom', path: ['operations', i, 'maintenance'], message: 'expected a maintenance duration (e.g. 3m) for planned-failover' });
  });
  const appServers = s.setup.servers.filter((srv) => srv.id !== db?.primary && srv.id !== db?.standby);
  if (!dnsSetup && !lb && !vipSetup && appServers.length > 1)
    ctx.addIssue({ code: 'custom', path: ['setup'], message: 'expected setup.dns, setup.loadBalancer or setup.vip to route between several servers' });
}


/** A validated scenario with defaults applied and durations in milliseconds. */
export type Scenario = z.output<typeof scenarioSchema>;
export type ServerSpec = Scenario['setup']['servers'][number];
export type DnsSpec = NonNullable<Scenario['setup']['dns']>;
export type LoadBalancerSpec = NonNullable<Scenario['setup']['loadBalancer']>;
export type TargetGroupSpec = LoadBalancerSpec['targetGroups'][number];
export type FaultSpec = Scenario['faults'][number];
export type LoadSpec = Scenario['loads'][number] | Scenario['load'];
export type OperationSpec = Scenario['operations'][number];
export type ControllerSpec = Scenario['controller'];
export type LayerMode = Scenario['controller']['layers']['dns'];
export type Expectations = z.output<typeof expectations>;
/** The expectations with a limit (withinBounds is a switch, not a limit). */
export type ExpectationName = Exclude<keyof Expectations, 'withinBounds'>;
export type DatabaseSpec = NonNullable<Scenario['setup']['database']>;
export type AutoscalingSpec = NonNullable<Scenario['setup']['autoscaling']>;
export type { AbortSpec } from './abort-schema.js';
