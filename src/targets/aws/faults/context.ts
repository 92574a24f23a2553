import type { EventSink } from '../../../controller/ports.js';
import type { FaultEffect } from '../../../run/target.js';
import type { AwsClients } from '../clients.js';
import type { DatabaseResources, InstanceResource, NetworkResources, TaggedResource } from '../provision/resources.js';

/** A fault as the aws target applies it: the session's {@link FaultEffect} plus its duration, when it has one (FIS templates carry it). */
export type AwsFault = FaultEffect & { durationMs?: number };

/** The FIS actions faildrill can apply on the aws target (`src/faults/catalogue.ts`). */
export const AWS_FAULT_ACTIONS = [
  'aws:ec2:stop-instances',
  'aws:ec2:terminate-instances',
  'aws:network:disrupt-connectivity',
  'aws:rds:failover-db-cluster',
  'aws:rds:reboot-db-instances',
] as const;
export type AwsFaultAction = (typeof AWS_FAULT_ACTIONS)[number];

/** True when `action` is one of {@link AWS_FAULT_ACTIONS}. */
export function isAwsFaultAction(action: string): action is AwsFaultAction {
  return (AWS_FAULT_ACTIONS as readonly string[]).includes(action);
}

/**
 * What fault injection needs of provisioning's `AwsResources` (`../provision/resources.ts`): a
 * structural subset, so the session hands that object over as it is and tests build one by hand.
 */
export interface FaultResources {
  runId: string;
  scenario: string;
  region: string;
  /** From STS GetCallerIdentity (never assumed). */
  accountId: string;
  network: Pick<NetworkResources, 'vpcId'>;
  /** EC2 instance by scenario server id. */
  instances: Record<string, Pick<InstanceResource, 'instanceId' | 'arn' | 'subnetId'>>;
  database?: Pick<DatabaseResources, 'id' | 'clusterId' | 'clusterArn' | 'writer' | 'writerArn' | 'standby' | 'standbyArn'> & Partial<Pick<DatabaseResources, 'hosts'>>;
}

/** How to put a fault back after a killed run, written to the journal before the fault is applied. */
export type AwsUndoStep =
  | { kind: 'start-instances'; instanceIds: string[] }
  | { kind: 'restore-network-acl'; subnetId: string; networkAclId: string; faultNetworkAclId: string }
  | { kind: 'stop-experiment'; experimentId: string };

/** A journal line of the aws target's faults: written before a fault is applied, and once it is undone. */
export type AwsFaultJournalEntry =
  | { op: 'fault'; id: string; action: string; target: string; steps: AwsUndoStep[] }
  | { op: 'fault.undone'; id: string };

/** FIS starts an experiment's actions within seconds (FIS user guide, "Experiment states"); a minute is generous. */
export const DEFAULT_EXPERIMENT_START_MS = 60_000;

/** Which emulator answers (its known gaps go into the events), or none: real AWS. */
export type AwsEmulator = 'moto' | 'localstack';

/** Everything {@link injectAwsFault} needs from the session. */
export interface AwsFaultContext {
  /** Made by `awsClients` (`../clients.ts`). */
  clients: Pick<AwsClients, 'ec2' | 'rds' | 'fis'>;
  resources: FaultResources;
  /** The run's event log: `fis`/`experiment` and `fis`/`template` events. */
  events: EventSink;
  /** Written before a fault is applied (with its undo steps) and after it is undone. */
  journal?: (entry: AwsFaultJournalEntry) => void;
  /** Called for every AWS resource created (the experiment template, the experiment), for teardown's inventory. */
  track?: (resource: TaggedResource) => void;
  /**
   * The emulator behind the endpoints, if any; its known gaps are reported in the events. Without one
   * (real AWS) FIS runs the experiment's action itself and faildrill applies no effect of its own.
   */
  emulator?: AwsEmulator;
  /** Longest wait for a real experiment to reach `running` (default {@link DEFAULT_EXPERIMENT_START_MS}). */
  experimentStartMs?: number;
  /** Delay between GetExperiment reads while waiting (default 1 s). */
  experimentPollMs?: number;
  /** The IAM role FIS assumes; default `arn:aws:iam::<account>:role/faildrill-fis` (moto accepts any). */
  roleArn?: string;
}
