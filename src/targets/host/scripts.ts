/**
 * Helper programs the host target runs inside its network namespaces (`ip netns exec <ns> node …`).
 * They are plain CommonJS, written into the run's folder at setup, so that they run the same from
 * `dist/` and under vitest. Each one bounds its own lifetime and exits when its parent goes away.
 */

/** Shared prologue: exit when the parent dies (ppid changes) or the lifetime runs out. */
const GUARD = `
const parentPid = process.ppid;
const guard = setInterval(() => { if (process.ppid !== parentPid) process.exit(0); }, 500);
guard.unref();
function bound(ms) { const t = setTimeout(() => process.exit(0), ms); t.unref(); }
`;

/**
 * The app server: \`/\` answers with its server id, \`/health\` returns 200 only while fully
 * operational (listening, event loop responsive, not marked down). Every answer names the server in
 * \`x-faildrill-server\`.
 * argv: id port lifetimeMs
 */
export const APP_SERVER = `'use strict';
const http = require('node:http');
${GUARD}
const [id, port, lifetimeMs] = process.argv.slice(2);
bound(Number(lifetimeMs));
let lagMs = 0;
let last = process.hrtime.bigint();
setInterval(() => {
  const now = process.hrtime.bigint();
  lagMs = Math.max(0, Number(now - last) / 1e6 - 100);
  last = now;
}, 100).unref();
let listening = false;
const server = http.createServer((req, res) => {
  const headers = { 'content-type': 'text/plain', 'x-faildrill-server': id };
  if (req.url === '/health') {
    const ok = listening && lagMs < 1000;
    res.writeHead(ok ? 200 : 503, headers);
    res.end(ok ? 'ok\\n' : 'degraded: event loop lag ' + Math.round(lagMs) + ' ms\\n');
    return;
  }
  res.writeHead(200, headers);
  res.end(id + '\\n');
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '0.0.0.0', () => {
  listening = true;
  console.log('app ' + id + ' listening on ' + port);
});
const stop = () => { server.close(); server.closeAllConnections(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

/**
 * keepalived's track script: GET the local app's /health over bash's /dev/tcp (a few ms to start,
 * even on a loaded machine); exit 0 only on HTTP 200. keepalived's own `timeout` ends a hung connect.
 * argv: port timeoutSeconds
 */
export const CHECK_SCRIPT = `#!/bin/bash
# faildrill track script: GET /health of the app on this host; 0 only on HTTP 200.
exec 2>/dev/null
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3
IFS= read -r -t "$2" line <&3 || exit 1
case "$line" in *" 200 "*) exit 0 ;; esac
exit 1
`;

/**
 * The controller's health prober: JSON lines on stdin {id, url, timeoutMs}; answers
 * {id, ok, latencyMs, reason} on stdout. Ends with stdin or its lifetime.
 * argv: lifetimeMs
 */
export const PROBER = `'use strict';
const http = require('node:http');
const readline = require('node:readline');
${GUARD}
bound(Number(process.argv[2]));
const now = () => Number(process.hrtime.bigint()) / 1e6;
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let q;
  try { q = JSON.parse(line); } catch { return; }
  const start = now();
  let done = false;
  const answer = (ok, reason) => {
    if (done) return;
    done = true;
    process.stdout.write(JSON.stringify({ id: q.id, ok, latencyMs: Math.round((now() - start) * 10) / 10, ...(reason ? { reason } : {}) }) + '\\n');
  };
  const req = http.get(q.url, { agent: false, timeout: q.timeoutMs }, (res) => {
    res.resume();
    res.on('end', () => answer(res.statusCode >= 200 && res.statusCode < 400, res.statusCode >= 400 ? 'status ' + res.statusCode : undefined));
    res.on('error', () => answer(false, 'reset'));
  });
  req.on('timeout', () => { answer(false, 'timeout'); req.destroy(); });
  req.on('error', (err) => answer(false, err.code === 'ECONNREFUSED' ? 'refused' : (err.code || err.message)));
});
rl.on('close', () => process.exit(0));
`;

/**
 * The client load: autocannon (as a library) at the configured rate, and a fixed-interval probe,
 * both against the entry point. Streams one JSON array per request on stdout:
 * [source ('a' autocannon | 'p' probe), startMs, latencyMs, ok (1|0), server, reason?]
 * with times in ms since t0 (CLOCK_MONOTONIC, shared with the parent). Bounded in time and count.
 * argv: JSON config
 */
export const LOAD_DRIVER = `'use strict';
const http = require('node:http');
${GUARD}
const cfg = JSON.parse(process.argv[2]);
const autocannon = require(cfg.autocannon);
const t0 = BigInt(cfg.t0Ns);
const now = () => Number(process.hrtime.bigint() - t0) / 1e6;
const endAtMs = cfg.endAtMs;
bound(Math.max(0, endAtMs - now()) + cfg.timeoutMs + 5000);
const round = (x) => Math.round(x * 100) / 100;
let buffer = [];
let recorded = 0;
function record(source, startMs, ok, server, reason) {
  if (recorded >= cfg.maxRequests) return;
  recorded++;
  buffer.push(JSON.stringify(reason ? [source, round(startMs), round(now() - startMs), ok ? 1 : 0, server, reason] : [source, round(startMs), round(now() - startMs), ok ? 1 : 0, server]));
}
function flush() {
  if (buffer.length === 0) return;
  process.stdout.write(buffer.join('\\n') + '\\n');
  buffer = [];
}
setInterval(flush, 50).unref();

