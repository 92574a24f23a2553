/**
 * Every default a scenario falls back on, in one place, each with its source.
 * Sources: design.md §5 and the documents it cites (Route 53 developer guide, ELBv2 target group
 * health checks, keepalived.conf(5), RFC 5798, RDS and Patroni documentation) and seed 001's targets.
 */
export const defaults = {
  /** Root seed when neither the scenario nor `--seed` sets one. */
  seed: 1,
  server: {
    /** Service time of a healthy app server; an assumption, not a platform figure. */
    latencyMs: 20,
    /**
     * From StartInstances to the services answering again (the instance boots, then its services
     * start); an assumption — EC2 documents no figure. A stopped instance's services do not answer
     * at the start instant.
     */
    bootMs: 30_000,
  },
  route53: {
    /** Route 53 health check request interval: 30 s standard, 10 s "fast" (Route 53 developer guide). */
    requestIntervalMs: 30_000,
    /** Consecutive failures before a checker considers the endpoint unhealthy: default 3, range 1–10. */
    failureThreshold: 3,
    /** Checker regions: 8 by default, at least 3 may be chosen (Route 53 API `Regions`). */
    regions: 8,
    /** Health checkers per region; ~16 checkers give "a request every ~2 s" at a 30 s interval. */
    checkersPerRegion: 2,
    /** Route 53 considers an endpoint healthy when more than 18 % of its checkers report healthy. */
    healthyCheckerShare: 0.18,
    /** HTTP checks: TCP connection within 4 s, then a 2xx/3xx response within 2 s. */
    connectTimeoutMs: 4_000,
    responseTimeoutMs: 2_000,
    path: '/health',
    /**
     * ChangeResourceRecordSets → INSYNC: changes reach all Route 53 servers "generally within 60
     * seconds" (Route 53 API reference, GetChange). Modelled as uniform within that bound, seeded.
     */
    propagationMs: { min: 0, max: 60_000 },
  },
  dns: {
    /** Failover record TTL; AWS recommends ≤ 60 s for records with health checks. */
    ttlMs: 60_000,
  },
  targetGroup: {
    /** ALB target group health checks (ELBv2 docs): interval 30 s (5–300), timeout 5 s, thresholds 5 healthy / 2 unhealthy. */
    intervalMs: 30_000,
    timeoutMs: 5_000,
    healthyThreshold: 5,
    unhealthyThreshold: 2,
    /** Deregistration delay (connection draining): 300 s by default (0–3600). */
    deregistrationDelayMs: 300_000,
    path: '/health',
  },
  controller: {
    /** Our controller's own checks: faster than the platform's, to meet seed 001's detection < 30 s. */
    intervalMs: 5_000,
    timeoutMs: 2_000,
    healthyThreshold: 3,
    unhealthyThreshold: 3,
    path: '/health',
  },
  load: {
    ratePerSec: 50,
    clients: 50,
    /** Share of clients that honour the DNS TTL; the rest keep their first answer for the whole run. */
    honourTtlShare: 1,
    timeoutMs: 5_000,
    /** Real targets: a fixed-interval probe beside the load gives RTO its resolution (issue 5: 20 ms). */
    probeIntervalMs: 20,
  },
  /**
   * Database engines (design.md §5): RDS Multi-AZ instance failover 60–120 s; Multi-AZ DB cluster
   * under 35 s; Aurora with a replica under 60 s, often under 30 s. postgres-streaming in platform
   * mode is Patroni, whose failover (or restart in place) the simulator and explain derive from the
   * scenario's `setup.database.patroni` timings (src/scenario/patroni.ts), not from here. Synchronous
   * replication (Multi-AZ instance, cluster quorum, Aurora's shared storage) loses nothing; read
   * replicas and streaming standbys lag. Promotion, reboot and lag figures marked "assumed" are ours.
   * `failoverMs` is the documented failover time, detection included; `detectionMs` is the part of it
   * before the platform notices a crashed writer and starts promoting (AWS documents no split: ours,
   * kept below `failoverMs.min` so detection + promotion stays within the documented range).
   */
  database: {
    'rds-multi-az-instance': {
      failoverMs: { min: 60_000, max: 120_000 },
      detectionMs: { min: 10_000, max: 30_000 }, // assumed
      promotionMs: { min: 60_000, max: 120_000 },
      replicationLagMs: 0,
      automaticFailover: true,
      fencesOldPrimary: true,
      rebootMs: 60_000, // assumed
    },
    'rds-multi-az-cluster': {
      failoverMs: { min: 15_000, max: 35_000 },
      detectionMs: { min: 5_000, max: 10_000 }, // assumed
      promotionMs: { min: 15_000, max: 35_000 },
      replicationLagMs: 0,
      automaticFailover: true,
      fencesOldPrimary: true,
      rebootMs: 30_000, // assumed
    },
    aurora: {
      failoverMs: { min: 10_000, max: 50_000 },
      detectionMs: { min: 5_000, max: 10_000 }, // assumed
      promotionMs: { min: 10_000, max: 50_000 },
      replicationLagMs: 0,
      automaticFailover: true,
      fencesOldPrimary: true,
      rebootMs: 30_000, // assumed
    },
    'rds-read-replica': {
      // RDS never promotes a read replica by itself: the controller (or an operator) must
      failoverMs: { min: 60_000, max: 180_000 }, // assumed: "promotion takes a few minutes"
      detectionMs: { min: 0, max: 0 }, // no platform detection: the failover is someone's call
      promotionMs: { min: 60_000, max: 180_000 },
      replicationLagMs: 1_000, // assumed
      automaticFailover: false,
      fencesOldPrimary: false,
      rebootMs: 60_000, // assumed
    },
    'postgres-streaming': {
      // failoverMs and detectionMs: Patroni's defaults (ttl 30, loop_wait 10, retry_timeout 10) worked
      // out for reference — the key lapses ttl − loop_wait … ttl after the leader is lost, the replica
      // leads within ttl + loop_wait + retry_timeout. Nothing draws from them: platform mode derives
      // both from the scenario's timings (src/scenario/patroni.ts), and no FIS action fails it over.
      failoverMs: { min: 20_000, max: 50_000 },
      detectionMs: { min: 20_000, max: 30_000 },
      // controller mode: fence (REJECT + immediate shutdown), pg_promote() and the apps repointed — measured on the host
      // target 0.23–0.35 s (test/host/postgres-drill.test.ts, postgres-patroni.test.ts); up to 1 s for a loaded machine
      promotionMs: { min: 100, max: 1_000 },
      replicationLagMs: 100, // assumed
      automaticFailover: true,
      fencesOldPrimary: true,
      rebootMs: 10_000, // assumed
    },
  },
  vrrp: {
    /** VRRP version keepalived speaks unless told otherwise: 2 (keepalived.conf(5): `vrrp_version` "default: 2"). */
    version: 2,
  },
  arbiter: {
    /** Lease TTL of the fencing arbiter: Consul's minimum session TTL is 10 s (Consul sessions docs). */
    leaseTtlMs: 10_000,
  },
  measure: {
    /** Recovery: the first window of this length, after the first client error, with at least this success ratio. */
    recoveryWindowMs: 5_000,
    recoverySuccessRatio: 0.99,
    /** Width of a sample bucket in the simulator: the resolution of RTO and downtime. */
    resolutionMs: 100,
  },
  /** Seed 001's target metrics, the expectations when a scenario states none (design.md §4). */
  expect: {
    detection: '< 30s',
    switch: '< 60s',
    rto: '< 120s',
  },
} as const;
