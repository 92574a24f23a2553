import { describe, expect, it } from 'vitest';
import { chooseFailoverMember, fromRoute53RecordSet, normalizeName, type FailoverRecordSet } from './failover-records.js';

const primary: FailoverRecordSet = { name: 'app.example.com', setIdentifier: 'p', failover: 'PRIMARY', ttlSec: 60, addresses: ['10.0.0.1'], healthCheckId: 'hc-p' };
const secondary: FailoverRecordSet = { name: 'app.example.com', setIdentifier: 's', failover: 'SECONDARY', ttlSec: 60, addresses: ['10.0.0.2'], healthCheckId: 'hc-s' };

const health = (values: Record<string, boolean | undefined>) => (id: string) => values[id];

describe('chooseFailoverMember (Route 53 API Reference, ResourceRecordSet.Failover)', () => {
  it.each([
    // [primary healthy, secondary healthy, answer]
    [true, true, 'PRIMARY'], // primary healthy: primary, whatever the secondary
    [true, false, 'PRIMARY'],
    [false, true, 'SECONDARY'], // primary unhealthy, secondary healthy: secondary
    [false, false, 'PRIMARY'], // secondary unhealthy: primary, whatever the primary
  ] as const)('primary healthy %s, secondary healthy %s → %s', (p, s, expected) => {
    expect(chooseFailoverMember([secondary, primary], health({ 'hc-p': p, 'hc-s': s }))?.failover).toBe(expected);
  });

  it('counts a member without a health check, or with one not yet evaluated, as healthy', () => {
    const { healthCheckId: _, ...unchecked } = secondary;
    expect(chooseFailoverMember([primary, unchecked], health({ 'hc-p': false }))?.failover).toBe('SECONDARY');
    expect(chooseFailoverMember([primary, secondary], health({}))?.failover).toBe('PRIMARY');
  });

  it('answers with the lone member, and with nothing for no member', () => {
    expect(chooseFailoverMember([secondary], health({ 'hc-s': false }))).toBe(secondary);
    expect(chooseFailoverMember([], health({}))).toBeUndefined();
  });
});

describe('fromRoute53RecordSet', () => {
  it('reads a failover A record set as ListResourceRecordSets returns it', () => {
    expect(
      fromRoute53RecordSet({
        Name: 'App.Example.com.',
        Type: 'A',
        SetIdentifier: 'primary',
        Failover: 'PRIMARY',
        TTL: 30,
        ResourceRecords: [{ Value: '10.0.0.1' }],
        HealthCheckId: 'abc',
      }),
    ).toEqual({ name: 'app.example.com', setIdentifier: 'primary', failover: 'PRIMARY', ttlSec: 30, addresses: ['10.0.0.1'], healthCheckId: 'abc' });
  });

  it('ignores record sets that are not failover A records', () => {
    expect(fromRoute53RecordSet({ Name: 'app.example.com.', Type: 'A', TTL: 30, ResourceRecords: [{ Value: '10.0.0.1' }] })).toBeUndefined();
    expect(fromRoute53RecordSet({ Name: 'example.com.', Type: 'NS', TTL: 30, Failover: 'PRIMARY', SetIdentifier: 'x' })).toBeUndefined();
  });

  it('refuses a failover alias record, naming it', () => {
    expect(() =>
      fromRoute53RecordSet({ Name: 'app.example.com.', Type: 'A', Failover: 'PRIMARY', SetIdentifier: 'p', AliasTarget: { DNSName: 'lb-1.elb.amazonaws.com', HostedZoneId: 'Z', EvaluateTargetHealth: true } }),
    ).toThrow(/app\.example\.com\. \(PRIMARY\) is an alias to lb-1\.elb\.amazonaws\.com/);
  });

  it('reads a failover CNAME record set (a load balancer member, provision/dns.ts) as its canonical name', () => {
    expect(
      fromRoute53RecordSet({ Name: 'app.example.com.', Type: 'CNAME', SetIdentifier: 'primary', Failover: 'PRIMARY', TTL: 60, ResourceRecords: [{ Value: 'ALB-1.us-east-1.elb.amazonaws.com.' }] }),
    ).toEqual({ name: 'app.example.com', setIdentifier: 'primary', failover: 'PRIMARY', ttlSec: 60, addresses: [], cname: 'alb-1.us-east-1.elb.amazonaws.com' });
    // RFC 1034 §3.6.2: a CNAME names exactly one canonical name
    expect(() =>
      fromRoute53RecordSet({ Name: 'app.example.com.', Type: 'CNAME', SetIdentifier: 'p', Failover: 'PRIMARY', TTL: 60, ResourceRecords: [{ Value: 'a.example.org' }, { Value: 'b.example.org' }] }),
    ).toThrow(/has 2 values/);
  });

  it('compares names without case or trailing dot', () => {
    expect(normalizeName('APP.example.COM.')).toBe('app.example.com');
  });
});