// The probe: one fresh connection every probeIntervalMs, on a fixed schedule.
const url = new URL(cfg.url);
let probes = 0;
function probe() {
  const startMs = now();
  if (startMs >= endAtMs || probes >= cfg.maxProbes) return;
  probes++;
  let done = false;
  const finish = (ok, server, reason) => { if (!done) { done = true; record('p', startMs, ok, server, reason); } };
  const req = http.get({ host: url.hostname, port: url.port || 80, path: '/', agent: false, timeout: cfg.timeoutMs }, (res) => {
    const server = String(res.headers['x-faildrill-server'] || '');
    res.resume();
    res.on('end', () => finish(res.statusCode >= 200 && res.statusCode < 400, server, res.statusCode >= 400 ? 'status ' + res.statusCode : undefined));
    res.on('error', () => finish(false, server, 'reset'));
  });
  req.on('timeout', () => { finish(false, '', 'timeout'); req.destroy(); });
  req.on('error', (err) => finish(false, '', err.code || 'error'));
}
let nextProbe = Math.max(0, cfg.startAtMs);
function scheduleProbe() {
  const wait = nextProbe - now();
  setTimeout(() => {
    probe();
    nextProbe += cfg.probeIntervalMs;
    if (nextProbe < endAtMs) scheduleProbe();
  }, Math.max(0, wait));
}
scheduleProbe();

// autocannon: per-request start, outcome and answering server, from its client events.
function setupClient(client) {
  let pending = null;
  let server = '';
  let failures = 0;
  const fail = (reason) => { if (pending !== null) { record('a', pending, false, '', reason); pending = null; } };
  client.on('request', () => { fail('reset'); pending = now(); server = ''; });
  client.on('headers', (h) => {
    const hs = h.headers || [];
    for (let i = 0; i + 1 < hs.length; i += 2) if (String(hs[i]).toLowerCase() === 'x-faildrill-server') server = String(hs[i + 1]);
  });
  client.on('response', (status) => {
    failures = 0;
    if (pending !== null) { record('a', pending, status >= 200 && status < 400, server, status >= 400 ? 'status ' + status : undefined); pending = null; }
  });
  client.on('timeout', () => fail('timeout'));
  client.on('connError', (err) => { failures++; fail(err && err.code === 'ECONNREFUSED' ? 'refused' : (err && err.code) || 'error'); });
  // Back off reconnects after connection errors, so a refused port is not hammered in a tight loop.
  const connect = Object.getPrototypeOf(client)._connect;
  let timer = null;
  client._connect = function () {
    if (failures === 0 || this.destroyed) return connect.call(this);
    if (timer) return;
    timer = setTimeout(() => { timer = null; if (!this.destroyed) connect.call(this); }, Math.min(200, cfg.probeIntervalMs * failures));
  };
}
const startIn = Math.max(0, cfg.startAtMs - now());
setTimeout(() => {
  const instance = autocannon({
    url: cfg.url,
    connections: cfg.connections,
    overallRate: cfg.ratePerSec,
    duration: Math.max(1, (endAtMs - now()) / 1000),
    timeout: Math.max(1, cfg.timeoutMs / 1000),
    setupClient,
  }, () => {
    flush();
    process.stdout.write(JSON.stringify({ done: true, recorded, probes }) + '\\n', () => process.exit(0));
  });
  const stopAt = setTimeout(() => instance.stop(), Math.max(0, endAtMs - now()));
  stopAt.unref();
}, startIn);
process.on('SIGTERM', () => { flush(); process.exit(0); });
`;
