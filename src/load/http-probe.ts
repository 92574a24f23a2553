import { request, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HealthProbePort, ProbeResult } from '../controller/ports.js';
import { PortError } from '../controller/port-error.js';
import { socketReason, statusOk, statusReason } from './http-outcome.js';

/** Where an endpoint answers health checks: its base URL (`http://10.0.0.5:8080`), or undefined for an endpoint this target does not know. */
export type EndpointUrl = (endpointId: string) => string | undefined;

/**
 * The controller's health checks in process: each probe is one GET of the endpoint's base URL plus
 * the check's path over a fresh connection (no keep-alive, so a dead server cannot hide behind an
 * open socket). 2xx is healthy; otherwise the reason is `refused`, `reset`, `timeout` or `status 503`.
 * A probe always resolves by its `timeoutMs`; an endpoint without a URL, or a URL that cannot be
 * requested, rejects with a `PortError` INVALID.
 */
export class HttpProbePort implements HealthProbePort {
  constructor(private readonly url: EndpointUrl) {}

  probe(endpointId: string, check: { path: string; timeoutMs: number }): Promise<ProbeResult> {
    const base = this.url(endpointId);
    if (base === undefined) return Promise.reject(new PortError('INVALID', 'probe', 'probe', `no URL for endpoint '${endpointId}'`));
    const startMs = performance.now();
    let req: ClientRequest;
    try {
      req = request(new URL(`${base.replace(/\/$/, '')}${check.path}`), { method: 'GET', agent: false, headers: { connection: 'close', 'user-agent': 'faildrill probe' } });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return Promise.reject(new PortError('INVALID', 'probe', 'probe', `cannot request '${check.path}' on '${base}' for endpoint '${endpointId}': ${message}`, { cause: err }));
    }
    return new Promise<ProbeResult>((resolve) => {
      let settled = false;
      const settle = (ok: boolean, reason?: string, latencyMs = performance.now() - startMs) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.destroy();
        resolve(reason === undefined ? { ok, latencyMs } : { ok, latencyMs, reason });
      };
      const deadline = setTimeout(() => settle(false, 'timeout', check.timeoutMs), check.timeoutMs);
      req.once('response', (res) => {
        res.resume();
        const ok = statusOk(res.statusCode);
        settle(ok, ok ? undefined : statusReason(res.statusCode));
      });
      req.once('error', (err: NodeJS.ErrnoException) => settle(false, socketReason(err)));
      req.end();
    });
  }
}
