import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { aclDisrupts, deniesAllTraffic } from './network-acl.js';

/** Rule semantics from the VPC user guide ("Network ACL rules"): lowest number first, first match decides, unmatched traffic is denied. */
const rule = (RuleNumber: number, RuleAction: 'allow' | 'deny', Egress: boolean, extra: Partial<NetworkAclEntry> = {}): NetworkAclEntry => ({
  RuleNumber,
  RuleAction,
  Egress,
  Protocol: '-1',
  CidrBlock: '0.0.0.0/0',
  ...extra,
});

/** A VPC's default NACL: allow everything at 100, the * deny at 32767, both directions. */
const defaultAcl = [rule(100, 'allow', false), rule(32767, 'deny', false), rule(100, 'allow', true), rule(32767, 'deny', true)];

describe('deniesAllTraffic', () => {
  it('lets the default NACL through', () => {
    expect(deniesAllTraffic(defaultAcl, false)).toBe(false);
    expect(aclDisrupts(defaultAcl)).toBe(false);
  });
  it('closes a direction whose deny-all comes before any allow', () => {
    const entries = [rule(50, 'deny', false), ...defaultAcl];
    expect(deniesAllTraffic(entries, false)).toBe(true);
    expect(deniesAllTraffic(entries, true)).toBe(false);
    expect(aclDisrupts(entries)).toBe(true);
  });
  it('lets traffic through when an allow comes first, even a narrow one', () => {
    expect(deniesAllTraffic([rule(10, 'allow', false, { Protocol: '6', PortRange: { From: 80, To: 80 } }), rule(100, 'deny', false)], false)).toBe(false);
  });
  it('does not count a deny of one protocol or one range as a deny of everything', () => {
    const entries = [rule(10, 'deny', false, { Protocol: '6' }), rule(20, 'deny', false, { CidrBlock: '10.0.0.0/8' }), rule(100, 'allow', false)];
    expect(deniesAllTraffic(entries, false)).toBe(false);
  });
  it('denies everything when no rule matches at all (an empty NACL)', () => {
    expect(deniesAllTraffic([], false)).toBe(true);
    expect(aclDisrupts([rule(100, 'allow', false)])).toBe(true);
  });
});
