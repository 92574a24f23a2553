import { describe, expect, it } from 'vitest';
import { explainFirst, range } from '../test-helpers.js';

/**
 * An nginx upstream as the host writes it (src/targets/host/nginx.ts): max_fails = unhealthyThreshold,
 * fail_timeout = interval, proxy_connect_timeout = timeout (whole seconds), proxy_read_timeout = the
 * load's timeout. ngx_http_upstream_module: a peer is out at its max_fails-th failure within
 * fail_timeout; ngx_http_proxy_module: `proxy_next_upstream error timeout` passes the request on.
 * The clients: 10 clients at 50 requests/s, each one request per 10 / 50 s = 200 ms.
 */
const upstream = (opts: { fault: string; timeout?: string; primaries?: string; controller?: boolean; clients?: number; loadTimeout?: string }) => `
name: ngx
duration: 1m
setup:
  servers: [{ id: web-1, latency: 1ms }, { id: web-2, latency: 1ms }, { id: web-3, latency: 3ms }]
  loadBalancer:
    id: lb
    kind: nginx
    targetGroups:
      - { id: tg-primary, priority: 1, targets: ${opts.primaries ?? '[web-1]'}, healthCheck: { interval: 5s, timeout: ${opts.timeout ?? '2s'}, unhealthyThreshold: 2, healthyThreshold: 2 } }
      - { id: tg-backup, priority: 2, targets: [web-3], healthCheck: { interval: 5s, timeout: 2s, unhealthyThreshold: 2 } }
${opts.controller === false ? 'controller: { automaticFailover: false }' : 'controller: { healthCheck: { interval: 1s, timeout: 500ms, unhealthyThreshold: 3, healthyThreshold: 3 }, layers: { loadBalancer: controller } }'}
load: { rate: 50, clients: ${opts.clients ?? 10}, timeout: ${opts.loadTimeout ?? '3s'} }
faults: [ ${opts.fault} ]
`;

const stop = '{ id: f, at: 10s, action: service-stop, target: web-1, duration: 15s }';
const drop = '{ id: f, at: 10s, action: network-drop, protocol: tcp, port: 80, target: web-1, duration: 15s }';
const PERIOD_MS = (10 * 1000) / 50;
const REFUSED_MS = 1;

describe('nginx upstream (passive checks)', () => {
  it('a refused primary: out at the 2nd refused request, within the first client period; no client error; the controller fails back', () => {
    const e = explainFirst(upstream({ fault: stop }));
    expect(e.decidedBy).toBe('nginx upstream lb (max_fails)');
    // ⌈max_fails / clients⌉ = ⌈2 / 10⌉ = 1 period; the first request at or after the fault at 0 at the earliest
    expect(range(e, 'detection')).toEqual([REFUSED_MS, PERIOD_MS + REFUSED_MS]);
    expect(range(e, 'switch')).toEqual([0, 0]);
    // each refused try goes to web-3 within the request: no outage; the horizon is the controller's (3 × 1 s + 1 ms) switch, plus resolution and one client period
    expect(range(e, 'rto')).toEqual([0, 3_001 + 100 + PERIOD_MS]);
    // the controller (3 × 1 s + 1 ms ≤ 15 s) rewrote the upstream before the removal: its failback, 3 good checks
    expect(range(e, 'failback')).toEqual([2_001, 3_001]);
  });

  it('a silent primary: each try costs proxy_connect_timeout (2 s < the clients’ 3 s): slow answers, no error, verdict a timeout later', () => {
    const e = explainFirst(upstream({ fault: drop }));
    expect(e.decidedBy).toBe('nginx upstream lb (max_fails)');
    expect(range(e, 'detection')).toEqual([2_000, PERIOD_MS + 2_000]);
    expect(range(e, 'rto')?.[0]).toBe(0);
  });

  it('a silent primary whose connect timeout reaches the clients’ timeout: the client leaves first (499), nginx counts nothing, the controller decides', () => {
    const e = explainFirst(upstream({ fault: drop, timeout: '3s' }));
    expect(e.decidedBy).toBe('our controller (lb:lb)');
    // the controller's probe times out at 500 ms: (3 − 1) × 1 s + 500 ms to 3 × 1 s + 500 ms
    expect(range(e, 'detection')).toEqual([2_500, 3_500]);
    // every request to web-1 fails until the switch: RTO from the switch less the recovery rule's lead (1 % × 5 s / 1) and a bucket
    expect(range(e, 'rto')).toEqual([2_500 - 50 - 100, 3_500 + 100 + PERIOD_MS]);
  });

  it('a silent primary whose timeout plus the backup’s answer passes the clients’ timeout: errors until the verdict', () => {
    // proxy_connect_timeout 2 s + web-3's 3 ms > the clients' 2.002 s; nginx still counts (2 s < 2.002 s)
    const e = explainFirst(upstream({ fault: drop, loadTimeout: '2002ms' }));
    expect(e.decidedBy).toBe('nginx upstream lb (max_fails)');
    expect(range(e, 'detection')).toEqual([2_000, PERIOD_MS + 2_000]);
    // every request to web-1 fails until then: less the recovery rule's lead (1 % × 5 s / 1) and a bucket
    expect(range(e, 'rto')).toEqual([2_000 - 50 - 100, PERIOD_MS + 2_000 + 100 + PERIOD_MS]);
  });

  it('two primaries share the requests in turn: the 2nd failure on web-1 is the 4th request', () => {
    const e = explainFirst(upstream({ fault: stop, primaries: '[web-1, web-2]', clients: 3 }));
    const period = (3 * 1000) / 50;
    // ⌊(4 − 1) / 3⌋ = 1 period at the earliest, ⌈4 / 3⌉ = 2 at the latest
    expect(range(e, 'detection')).toEqual([period + REFUSED_MS, 2 * period + REFUSED_MS]);
  });

  it('nginx alone: back at the first request fail_timeout after the last failed try, within fail_timeout + a client period + latency of the removal', () => {
    const e = explainFirst(upstream({ fault: stop, controller: false }));
    expect(e.decidedBy).toBe('nginx upstream lb (max_fails)');
    expect(range(e, 'failback')).toEqual([0, 5_000 + PERIOD_MS + 1]);
  });
});
