/** The response header naming the backend server that answered (every faildrill server sets it). */
export const SERVER_HEADER = 'x-faildrill-server';

/** Whether an HTTP status counts as success: any 2xx, as load balancers' and Route 53's checks take it. */
export function statusOk(statusCode: number | undefined): boolean {
  return statusCode !== undefined && statusCode >= 200 && statusCode < 300;
}

/** The failure reason of a non-2xx answer: `status 503`. */
export function statusReason(statusCode: number | undefined): string {
  return `status ${statusCode ?? 0}`;
}

/** Why a request failed at the socket, from its errno: `refused`, `reset`, `unreachable`, else the code itself. */
export function socketReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    default:
      return err.code ?? err.message;
  }
}
