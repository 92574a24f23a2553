import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../scenario/schema.js';
import { dropMatch, faultRules, type FaultHost } from './inject.js';

const host = {
  tag: 'abc123',
  nsOf: (s: string) => `fd-abc123-${s}`,
  ipOf: (s: string) => (s === 'a' ? '198.18.1.101' : '198.18.1.102'),
} as FaultHost;

const fault = (f: Partial<FaultSpec>): FaultSpec => ({ id: 'f', atMs: 0, action: 'network-drop', target: 'a', ...f }) as FaultSpec;

describe('iptables rules of host faults', () => {
  it("matches the seed's rule for a port: -p tcp --dport 80", () => {
    expect(dropMatch({ port: 80 })).toEqual(['-p', 'tcp', '--dport', '80']);
    expect(dropMatch({ port: 53, protocol: 'udp' })).toEqual(['-p', 'udp', '--dport', '53']);
  });

  it('drops VRRP as protocol 112, from one peer', () => {
    expect(dropMatch({ protocol: 'vrrp' }, '198.18.1.101')).toEqual(['-p', '112', '-s', '198.18.1.101']);
    expect(dropMatch({ protocol: 'all' })).toEqual([]);
  });

  it('partitions both ways, one INPUT rule in each namespace, tagged with run and fault', () => {
    const rules = faultRules(fault({ action: 'network-partition', peer: 'b' }), host);
    expect(rules.map((r) => [r.ns, r.chain, r.rule.join(' ')])).toEqual([
      ['fd-abc123-a', 'INPUT', '-s 198.18.1.102 -m comment --comment faildrill:abc123:f -j DROP'],
      ['fd-abc123-b', 'INPUT', '-s 198.18.1.101 -m comment --comment faildrill:abc123:f -j DROP'],
    ]);
  });

  it('drops a share of packets with -m statistic', () => {
    const [rule] = faultRules(fault({ action: 'packet-loss', loss: 0.3 }), host);
    expect(rule!.rule.join(' ')).toBe('-m statistic --mode random --probability 0.3 -m comment --comment faildrill:abc123:f -j DROP');
  });
});
