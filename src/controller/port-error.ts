/**
 * Why a port call failed, as a stable code (reports and tests key on it):
 * - `THROTTLED`: the API refused for rate (retry later);
 * - `TIMEOUT`: no answer in time;
 * - `UNAVAILABLE`: the endpoint or API could not be reached (socket error, 5xx);
 * - `CONFLICT`: the state changed under us (another change in progress);
 * - `INVALID`: the request cannot succeed as made (unknown id, bad argument): not retryable;
 * - `INTERNAL`: anything else a port did not classify.
 */
export type PortErrorCode = 'THROTTLED' | 'TIMEOUT' | 'UNAVAILABLE' | 'CONFLICT' | 'INVALID' | 'INTERNAL';

const RETRYABLE: Record<PortErrorCode, boolean> = {
  THROTTLED: true,
  TIMEOUT: true,
  UNAVAILABLE: true,
  CONFLICT: true,
  INVALID: false,
  INTERNAL: false,
};

/**
 * The one error type ports throw, in the spirit of the AWS SDK's `$retryable`: a stable `code`, the
 * port and operation that failed, and whether trying again may help.
 */
export class PortError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: PortErrorCode,
    readonly port: string,
    readonly operation: string,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(`${port}.${operation}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortError';
    this.retryable = options.retryable ?? RETRYABLE[code];
  }

  /** `err` as a PortError: itself, or an `INTERNAL` one (not retryable) wrapping whatever was thrown. */
  static from(err: unknown, port: string, operation: string): PortError {
    if (err instanceof PortError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new PortError('INTERNAL', port, operation, message, { cause: err });
  }
}
