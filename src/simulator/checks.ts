import type { Response } from './server.js';

/** A health check's verdict and how long after sending it the checker knows it. */
export interface CheckVerdict {
  ok: boolean;
  afterMs: number;
  reason?: 'timeout' | 'refused';
}

/**
 * A check with one overall timeout (an ELBv2 target group's `HealthCheckTimeoutSeconds`, our
 * controller's `healthCheck.timeout`): a refusal fails at once, no answer (or a slow one) when the
 * timeout runs out.
 */
export function verdictWithin(response: Response, timeoutMs: number): CheckVerdict {
  switch (response.kind) {
    case 'ok':
      return response.latencyMs <= timeoutMs ? { ok: true, afterMs: response.latencyMs } : { ok: false, afterMs: timeoutMs, reason: 'timeout' };
    case 'refused':
      return { ok: false, afterMs: Math.min(response.latencyMs, timeoutMs), reason: 'refused' };
    case 'no-answer':
      return { ok: false, afterMs: timeoutMs, reason: 'timeout' };
  }
}

/**
 * A Route 53 HTTP check (Route 53 developer guide): the TCP connection must be made within
 * `connectTimeoutMs` and a 2xx/3xx must come `responseTimeoutMs` after connecting. A refusal fails at
 * once; a dropped SYN (filtered port, isolated or powered-off host) at the connect timeout; a frozen
 * process, whose kernel still completes the handshake, at the response timeout.
 */
export function route53Verdict(response: Response, connectTimeoutMs: number, responseTimeoutMs: number): CheckVerdict {
  switch (response.kind) {
    case 'ok':
      return response.latencyMs <= responseTimeoutMs
        ? { ok: true, afterMs: response.latencyMs }
        : { ok: false, afterMs: responseTimeoutMs, reason: 'timeout' };
    case 'refused':
      return { ok: false, afterMs: response.latencyMs, reason: 'refused' };
    case 'no-answer':
      return { ok: false, afterMs: response.connected ? responseTimeoutMs : connectTimeoutMs, reason: 'timeout' };
  }
}
