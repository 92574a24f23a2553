import type { DbEngine } from '../../../scenario/schema.js';
import type { AwsService } from '../clients.js';

/**
 * Every kind of AWS resource faildrill creates, in the order teardown deletes them: a resource is
 * deleted before whatever it depends on (records before health checks, load balancers before target
 * groups, DB instances before their cluster and subnet group, instances before subnets and the VPC).
 */
export const DELETE_ORDER = [
  'fis:experiment',
  'fis:experiment-template',
  'cloudwatch:alarm',
  'autoscaling:group',
  'ec2:launch-template',
  'route53:hosted-zone',
  'route53:health-check',
  'elbv2:load-balancer',
  'elbv2:target-group',
  'rds:db-instance',
  'rds:db-cluster',
  'rds:db-subnet-group',
  'ec2:instance',
  'ec2:network-acl',
  'ec2:subnet',
  'ec2:vpc',
  'sns:topic',
] as const;
export type ResourceKind = (typeof DELETE_ORDER)[number];

/**
 * One AWS resource faildrill created or found by its tag. `id` is what the service's delete call takes:
 * an ARN (ELBv2, SNS, FIS experiments are ids), a name (alarms, Auto Scaling groups, RDS identifiers,
 * DB subnet groups) or an id (EC2, Route 53, launch templates, FIS templates).
 */
export interface TaggedResource {
  kind: ResourceKind;
  id: string;
  /** The run-id tag's value, when known. */
  runId?: string;
}

/** An EC2 instance standing for one scenario server. */
export interface InstanceResource {
  instanceId: string;
  /** `arn:aws:ec2:<region>:<account>:instance/<id>` (FIS targets). */
  arn: string;
  privateIp: string;
  privateDnsName: string;
  /** The AWS availability zone it runs in (see {@link NetworkResources.zones}). */
  zone: string;
  subnetId: string;
}

/** The VPC and one subnet per availability zone in use. */
export interface NetworkResources {
  vpcId: string;
  /** Subnet id by AWS availability zone. */
  subnets: Record<string, string>;
  /**
   * AWS availability zone by the zone a scenario names (`servers[].zone`). A zone outside the run's
   * region (dns-failover's us-west-2a when the run is in us-east-1) maps to another zone of the region.
   */
  zones: Record<string, string>;
  /** The AMI the instances and the launch template use, picked from the region's `DescribeImages`. */
  imageId: string;
}

/** A target group of `setup.loadBalancer.targetGroups`. */
export interface TargetGroupResource {
  arn: string;
  name: string;
  priority: number;
  /** Scenario server ids registered as targets. */
  targets: string[];
  /** CloudWatch's `TargetGroup` dimension: `targetgroup/<name>/<id>`. */
  dimension: string;
}

/** `setup.loadBalancer`: an application load balancer, its listener and target groups. */
export interface LoadBalancerResources {
  /** Scenario id of the load balancer. */
  id: string;
  arn: string;
  name: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  /** CloudWatch's `LoadBalancer` dimension: `app/<name>/<id>`. */
  dimension: string;
  listenerArn: string;
  /** Scenario id of the group the listener forwards to at the start (lowest priority number). */
  primaryTargetGroup: string;
  /** Target groups by scenario id. */
  targetGroups: Record<string, TargetGroupResource>;
}

/** One failover record set of `setup.dns`. */
export interface FailoverRecordResource {
  /** Scenario id of the server or load balancer it answers with. */
  endpoint: string;
  setIdentifier: string;
  failover: 'PRIMARY' | 'SECONDARY';
  /** The record's value: a private IP (A) or a DNS name (CNAME). */
  value: string;
  /** The Route 53 health check attached to the record; the seed attaches one to the primary only. */
  healthCheckId?: string;
}

