import { PortError } from '../../../controller/port-error.js';
import type { DbEngine } from '../../../scenario/schema.js';

/**
 * The AWS ids the controller's ports act on, keyed by the scenario's ids (the controller speaks in
 * scenario ids: record names, load balancer, target group, server, database and group ids). A
 * structural subset of provisioning's `AwsResources` (`../provision/resources.ts`), so the session
 * hands that object over as it is; tests build one by hand from what they created.
 */
export interface PortResources {
  /** EC2 instance by scenario server id: target ids are reported back as server ids. */
  instances: Record<string, { instanceId: string }>;
  dns?: {
    /** Hosted zone id (with or without the `/hostedzone/` prefix). */
    hostedZoneId: string;
    /** The record name, with or without the trailing dot. */
    recordName: string;
    recordType: string;
    /** Each member's record set, by its `SetIdentifier`. */
    primary: { setIdentifier: string };
    secondary: { setIdentifier: string };
  };
  loadBalancer?: {
    /** Scenario id of the load balancer. */
    id: string;
    listenerArn: string;
    /** Target group ARN by scenario target group id. */
    targetGroups: Record<string, { arn: string }>;
  };
  database?: {
    /** Scenario id of the database. */
    id: string;
    engine: DbEngine;
    /** DB cluster identifier (rds-multi-az-cluster, aurora). */
    clusterId?: string;
    /** DB instance identifier of the writer at the start. */
    writer: string;
    /** DB instance identifier of the cluster reader or read replica that takes over. */
    standby?: string;
    /** Scenario server ids the writer and the standby stand for. */
    hosts: { primary: string; standby: string };
  };
  autoscaling?: {
    /** Scenario id of the group. */
    id: string;
    /** The Auto Scaling group's name. */
    name: string;
  };
  /** The SNS topic for failover notifications. */
  topic?: { arn: string };
}

/** The resource a port was asked about, or an `INVALID` PortError naming what the run does not have. */
export function lookup<T>(found: T | undefined, port: string, operation: string, what: string): T {
  if (found === undefined) throw new PortError('INVALID', port, operation, `the run has no ${what}`);
  return found;
}

/** The scenario server id of an EC2 instance id (or IP target), or the AWS id itself when no server stands for it (an instance the Auto Scaling group launched). */
export function serverOfInstance(resources: PortResources, instanceId: string): string {
  for (const [server, instance] of Object.entries(resources.instances)) if (instance.instanceId === instanceId) return server;
  return instanceId;
}
