import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { NginxLb } from './nginx.js';
import { planTopology } from './topology.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An nginx observer over log files of a folder of its own (nginx itself is not started). */
function observer() {
  const dir = mkdtempSync(join(tmpdir(), 'faildrill-nginx-'));
  dirs.push(dir);
  const s = parseScenario(readFileSync(new URL('../../../scenarios/host-nginx-upstream.yaml', import.meta.url), 'utf8'), 'host-nginx-upstream.yaml').scenario;
  const plan = planTopology(s, 'run-3', 'abc123', dir);
  const events: Array<{ type: string; detail: Record<string, unknown> }> = [];
  const lb = new NginxLb(plan, s, s.setup.loadBalancer!, (_c, type, detail) => events.push({ type, detail }), () => undefined);
  lb.arm();
  const addr = (id: string) => `${plan.servers.get(id)!.ip}:${plan.appPort}`;
  const access = (upstreams: string[], status = 200) =>
    appendFileSync(join(dir, 'nginx-access.log'), `${(Date.now() + 1) / 1000}|${upstreams.map(addr).join(', ')}|${status}|${status}\n`);
  const disabled = (id: string) =>
    appendFileSync(join(dir, 'nginx-error.log'), `2026/11/30 17:00:00 [warn] 1#1: *9 upstream server temporarily disabled while connecting to upstream, upstream: "http://${addr(id)}/"\n`);
  return { lb, events, access, disabled, read: () => lb.unwatch() };
}

describe("nginx's routing as its logs show it", () => {
  it('a request retried on the backup (proxy_next_upstream) moves no route: new requests still try the primary first', () => {
    const o = observer();
    o.access(['web-1', 'web-2']);
    o.read();
    expect(o.events.filter((e) => e.type === 'route.changed')).toEqual([]);
    expect(o.lb.routable).toEqual(['web-1']);
  });

  it("max_fails reached: the primary's unhealthy verdict comes first, then the route to the backup", () => {
    const o = observer();
    o.access(['web-1', 'web-2']);
    o.disabled('web-1');
    o.access(['web-1', 'web-2']);
    o.read();
    expect(o.events.map((e) => `${e.type}:${String(e.detail.target ?? e.detail.toServers)}`)).toEqual(['target.health:web-1', 'route.changed:web-2']);
  });
});