/** `setup.dns`: a hosted zone, health checks and a PRIMARY/SECONDARY pair of failover record sets. */
export interface DnsResources {
  /** Hosted zone id without the `/hostedzone/` prefix. */
  hostedZoneId: string;
  zoneName: string;
  /** The record name as Route 53 stores it (trailing dot). */
  recordName: string;
  /** A when both endpoints are servers (their private IPs); CNAME when one is the load balancer. */
  recordType: 'A' | 'CNAME';
  ttlSec: number;
  primary: FailoverRecordResource;
  secondary: FailoverRecordResource;
  /** Health check id by endpoint id (both endpoints get one, as in seed 000). */
  healthChecks: Record<string, string>;
}

/** `setup.database`: an RDS Multi-AZ instance, a DB cluster, or an instance with a read replica. */
export interface DatabaseResources {
  /** Scenario id of the database. */
  id: string;
  engine: DbEngine;
  /** The RDS engine name (`postgres`, `aurora-postgresql`). */
  rdsEngine: string;
  subnetGroupName: string;
  /** DB cluster identifier (rds-multi-az-cluster, aurora). */
  clusterId?: string;
  clusterArn?: string;
  /** DB instance identifier of the writer. */
  writer: string;
  writerArn: string;
  /** DB instance identifier of the standby that takes over: the cluster reader or the read replica; absent for a Multi-AZ instance, whose standby has no identifier of its own. */
  standby?: string;
  standbyArn?: string;
  /** Read replica identifiers (rds-read-replica). */
  replicas: string[];
  /** Scenario server ids the writer and standby stand for (no EC2 instance is made for them). */
  hosts: { primary: string; standby: string };
}

/** `setup.autoscaling`: a launch template, an Auto Scaling group holding the scenario's instances, a step-scaling policy. */
export interface AutoscalingResources {
  /** Scenario id of the group. */
  id: string;
  name: string;
  arn: string;
  launchTemplateId: string;
  launchTemplateName: string;
  /** The step-scaling failover policy (seed 000's `<group>-failover-scale-up`). */
  policyName: string;
  policyArn: string;
  /** Scenario server ids attached to the group (their instances are in {@link AwsResources.instances}). */
  instances: string[];
  /** Scenario id of the target group the group registers with. */
  targetGroup?: string;
}

/** A CloudWatch alarm whose action is the failover topic. */
export interface AlarmResource {
  name: string;
  arn: string;
  /** What it watches: `targetGroup:<id>` (UnHealthyHostCount) or `healthCheck:<endpoint id>` (Route 53 HealthCheckStatus). */
  watches: string;
}

/** Everything provisioning created for one run, by scenario id. */
export interface AwsResources {
  runId: string;
  scenario: string;
  region: string;
  /** From STS GetCallerIdentity (never assumed). */
  accountId: string;
  network: NetworkResources;
  /** EC2 instances by scenario server id (servers that host the RDS database have none). */
  instances: Record<string, InstanceResource>;
  loadBalancer?: LoadBalancerResources;
  dns?: DnsResources;
  database?: DatabaseResources;
  autoscaling?: AutoscalingResources;
  /** Alarms by the id of what they watch. */
  alarms: AlarmResource[];
  /** The SNS topic for failover notifications. */
  topic: { name: string; arn: string };
  /** Everything created, in creation order: what {@link teardown} deletes. */
  inventory: TaggedResource[];
  /** What provisioning did differently from the scenario because of the emulator or the region, for the event log. */
  notes: string[];
}

/** Something provisioning could not create; the session exits 2 naming it. */
export interface ProvisionProblem {
  /** What could not be created, as the scenario names it (`setup.loadBalancer.targetGroups.tg-blue`). */
  subject: string;
  service: AwsService;
  /** The API operation that failed (`CreateDBCluster`). */
  operation: string;
  /** The service's error name as the SDK reports it (`NotImplemented`, `InternalFailure`, `InvalidParameterValue`). */
  errorName: string;
  message: string;
  httpStatus?: number;
  /** Scenario parts not attempted because they need this one. */
  skipped: string[];
}

/** What {@link provision} returns: everything, or what is missing and what was created anyway (to tear down). */
export type ProvisionResult =
  | { complete: true; resources: AwsResources }
  | { complete: false; problems: ProvisionProblem[]; inventory: TaggedResource[]; notes: string[] };
