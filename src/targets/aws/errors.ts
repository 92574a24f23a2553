import { PortError, type PortErrorCode } from '../../controller/port-error.js';

/** Names of SDK errors that mean "slow down" (the services' throttling exceptions). */
const THROTTLED_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'PriorRequestNotCompleteException',
  'KMSThrottlingException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
]);

/** Names (or Node error codes) of answers that did not come in time. */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** Node socket error codes: the endpoint could not be reached or dropped the connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** The state changed under us or another change is in progress: trying again later may succeed. */
const CONFLICT_NAMES = new Set([
  'ConflictingDomainExists',
  'ConcurrentModification',
  'ConcurrentAccessException',
  'ConflictException',
  'ResourceContention',
  'ResourceContentionFault',
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'InvalidDBClusterStateFault',
  'InvalidDBInstanceState',
  'InvalidDBInstanceStateFault',
  'ResourceInUse',
  'ResourceInUseException',
  'IncorrectState',
]);

/** Route 53's InvalidChangeBatch for a change that collides with the current records (rather than a malformed one). */
const CHANGE_BATCH_CONFLICT = /already exists|but it was not found|conflicts? with|not permitted in conjunction/i;

/** What an SDK v3 error (a `ServiceException`, a smithy `TimeoutError`, a Node socket error) carries. */
interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: { statusCode?: number };
}

function shapeOf(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : { message: String(err) };
}

function statusOf(e: SdkErrorShape): number | undefined {
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** The PortError code of an SDK error, by its name first, then its HTTP status and fault. */
export function classifySdkError(err: unknown): PortErrorCode {
  const e = shapeOf(err);
  const name = e.name ?? '';
  const status = statusOf(e);
  if (THROTTLED_NAMES.has(name) || e.$retryable?.throttling === true || status === 429) return 'THROTTLED';
  // before the name: the SDK's HTTP handler renames a reset socket to TimeoutError but keeps its code
  if (e.code !== undefined && SOCKET_CODES.has(e.code)) return 'UNAVAILABLE';
  if (TIMEOUT_NAMES.has(name) || (e.code !== undefined && TIMEOUT_NAMES.has(e.code)) || status === 408 || status === 504) return 'TIMEOUT';
  if (name === 'InvalidChangeBatch') return CHANGE_BATCH_CONFLICT.test(e.message ?? '') ? 'CONFLICT' : 'INVALID';
  if (CONFLICT_NAMES.has(name) || status === 409) return 'CONFLICT';
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return 'UNAVAILABLE';
  if (e.$fault === 'client' || (status !== undefined && status >= 400)) return 'INVALID';
  if (e.$retryable) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** `ThrottlingException (HTTP 400, 2 attempts, request 7a…): Rate exceeded`: the SDK error's name kept first. */
function describe(e: SdkErrorShape): string {
  const name = e.name && e.name !== 'Error' ? e.name : (e.code ?? e.name ?? 'Error');
  const status = statusOf(e);
  const facts = [
    ...(status !== undefined ? [`HTTP ${status}`] : []),
    ...(e.$metadata?.attempts !== undefined && e.$metadata.attempts > 1 ? [`${e.$metadata.attempts} attempts`] : []),
    ...(e.$metadata?.requestId ? [`request ${e.$metadata.requestId}`] : []),
  ];
  const head = facts.length > 0 ? `${name} (${facts.join(', ')})` : name;
  return e.message && e.message !== name ? `${head}: ${e.message}` : head;
}

/**
 * An error from an SDK v3 call as a {@link PortError}: throttling is `THROTTLED`, a timeout `TIMEOUT`,
 * a socket error or 5xx `UNAVAILABLE`, a conflicting change `CONFLICT`, validation and not-found
 * `INVALID`; the message starts with the SDK error's `name`, and the SDK error is the `cause`. The
 * clients have already retried with the SDK's strategy, so what arrives here is what still failed.
 */
export function toPortError(err: unknown, port: string, operation: string): PortError {
  if (err instanceof PortError) return err;
  const e = shapeOf(err);
  return new PortError(classifySdkError(err), port, operation, describe(e), { cause: err });
}

/** Runs one port operation over the SDK; whatever it throws arrives as a {@link PortError}. */
export async function portCall<T>(port: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toPortError(err, port, operation);
  }
}
