import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { keepalivedConfig, parseKeepalivedLine } from './keepalived.js';
import { nginxConfig } from './nginx.js';
import { planTopology } from './topology.js';

const scenario = (file: string) => parseScenario(readFileSync(new URL(`../../../scenarios/${file}`, import.meta.url), 'utf8'), file).scenario;

describe('keepalived.conf from a scenario', () => {
  const s = scenario('host-keepalived.yaml');
  const plan = planTopology(s, 'run-1', 'abc123', '/run/faildrill/run-1');
  const [primary, backup] = s.setup.vip!.nodes;

  it("writes the seed's settings as written: priorities 100/90, advert_int 1, script interval 5, fall 2, rise 2, weight -20", () => {
    const a = keepalivedConfig(plan, s.setup.vip!, primary!);
    expect(a).toMatch(/state MASTER\n/);
    expect(a).toMatch(/priority 100\n/);
    expect(a).toMatch(/advert_int 1\n/);
    expect(a).toMatch(/virtual_router_id 51\n/);
    expect(a).toMatch(/interval 5\n\s+timeout 1\n\s+weight -20\n\s+fall 2\n\s+rise 2\n/);
    expect(a).toMatch(/track_script \{\n\s+check_app\n/);
    expect(a).toContain(`${plan.vip}/24 dev eth0`);
    expect(a).toContain(`check.sh 80 0.980 /run/faildrill/run-1/check-runs-node-a.log"`);
    expect(keepalivedConfig(plan, s.setup.vip!, backup!)).toMatch(/state BACKUP\n\s+interface eth0\n\s+virtual_router_id 51\n\s+priority 90\n/);
  });

  it('speaks the VRRP version the simulator models: no version line for 2 (keepalived.conf(5): default 2), `version 3` for 3', () => {
    expect(s.setup.vip!.vrrpVersion).toBe(2);
    expect(keepalivedConfig(plan, s.setup.vip!, primary!)).not.toMatch(/^\s*version /m);
    const v3 = { ...s.setup.vip!, vrrpVersion: 3 as const, advertIntMs: 500 };
    const conf = keepalivedConfig(plan, v3, primary!);
    expect(conf).toMatch(/advert_int 0\.5\n\s+version 3\n/);
    expect(keepalivedConfig(plan, { ...v3, advertIntMs: 3_000 }, primary!)).toMatch(/advert_int 3\n\s+version 3\n/);
  });

  it('places every address in one /24 of 198.18.0.0/15 and names namespaces fd-<tag>-…', () => {
    expect(plan.subnet).toMatch(/^198\.(18|19)\.\d+\.0\/24$/);
    const base = plan.subnet.split('.').slice(0, 3).join('.');
    for (const node of [plan.client, plan.controller, ...plan.servers.values()]) {
      expect(node.ip.startsWith(`${base}.`)).toBe(true);
      expect(node.ns.startsWith('fd-abc123-')).toBe(true);
    }
    expect(plan.vip).toBe(`${base}.100`);
  });
});

describe('keepalived log lines (2.2.7)', () => {
  it.each([
    ['Mon Nov 23 21:00:23 2026: (VI_1) Entering MASTER STATE', { kind: 'state', state: 'master' }],
    ['Mon Nov 23 21:00:19 2026: (VI_1) Entering BACKUP STATE (init)', { kind: 'state', state: 'backup' }],
    ['Mon Nov 23 21:00:19 2026: (VI_1) Entering FAULT STATE (init)', { kind: 'state', state: 'fault' }],
    ['Mon Nov 23 21:00:29 2026: (VI_1) entering FAULT state', { kind: 'state', state: 'fault' }],
    ['Mon Nov 23 21:00:19 2026: VRRP_Script(check_app) succeeded', { kind: 'script', script: 'check_app', ok: true }],
    ['Mon Nov 23 21:00:34 2026: VRRP_Script(check_app) failed (exited with status 1)', { kind: 'script', script: 'check_app', ok: false, reason: 'exited with status 1' }],
    ['Mon Nov 23 21:12:08 2026: VRRP_Script(check_app) timed_out', { kind: 'script', script: 'check_app', ok: false, reason: 'timed_out' }],
    ['Mon Nov 23 21:12:08 2026: (VI_1) Changing effective priority from 100 to 80', { kind: 'priority', from: 100, to: 80 }],
  ])('%s', (line, expected) => {
    expect(parseKeepalivedLine(line)).toEqual(expected);
  });

  it('ignores the rest', () => {
    expect(parseKeepalivedLine('Mon Nov 23 21:00:23 2026: Sending gratuitous ARP on eth0 for 198.18.201.100')).toBeUndefined();
  });
});

describe('nginx.conf from a scenario', () => {
  const s = scenario('host-nginx-upstream.yaml');
  const plan = planTopology(s, 'run-2', 'def456', '/run/faildrill/run-2');
  const lb = s.setup.loadBalancer!;

  it('puts the forwarded group first and the others as backup, with passive checks from the group settings', () => {
    const conf = nginxConfig(plan, s, lb, 'tg-primary');
    const web1 = plan.servers.get('web-1')!.ip;
    const web2 = plan.servers.get('web-2')!.ip;
    expect(conf).toContain(`server ${web1}:80 max_fails=2 fail_timeout=5s;`);
    expect(conf).toContain(`server ${web2}:80 max_fails=2 fail_timeout=5s backup;`);
    expect(conf).toContain(`listen ${plan.lb!.ip}:80;`);
    expect(conf).toContain('proxy_next_upstream error timeout http_502 http_503;');
    const switched = nginxConfig(plan, s, lb, 'tg-backup');
    expect(switched).toContain(`server ${web2}:80 max_fails=2 fail_timeout=5s;`);
    expect(switched).toContain(`server ${web1}:80 max_fails=2 fail_timeout=5s backup;`);
  });
});
