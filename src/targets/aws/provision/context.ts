import type { AwsClients, AwsService } from '../clients.js';
import type { ResourceKind, TaggedResource } from './resources.js';
import type { RunLabel } from './tags.js';

/** An error the AWS service answered with (the SDK's ServiceException): it has a name and metadata. */
export interface ServiceError extends Error {
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

/** True for errors that came back from the service, false for local ones (no connection, a bug). */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as ServiceError).$metadata === 'object';
}

/** A service error of one provisioning call, with what the call was for. */
export class StepError extends Error {
  constructor(
    readonly subject: string,
    readonly service: AwsService,
    readonly operation: string,
    override readonly cause: ServiceError,
  ) {
    super(`${subject}: ${service} ${operation} failed: ${cause.name}: ${cause.message}`);
    this.name = 'StepError';
  }
}

/** What every resource family's provisioning gets: the clients, the run, and where to record what it made. */
export interface ProvisionContext {
  clients: AwsClients;
  label: RunLabel;
  region: string;
  accountId: string;
  /** Longest wait for a resource to become available (RDS on real AWS takes minutes; emulators answer at once). */
  maxWaitSec: number;
  /** Appends a created resource to the inventory, before anything else can fail. */
  created(kind: ResourceKind, id: string): void;
  /** Adds a note for the event log (an emulator gap filled, a zone mapped). */
  note(text: string): void;
  /** Runs one SDK call; a service error becomes a {@link StepError} naming the subject and operation. */
  call<T>(service: AwsService, operation: string, subject: string, send: () => Promise<T>): Promise<T>;
}

/** Makes a {@link ProvisionContext} that appends to `inventory` and `notes`. */
export function provisionContext(
  base: Pick<ProvisionContext, 'clients' | 'label' | 'region' | 'accountId' | 'maxWaitSec'>,
  inventory: TaggedResource[],
  notes: string[],
): ProvisionContext {
  return {
    ...base,
    created: (kind, id) => {
      inventory.push({ kind, id, runId: base.label.runId });
    },
    note: (text) => {
      notes.push(text);
    },
    call: async (service, operation, subject, send) => {
      try {
        return await send();
      } catch (err) {
        if (isServiceError(err)) throw new StepError(subject, service, operation, err);
        throw err;
      }
    },
  };
}

/** The value of an SDK response field that the API always returns; a missing one is the service's fault. */
export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`the service returned no ${what}`);
  return value;
}

/** A problem faildrill names itself (no service answered: an engine RDS lacks, a waiter that ran out), shaped like a service error. */
export function localError(name: string, message: string): ServiceError {
  return Object.assign(new Error(message), { name, $metadata: {} });
}
